/**
 * bench:serve: how high the c=64 ratios of issue 12 can go on this machine. The ratios "inference / trivial" and
 * "batching gain" (ElasticNet, 1-row requests) compare a V2 request with a GET and with an unbatched V2 request; on
 * node:http a V2 request costs at least what the rungs of rungs.ts cost (read the body, parse it, validate it), so
 * those rungs, measured in the same alternating rounds as `cairn serve`, bound both ratios from above.
 */
import { cpuSeconds } from '../process.js';
import { type AutocannonResult, DURATION_S, ENTRY, autocannon, firstMessage, forkTsx, line, load, rps, startServer, stopChild } from './harness.js';
import { RUNGS } from './rungs.js';

interface Target {
  name: string;
  what: string;
  port: number;
  pid: number;
  path: string;
  body?: string;
  stop(): Promise<void>;
}

interface Measured {
  rps: number;
  cpuUs: number;
}

const RUNG_TEXT: Record<(typeof RUNGS)[number], string> = {
  post: 'reads the body, answers a constant',
  parse: '+ JSON.parse',
  validate: "+ cairn's validation (no run)",
  minimal: '+ batched run + V2 answer, nothing else',
};

async function startRung(rung: (typeof RUNGS)[number], path: string, body: string): Promise<Target> {
  const child = forkTsx(ENTRY, ['--rung', rung]);
  const { port } = await firstMessage<{ port: number }>(child, `rung ${rung}`);
  return { name: rung, what: RUNG_TEXT[rung], port, pid: child.pid!, path, body, stop: () => stopChild(child) };
}

/** Each target at c=64 in 3 alternating rounds, after a warm-up by count: req/s and server CPU per request. */
async function measure(targets: Target[]): Promise<Map<string, Measured>> {
  for (const t of targets) {
    await autocannon({ url: `http://127.0.0.1:${t.port}${t.path}`, connections: 64, pipelining: 1, ...(t.body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: t.body } : {}), amount: 20_000 });
  }
  const runs = new Map(targets.map((t) => [t.name, { results: [] as AutocannonResult[], cpu: 0 }]));
  for (let round = 0; round < 3; round++) {
    for (const t of targets) {
      const before = cpuSeconds(t.pid);
      const result = await load(t.port, t.path, 64, t.body, undefined, DURATION_S / 2, 0);
      const run = runs.get(t.name)!;
      run.cpu += cpuSeconds(t.pid) - before;
      run.results.push(result);
    }
  }
  const measured = new Map<string, Measured>();
  for (const [name, { results, cpu }] of runs) {
    const answered = results.reduce((a, r) => a + r['2xx'], 0);
    measured.set(name, { rps: results.reduce((a, r) => a + r.requests.average, 0) / results.length, cpuUs: (cpu * 1e6) / answered });
  }
  return measured;
}

export async function ratioCeilings(results: Record<string, unknown>, v2Body: string, v2Path: string): Promise<void> {
  const batched = await startServer({ model: 'driver_elasticnet', http: 'node', execution: 'inline', maxBatchSize: 64 });
  const unbatched = await startServer({ model: 'driver_elasticnet', http: 'node', execution: 'inline', maxBatchSize: 1 });
  const targets: Target[] = [
    { name: 'trivial', what: 'cairn serve: GET /v2/health/ready', port: batched.port, pid: batched.pid, path: '/v2/health/ready', stop: async () => {} },
    ...(await Promise.all(RUNGS.map((rung) => startRung(rung, v2Path, v2Body)))),
    { name: 'cairn', what: 'cairn serve: V2 infer, batching on', port: batched.port, pid: batched.pid, path: v2Path, body: v2Body, stop: () => batched.stop() },
    { name: 'unbatched', what: 'cairn serve: V2 infer, batching off', port: unbatched.port, pid: unbatched.pid, path: v2Path, body: v2Body, stop: () => unbatched.stop() },
  ];
  console.log('\nUpper bounds of the c=64 ratios: node:http servers doing one more step each (bench/serve/rungs.ts), 3 alternating rounds');
  const m = await measure(targets);
  await Promise.all(targets.map((t) => t.stop()));
  const trivial = m.get('trivial')!;
  for (const t of targets) {
    const { rps: r, cpuUs } = m.get(t.name)!;
    line(`${t.name}: ${t.what}`, rps(r), `${cpuUs.toFixed(1)} µs server CPU per request, ${(r / trivial.rps).toFixed(2)}x trivial`);
  }
  const ratio = (name: string) => m.get(name)!.rps / trivial.rps;
  const off = m.get('unbatched')!;
  const gain = (name: string) => m.get(name)!.rps / off.rps;
  const bounds = {
    inferenceOverTrivial: { parse: ratio('parse'), validate: ratio('validate'), minimal: ratio('minimal'), cairn: ratio('cairn') },
    batchingGain: { parse: gain('parse'), validate: gain('validate'), minimal: gain('minimal'), cairn: gain('cairn') },
  };
  const figures = (b: Record<string, number>) => `${b.parse!.toFixed(2)} / ${b.validate!.toFixed(2)} / ${b.minimal!.toFixed(2)} / ${b.cairn!.toFixed(2)}x`;
  console.log('  Each ratio with a rung in place of cairn serve: parse / validate / minimal / cairn serve (parse and validate run no model)');
  line('inference / trivial (goal >= 0.7x)', figures(bounds.inferenceOverTrivial), 'the rung over the same trivial GET');
  line('ElasticNet batching gain (goal >= 2x)', figures(bounds.batchingGain), 'the rung over cairn serve with batching off');
  results.ceilings = { rungs: Object.fromEntries(m), bounds };
}

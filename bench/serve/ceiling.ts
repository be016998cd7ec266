/**
 * bench:serve: how high the c=64 ratios of issue 12 can go on this machine. The ratios "inference / trivial" and
 * "batching gain" (ElasticNet, 1-row requests) compare a V2 request with a GET and with an unbatched V2 request; on
 * node:http a V2 request costs at least what the rungs of rungs.ts cost (read the body, parse it, validate it), so
 * those rungs, measured in the same alternating rounds as `cairn serve`, bound both ratios from above.
 */
import { DURATION_S, ENTRY, type LoadTarget, alternatingRounds, firstMessage, forkTsx, line, rps, startServer, stopChild, warmUp } from './harness.js';
import { RUNGS } from './rungs.js';

/** A server of the ladder: what it is, and how to stop it. */
interface Target extends LoadTarget {
  name: string;
  what: string;
  stop(): Promise<void>;
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
  for (const target of targets) await warmUp(target, 64, 20_000);
  const m = await alternatingRounds(Object.fromEntries(targets.map((t) => [t.name, t])), 64, DURATION_S / 2);
  await Promise.all(targets.map((t) => t.stop()));
  const trivial = m.trivial!;
  for (const t of targets) {
    const { rps: r, cpuUs } = m[t.name]!;
    line(`${t.name}: ${t.what}`, rps(r), `${cpuUs.toFixed(1)} µs server CPU per request, ${(r / trivial.rps).toFixed(2)}x trivial`);
  }
  const ratio = (name: string) => m[name]!.rps / trivial.rps;
  const off = m.unbatched!;
  const gain = (name: string) => m[name]!.rps / off.rps;
  const bounds = {
    inferenceOverTrivial: { parse: ratio('parse'), validate: ratio('validate'), minimal: ratio('minimal'), cairn: ratio('cairn') },
    batchingGain: { parse: gain('parse'), validate: gain('validate'), minimal: gain('minimal'), cairn: gain('cairn') },
  };
  const figures = (b: Record<string, number>) => `${b.parse!.toFixed(2)} / ${b.validate!.toFixed(2)} / ${b.minimal!.toFixed(2)} / ${b.cairn!.toFixed(2)}x`;
  console.log('  Each ratio with a rung in place of cairn serve: parse / validate / minimal / cairn serve (parse and validate run no model)');
  line('inference / trivial (goal >= 0.7x)', figures(bounds.inferenceOverTrivial), 'the rung over the same trivial GET');
  line('ElasticNet batching gain (goal >= 2x)', figures(bounds.batchingGain), 'the rung over cairn serve with batching off');
  results.ceilings = { rungs: m, bounds };
}

/** bench:serve: the dynamic batching gain at c=64 (ElasticNet and heavy_mlp), batching on beside batching off. */
import { cpuSeconds } from '../process.js';
import { type AutocannonResult, DURATION_S, type Server, autocannon, goal, line, load, rps, startServer } from './harness.js';

/**
 * The batching gain: a server with batching on and one with it off, at c=64 in alternating rounds, so that both
 * see the same moments of a shared machine; with the batch sizes the batched one ran.
 */
export async function batchingGain(results: Record<string, unknown>, onServer: Server, offServer: Server, v2Body: string, v2Path: string, label = 'ElasticNet', warmRequests = 20_000): Promise<void> {
  const rounds = { on: [] as AutocannonResult[], off: [] as AutocannonResult[] };
  const cpu = { on: 0, off: 0 };
  // Warmed by a count of requests, not a time: V8 optimizes a server's per-request functions after so many requests,
  // and on a loaded machine the 1 s warm-up of load() served as few as ~700, so the compiler's threads (counted in
  // the process's CPU) were still busy in the measured rounds (a perf profile at load 18: 43% of the batched server's
  // CPU in V8's compiler threads), which inflated the CPU per request of loaded runs.
  for (const server of [onServer, offServer]) {
    await autocannon({ url: `http://127.0.0.1:${server.port}${v2Path}`, connections: 64, pipelining: 1, method: 'POST', headers: { 'content-type': 'application/json' }, body: v2Body, amount: warmRequests });
  }
  const batchesBefore = await batchSizes(onServer.port);
  for (let i = 0; i < 3; i++) {
    for (const [name, server] of [['on', onServer], ['off', offServer]] as const) {
      const before = cpuSeconds(server.pid);
      // No warm-up second inside the round (the count above warmed both): its CPU would count, its requests not.
      rounds[name].push(await load(server.port, v2Path, 64, v2Body, undefined, DURATION_S / 2, 0));
      cpu[name] += cpuSeconds(server.pid) - before;
    }
  }
  const cpuPerRequest = (name: 'on' | 'off') => (cpu[name] * 1e6) / rounds[name].reduce((a, r) => a + r['2xx'], 0);
  const batchesAfter = await batchSizes(onServer.port);
  const rowsPerRun = (batchesAfter.rows - batchesBefore.rows) / Math.max(1, batchesAfter.runs - batchesBefore.runs);
  const mean = (list: AutocannonResult[], f: (r: AutocannonResult) => number) => list.reduce((a, r) => a + f(r), 0) / list.length;
  const onRps = mean(rounds.on, (r) => r.requests.average);
  const offRps = mean(rounds.off, (r) => r.requests.average);
  const gain = onRps / offRps;
  const p99Ratio = mean(rounds.on, (r) => r.latency.p99) / Math.max(mean(rounds.off, (r) => r.latency.p99), 1e-9);
  line(`${label} c=64, 3 alternating rounds: batching on / off`, `${rps(onRps)} / ${rps(offRps)}`, `${rowsPerRun.toFixed(1)} rows per run with batching on`);
  line(`${label} batching at c=64: throughput gain / p99 ratio`, `${gain.toFixed(2)}x / ${p99Ratio.toFixed(2)}x`, `server CPU per request on / off: ${cpuPerRequest('on').toFixed(0)} / ${cpuPerRequest('off').toFixed(0)} µs`);
  goal(`batching throughput gain at c=64 (${label})`, `${gain.toFixed(2)}x`, '>= 2x', gain >= 2);
  goal(`batching p99 ratio at c=64 (${label})`, `${p99Ratio.toFixed(2)}x`, '<= 1.2x', p99Ratio <= 1.2);
  results[`gain ${label}`] = { onRps, offRps, gain, p99Ratio, rowsPerRun, cpuUsOn: cpuPerRequest('on'), cpuUsOff: cpuPerRequest('off') };
}

/**
 * The gain where a run is a real share of a request's cost: heavy_mlp (4x512x512) inline, 1-row requests. On
 * ElasticNet a 1-row run is a few µs of the ~100-200 µs a request costs the server, so merging runs cannot
 * double the throughput (see docs/benchmarks.md).
 */
export async function heavyBatchingGain(results: Record<string, unknown>): Promise<void> {
  const on = await startServer({ model: 'heavy_mlp', http: 'node', execution: 'inline', maxBatchSize: 64 });
  const off = await startServer({ model: 'heavy_mlp', http: 'node', execution: 'inline', maxBatchSize: 1 });
  const body = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 512], datatype: 'FP32', data: new Array(512).fill(0.25) }] });
  await batchingGain(results, on, off, body, '/v2/models/heavy_mlp/infer', 'heavy_mlp inline', 10_000);
  await Promise.all([on.stop(), off.stop()]);
}

/** Runs and rows so far, from the server's cairn_inference_batch_size histogram. */
export async function batchSizes(port: number): Promise<{ runs: number; rows: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { runs: value('cairn_inference_batch_size_count'), rows: value('cairn_inference_batch_size_sum') };
}

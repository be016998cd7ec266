/** bench:serve: the dynamic batching gain at c=64 (ElasticNet and heavy_mlp), batching on beside batching off. */
import { DURATION_S, type Server, alternatingRounds, goal, line, rps, startServer, warmUp } from './harness.js';

/**
 * The batching gain: a server with batching on and one with it off, at c=64 in alternating rounds, so that both
 * see the same moments of a shared machine; with the batch sizes the batched one ran.
 */
export async function batchingGain(results: Record<string, unknown>, onServer: Server, offServer: Server, v2Body: string, v2Path: string, label = 'ElasticNet', warmRequests = 20_000): Promise<void> {
  const targets = {
    on: { port: onServer.port, pid: onServer.pid, path: v2Path, body: v2Body },
    off: { port: offServer.port, pid: offServer.pid, path: v2Path, body: v2Body },
  };
  for (const target of Object.values(targets)) await warmUp(target, 64, warmRequests);
  const batchesBefore = await batchSizes(onServer.port);
  const rounds = await alternatingRounds(targets, 64, DURATION_S / 2);
  const batchesAfter = await batchSizes(onServer.port);
  const rowsPerRun = (batchesAfter.rows - batchesBefore.rows) / Math.max(1, batchesAfter.runs - batchesBefore.runs);
  const onRps = rounds.on.rps;
  const offRps = rounds.off.rps;
  const gain = onRps / offRps;
  const p99Ratio = rounds.on.p99 / Math.max(rounds.off.p99, 1e-9);
  line(`${label} c=64, 3 alternating rounds: batching on / off`, `${rps(onRps)} / ${rps(offRps)}`, `${rowsPerRun.toFixed(1)} rows per run with batching on`);
  line(`${label} batching at c=64: throughput gain / p99 ratio`, `${gain.toFixed(2)}x / ${p99Ratio.toFixed(2)}x`, `server CPU per request on / off: ${rounds.on.cpuUs.toFixed(0)} / ${rounds.off.cpuUs.toFixed(0)} µs`);
  goal(`batching throughput gain at c=64 (${label})`, `${gain.toFixed(2)}x`, '>= 2x', gain >= 2);
  goal(`batching p99 ratio at c=64 (${label})`, `${p99Ratio.toFixed(2)}x`, '<= 1.2x', p99Ratio <= 1.2);
  results[`gain ${label}`] = { onRps, offRps, gain, p99Ratio, rowsPerRun, cpuUsOn: rounds.on.cpuUs, cpuUsOff: rounds.off.cpuUs };
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

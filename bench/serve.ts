/**
 * `npm run bench:serve`: the serving runtime's figures, in one run, on loopback, each beside its goal
 * (issue 5; the anchors and their sources are in docs/benchmarks.md, Serving). The server runs in a child process (this file with
 * --server) so the load generator never shares its event loop; autocannon drives throughput, a raw-socket
 * keep-alive client measures latency at concurrency 1 with microsecond resolution.
 *
 * Latency at c=1 is measured in interleaved rounds (echo process, trivial GET, V2, V1 in turn) so every figure
 * sees the same moments of the machine. "Added latency" at a percentile is V2 minus the trivial GET minus raw
 * session.run at that percentile: what inference costs beyond the HTTP round trip every request pays. On a 2-vCPU VM the round trip
 * of a process that only echoes bytes is 50-150 µs p50 (two cross-vCPU wake-ups), and node:http adds ~70 µs on
 * top at c=1, so V2 minus raw alone mostly measures the machine; the bench prints it too, beside both floors.
 *
 * Scenarios: the ElasticNet model (tests/models, `npm run models`) inline with and without dynamic batching;
 * in a worker thread; behind fastify instead of node:http (the choice of HTTP layer); and a model whose run
 * takes milliseconds (heavy_mlp) inline vs in workers (the choice of where inference runs).
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ort from 'onnxruntime-node';
import { cpuSeconds, memory, pinCpus, spawnServe } from './process.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DURATION_S = 4;
/** Event-loop lag sampling interval (monitorEventLoopDelay's resolution). */
const LAG_RESOLUTION_MS = 1;

interface ServerSpec {
  /** A model of tests/models, or the name of the model at `modelPath`. */
  model: string;
  /** The model file, when it is not tests/models/<model>.onnx. */
  modelPath?: string;
  http: 'node' | 'fastify';
  /** auto: as `cairn serve` decides by default (inline when a full batch runs within 1 ms). */
  execution: 'inline' | 'worker' | 'auto';
  maxBatchSize: number;
  /** Inference requests admitted at once (--max-queue); default 100,000 (never reached). */
  maxQueue?: number;
  /** Body bytes held at once (--max-buffered-bytes); default cairn serve's. */
  maxBufferedBytes?: number;
  /** Also serve gRPC (grpc-server.ts) on another port. */
  grpc?: boolean;
}

interface ChildStats {
  lagP99Ms: number;
  lagMaxMs: number;
  rssMiB: number;
}

// ---------------------------------------------------------------------------------------------- server side

async function runServer(spec: ServerSpec): Promise<void> {
  const { pino } = await import('pino');
  const { Registry } = await import('prom-client');
  const { createRequestMetrics } = await import('../src/serving/metrics.js');
  const { createFeatureTap } = await import('../src/serving/feature-tap.js');
  const { loadModel } = await import('../src/serving/model.js');
  const { createServedModel } = await import('../src/serving/served-model.js');
  const { buildServer } = await import('../src/serving/server.js');
  const logger = pino({ level: 'warn' });
  const registry = new Registry();
  const bytes = new Uint8Array(readFileSync(spec.modelPath ?? `${root}tests/models/${spec.model}.onnx`));
  const loaded = await loadModel(bytes, { execution: spec.execution, workers: 1, intraOpThreads: 1, maxBatchSize: spec.maxBatchSize, inlineMaxRunMs: 1, logger });
  const metrics = createRequestMetrics(registry, spec.model, '1');
  const tap = createFeatureTap(registry, { model: spec.model, version: '1', signature: loaded.signature });
  const maxQueue = spec.maxQueue ?? 100_000;
  const served = createServedModel(loaded, { maxBatchSize: spec.maxBatchSize, maxDelayMs: 0, maxQueue }, metrics, tap);
  // cairn serve's limits: --max-queue bounds the requests admitted, as runtime.ts wires it.
  const limits = {
    maxBodyBytes: 4 << 20,
    maxElements: 1 << 20,
    allowNonFinite: false,
    maxRequests: maxQueue,
    ...(spec.maxBufferedBytes ? { maxBufferedBytes: spec.maxBufferedBytes } : {}),
  };
  let port: number;
  let grpcPort = 0;
  if (spec.http === 'node') {
    const server = buildServer({ name: spec.model, version: '1', logger, registry, metrics, limits, model: served });
    port = await server.listen(0, '127.0.0.1');
    if (spec.grpc) {
      const { buildGrpcServer } = await import('../src/serving/grpc-server.js');
      grpcPort = await buildGrpcServer(server.core, logger).listen(0, '127.0.0.1');
    }
  } else {
    port = await fastifyServer(spec.model, served, metrics, limits);
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0)); // lets --cpu-prof write
  // The lag monitor starts at the first 'reset': its timer wakes the loop every LAG_RESOLUTION_MS, which a server
  // whose CPU per request is measured (beside the naive server, the batching gain) must not pay for.
  let lag: ReturnType<typeof monitorEventLoopDelay> | undefined;
  // The histogram records each whole timer interval; the lag is what exceeds the interval.
  const beyondInterval = (ns: number) => Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS);
  process.on('message', (message: string) => {
    if (message === 'reset') {
      lag ??= monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
      lag.enable();
      lag.reset();
    }
    if (message === 'stats') {
      if (!lag) throw new Error("the bench asked a server for its stats before a 'reset' started its lag monitor");
      const stats: ChildStats = { lagP99Ms: beyondInterval(lag.percentile(99)), lagMaxMs: beyondInterval(lag.max), rssMiB: process.memoryUsage().rss / 2 ** 20 };
      process.send!(stats);
    }
  });
  process.send!({ port, grpcPort, execution: loaded.executor.kind });
}

/** The same hot path (parse, validate, batch, run, encode, metrics) behind fastify, to compare HTTP layers. */
async function fastifyServer(
  name: string,
  served: import('../src/serving/served-model.js').ServedModel,
  metrics: import('../src/serving/metrics.js').RequestMetrics,
  limits: import('../src/serving/server.js').ServerLimits,
): Promise<number> {
  const { default: Fastify } = await import('fastify');
  const { parseJson } = await import('../src/serving/body.js');
  const { parseV2Request, v2Response } = await import('../src/serving/v2.js');
  const app = Fastify({ logger: false, bodyLimit: limits.maxBodyBytes });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.get('/v2/health/ready', (_req, reply) => reply.type('application/json').send('{"ready":true}'));
  app.post('/v2/models/:name/infer', async (req, reply) => {
    const start = performance.now();
    const parsed = parseV2Request(parseJson(req.body as Buffer), served.signature, limits);
    const outputs = await served.infer(parsed);
    reply.type('application/json');
    metrics.request('v2', 200, (performance.now() - start) / 1000);
    return v2Response(name, '1', parsed, outputs, served.signature);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as net.AddressInfo).port;
}

// ---------------------------------------------------------------------------------------------- client side

interface AutocannonResult {
  requests: { average: number };
  '2xx': number;
  duration: number;
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Server {
  port: number;
  /** The gRPC port when the spec asked for one, else 0. */
  grpcPort: number;
  /** Where the server runs inference (what auto chose). */
  execution: string;
  pid: number;
  stats(): Promise<ChildStats>;
  reset(): void;
  stop(): Promise<void>;
}

/** This file in a child process: `--server SPEC` (the serving runtime) or `--echo` (the transport floor). */
async function startServer(spec: ServerSpec | 'echo'): Promise<Server> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const args = spec === 'echo' ? ['--echo'] : ['--server', JSON.stringify(spec)];
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), args, {
    execArgv: ['--import', tsx],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port, grpcPort, execution } = await new Promise<{ port: number; grpcPort?: number; execution?: string }>((resolve, reject) => {
    child.once('message', (m: { port: number; grpcPort?: number; execution?: string }) => resolve(m));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    port,
    grpcPort: grpcPort ?? 0,
    execution: execution ?? '',
    pid: child.pid!,
    reset: () => child.send('reset'),
    stats: () => new Promise((resolve) => {
      child.once('message', (m: ChildStats) => resolve(m));
      child.send('stats');
    }),
    stop: () => new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
function p50p99(values: number[]): { p50: number; p99: number } {
  const s = sorted(values);
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
}

/** One keep-alive connection; each call sends the same request and resolves its round trip in µs. */
interface Probe {
  (): Promise<number>;
  close(): void;
}

/**
 * A probe on a raw socket (no HTTP client library in the measurement). `http` false: the peer echoes bytes
 * back (the transport floor); true: the response is complete at Content-Length and must be a 200.
 */
async function probe(port: number, request: Buffer, http: boolean): Promise<Probe> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((r) => socket.once('connect', r));
  let buffer: Buffer = Buffer.alloc(0);
  let done: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    if (!http) return done?.();
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    const headerEnd = buffer.indexOf('\r\n\r\n');
    if (headerEnd === -1) return;
    const head = buffer.subarray(0, headerEnd).toString();
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
    if (buffer.length < headerEnd + 4 + length) return;
    if (!head.startsWith('HTTP/1.1 200')) throw new Error(`latency probe got: ${head.split('\r\n')[0]}`);
    buffer = buffer.subarray(headerEnd + 4 + length);
    done?.();
  });
  const roundTrip = (async () => {
    const start = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      done = resolve;
      socket.write(request);
    });
    return Number(process.hrtime.bigint() - start) / 1000;
  }) as Probe;
  roundTrip.close = () => socket.destroy();
  return roundTrip;
}

const httpRequest = (path: string, body?: string) =>
  Buffer.from(
    body === undefined
      ? `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`
      : `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );

/**
 * Interleaved sequential round trips: each iteration runs every probe once, in order, so all of them see the
 * same moment of the machine (a VM's scheduling noise hits them alike). Per-probe latencies in µs, in
 * iteration order (index i of every list is the same iteration).
 */
async function interleaved(probes: Record<string, Probe>, count: number, warmup: number): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(Object.keys(probes).map((k) => [k, []]));
  for (let i = 0; i < warmup + count; i++) {
    for (const [name, roundTrip] of Object.entries(probes)) {
      const t = await roundTrip();
      if (i >= warmup) out[name]!.push(t);
    }
  }
  return out;
}

/**
 * Round trips to each server in alternating blocks of `block` (one server's block, then the other's). Request by
 * request, each server's every request followed the other server's, so every request found the core's caches full
 * of the other process: the cell then weighed a server's working set (code, heap) more than its work per request.
 * Blocks of a few hundred requests (a tenth of a second) still give both servers the same moments of a shared
 * machine. A server is idle during the other's blocks, so its CPU over the whole run is its blocks' CPU.
 */
async function alternatingBlocks(probes: Record<string, Probe>, count: number, block: number): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(Object.keys(probes).map((k) => [k, []]));
  for (let done = 0; done < count; done += block) {
    for (const [name, roundTrip] of Object.entries(probes)) {
      for (let i = 0; i < Math.min(block, count - done); i++) out[name]!.push(await roundTrip());
    }
  }
  return out;
}

interface C1 {
  /** V2 infer round trip, p50 / p99 µs. */
  e2e: { p50: number; p99: number };
  /** V2 infer minus the trivial endpoint of the same server, at p50 and at p99, µs. */
  overTrivial: { p50: number; p99: number };
}

/** c=1 latency of a server's V2 infer, interleaved with its trivial endpoint. */
async function inferVsTrivial(port: number, path: string, body: string, count: number, warmup: number): Promise<C1> {
  const probes = { trivial: await probe(port, httpRequest('/v2/health/ready'), true), v2: await probe(port, httpRequest(path, body), true) };
  const { trivial, v2 } = await interleaved(probes, count, warmup);
  for (const p of Object.values(probes)) p.close();
  const e2e = p50p99(v2!);
  const floor = p50p99(trivial!);
  return { e2e, overTrivial: { p50: e2e.p50 - floor.p50, p99: e2e.p99 - floor.p99 } };
}

/** A process that echoes bytes back on loopback: the round trip no server can go below on this machine. */
function runEcho(): void {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => socket.write(chunk));
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as net.AddressInfo).port }));
}

/** Closed-loop load (or open-loop at `rate` req/s over all connections). */
async function load(port: number, path: string, connections: number, body?: string, rate?: number, seconds = DURATION_S, warmupS = 1): Promise<AutocannonResult> {
  const opts = {
    url: `http://127.0.0.1:${port}${path}`,
    connections,
    pipelining: 1,
    ...(rate ? { overallRate: rate } : {}),
    ...(body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body } : {}),
  };
  if (warmupS > 0) await autocannon({ ...opts, duration: warmupS });
  const result = await autocannon({ ...opts, duration: seconds });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${path} c=${connections}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}

/** Raw `await session.run` in this process, same input, after warm-up; µs per call, sorted. */
async function rawRun(model: string, feeds: () => Record<string, unknown>, count: number): Promise<number[]> {
  const session = await ort.InferenceSession.create(`${root}tests/models/${model}.onnx`, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const input = feeds() as Record<string, InstanceType<typeof ort.Tensor>>;
  for (let i = 0; i < 2000; i++) await session.run(input);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    await session.run(input);
    out.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  await session.release();
  return out.sort((a, b) => a - b);
}

interface Shipped {
  port: number;
  pid: number;
  readyMs: number;
  /** SIGTERM, then the exit code and how long the drain took. */
  stop(): Promise<{ code: number | null; ms: number }>;
}

/**
 * `cairn serve` as a serving pod runs it: bin/cairn.js from the compiled dist/ (CAIRN_FROM_DIST=1, no
 * TypeScript loader in the process), default options, found ready from its own log lines.
 */
async function startShipped(model: string): Promise<Shipped> {
  const started = performance.now();
  const { port, child, exited } = await spawnServe({ model, name: model, env: { ...process.env, CAIRN_FROM_DIST: '1' } });
  const readyMs = performance.now() - started;
  return {
    port,
    pid: child.pid!,
    readyMs,
    async stop() {
      const t = performance.now();
      child.kill('SIGTERM');
      const code = await exited;
      return { code, ms: performance.now() - t };
    },
  };
}

/**
 * The batching gain: a server with batching on and one with it off, at c=64 in alternating rounds, so that both
 * see the same moments of a shared machine; with the batch sizes the batched one ran.
 */
async function batchingGain(results: Record<string, unknown>, onServer: Server, offServer: Server, v2Body: string, v2Path: string, label = 'ElasticNet', warmRequests = 20_000): Promise<void> {
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
async function heavyBatchingGain(results: Record<string, unknown>): Promise<void> {
  const on = await startServer({ model: 'heavy_mlp', http: 'node', execution: 'inline', maxBatchSize: 64 });
  const off = await startServer({ model: 'heavy_mlp', http: 'node', execution: 'inline', maxBatchSize: 1 });
  const body = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 512], datatype: 'FP32', data: new Array(512).fill(0.25) }] });
  await batchingGain(results, on, off, body, '/v2/models/heavy_mlp/infer', 'heavy_mlp inline', 10_000);
  await Promise.all([on.stop(), off.stop()]);
}

/** Runs and rows so far, from the server's cairn_inference_batch_size histogram. */
async function batchSizes(port: number): Promise<{ runs: number; rows: number }> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return { runs: value('cairn_inference_batch_size_count'), rows: value('cairn_inference_batch_size_sum') };
}

// ------------------------------------------------------------------- beside a naive server (issue 12, point 9)

/** bench/naive/server.ts in a child process, serving `modelPath`. */
async function startNaive(modelPath: string): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = fork(`${root}bench/naive/server.ts`, [modelPath], { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m));
    child.once('exit', (code) => reject(new Error(`the naive server exited with ${code}`)));
  });
  return {
    port,
    pid: child.pid!,
    stop: () => new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** The 64 -> 256 -> 256 -> 1 MLP of the comparison, made by bench/naive/mlp.py (cached in .cache/). */
async function mlpModel(): Promise<string> {
  const dir = `${root}.cache/bench-models`;
  const file = `${dir}/mlp_64_256_256_1.onnx`;
  try {
    readFileSync(file);
    return file;
  } catch {
    const { ensurePythonEnv } = await import('../src/testenv/python-env.js');
    const { python } = await ensurePythonEnv({ root, requirements: ['scripts/models/requirements.txt'] });
    execFileSync(python, [`${root}bench/naive/mlp.py`, dir], { stdio: 'inherit' });
    return file;
  }
}

interface Cell {
  model: string;
  rows: number;
  connections: number;
  /** Where the c=1 client and server ran (C1_PLACEMENTS); undefined for the autocannon cells (unpinned). */
  placement?: string;
  cairn: number;
  naive: number;
  cairnP50: number;
  naiveP50: number;
  /** Server CPU µs per answered request (user + system, all threads): what a loaded machine does not distort. */
  cairnCpuUs: number;
  naiveCpuUs: number;
}

/**
 * Round trips of each server before the c=1 cells are measured. V8 keeps optimizing a server's per-request
 * functions for the first few thousand requests at c=1 (the c=16 warm-up exercises merged batches, not requests run
 * alone), and the compiler's threads count in the process's CPU: with 1,000, `cairn serve`'s first 1,500 measured
 * requests cost 1.6-2.2x its later ones (~36 functions optimized, some 50-70 ms of compile each, a one-time ~0.3 s of
 * CPU) and the naive server's 1.25-1.6x, so the cell measured mostly the JIT. 5,000 leaves both servers in the
 * steady state a serving pod is in after its first seconds (docs/benchmarks.md, Serving).
 */
const C1_WARMUP = 5000;
/**
 * Measured round trips of each server at c=1, in alternating blocks (alternatingBlocks). With 4,000, two runs of the
 * same code a few minutes apart put one cell's ratio 4% apart (the CPU figure counts 10 ms clock ticks).
 */
const C1_COUNT = 20_000;
const C1_BLOCK = 250;

/**
 * Where the c=1 cells run: this process (the client) and both servers pinned (pinCpus), once on one CPU and once
 * on two. Left to the scheduler, one server of a run would share the client's CPU and the other not, and that
 * alone doubled a server's CPU per request (a naive server 70 µs, cairn serve 135 µs in one run; pinned alike, 56-60
 * and 58-64 µs): the cell measured the placement. One CPU: each request is the server's work alone. Two CPUs: each
 * request wakes the server's idle CPU, as a request from the network does. Both are judged.
 */
const C1_PLACEMENTS = [
  { name: 'one CPU', client: '0', server: '0' },
  { name: 'two CPUs', client: '0', server: '1' },
].filter((p) => os.availableParallelism() > Number(p.server));

/** How many times cheaper than the naive server `cairn serve` was in a cell: by req/s, and by server CPU per request. */
const byRate = (c: Cell) => c.cairn / c.naive;
const byCpu = (c: Cell) => c.naiveCpuUs / c.cairnCpuUs;

/**
 * `cairn serve` (default options: batching on, auto execution) beside the naive server, on a small model and
 * the 64-256-256-1 MLP, 1-row and 32-row V2 requests, c = 1, 16, 64: both servers run at once and are loaded
 * in alternating rounds, so that both see the same moments of a shared machine. Goal: >= 1.0x in every cell, judged
 * on the server CPU per request (the firmer figure: on a loaded 2-vCPU machine the req/s of two servers measured a
 * second apart swing with what the scheduler gave each, their CPU per request much less), with the req/s ratio beside it.
 */
async function naiveComparison(results: Record<string, unknown>): Promise<void> {
  console.log('\nBeside a naive server (bench/naive/server.ts: node:http, JSON.parse, session.run, JSON.stringify), both running at once');
  const models = [
    { name: 'driver_elasticnet', path: `${root}tests/models/driver_elasticnet.onnx`, input: 'input', width: 3 },
    { name: 'mlp_64_256_256_1', path: await mlpModel(), input: 'x', width: 64 },
  ];
  const cells: Cell[] = [];
  for (const m of models) {
    const cairn = await startServer({ model: m.name, modelPath: m.path, http: 'node', execution: 'auto', maxBatchSize: 64 });
    const naive = await startNaive(m.path);
    console.log(`  ${m.name}: cairn serve runs it ${cairn.execution}`);
    const show = (cell: Cell, how: string) =>
      line(
        `${m.name}, ${cell.rows} row${cell.rows > 1 ? 's' : ''}, c=${cell.connections}${cell.placement ? ` on ${cell.placement}` : ''}: cairn / naive`,
        `${rps(cell.cairn)} / ${rps(cell.naive)}`,
        `${byRate(cell).toFixed(2)}x; p50 ${cell.cairnP50.toFixed(2)} / ${cell.naiveP50.toFixed(2)} ms; server CPU per request ${cell.cairnCpuUs.toFixed(0)} / ${cell.naiveCpuUs.toFixed(0)} µs: ${byCpu(cell).toFixed(2)}x (${how})`,
      );
    const path = `/v2/models/${m.name}/infer`;
    for (const rows of [1, 32]) {
      const data = Array.from({ length: rows * m.width }, (_, i) => ((i * 7919) % 1000) / 1000);
      const body = JSON.stringify({ inputs: [{ name: m.input, shape: [rows, m.width], datatype: 'FP32', data }] });
      const request = httpRequest(path, body);
      // c=1: raw-socket round trips (µs resolution), measured in alternating blocks (alternatingBlocks).
      // Warm-up: a second of load on each (both JITs optimize their hot paths), then interleaved round trips.
      await load(cairn.port, path, 16, body, undefined, 1, 0);
      await load(naive.port, path, 16, body, undefined, 1, 0);
      for (const placement of C1_PLACEMENTS) {
        pinCpus(process.pid, placement.client);
        for (const server of [cairn, naive]) pinCpus(server.pid, placement.server);
        const probes = { cairn: await probe(cairn.port, request, true), naive: await probe(naive.port, request, true) };
        await interleaved(probes, 0, C1_WARMUP);
        const c1Cpu = { cairn: cpuSeconds(cairn.pid), naive: cpuSeconds(naive.pid) };
        const c1 = await alternatingBlocks(probes, C1_COUNT, C1_BLOCK);
        const c1CpuUs = (name: 'cairn' | 'naive', server: { pid: number }) => ((cpuSeconds(server.pid) - c1Cpu[name]) * 1e6) / C1_COUNT;
        for (const p of Object.values(probes)) p.close();
        const meanUs = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
        const cell: Cell = {
          model: m.name,
          rows,
          connections: 1,
          placement: placement.name,
          cairn: 1e6 / meanUs(c1.cairn!),
          naive: 1e6 / meanUs(c1.naive!),
          cairnP50: percentile(sorted(c1.cairn!), 50) / 1000,
          naiveP50: percentile(sorted(c1.naive!), 50) / 1000,
          cairnCpuUs: c1CpuUs('cairn', cairn),
          naiveCpuUs: c1CpuUs('naive', naive),
        };
        cells.push(cell);
        show(cell, `µs round trips, blocks of ${C1_BLOCK}`);
      }
      const everyCpu = `0-${os.availableParallelism() - 1}`;
      for (const pid of [process.pid, cairn.pid, naive.pid]) pinCpus(pid, everyCpu);
      // c=16 and 64: autocannon, 3 alternating rounds after a warm-up of each.
      for (const connections of [16, 64]) {
        const on = { cairn: [] as AutocannonResult[], naive: [] as AutocannonResult[] };
        const cpu = { cairn: 0, naive: 0 };
        await load(cairn.port, path, connections, body, undefined, 1, 0);
        await load(naive.port, path, connections, body, undefined, 1, 0);
        for (let round = 0; round < 3; round++) {
          for (const [name, server] of [['cairn', cairn], ['naive', naive]] as const) {
            const before = cpuSeconds(server.pid);
            on[name].push(await load(server.port, path, connections, body, undefined, 1.5, 0));
            cpu[name] += cpuSeconds(server.pid) - before;
          }
        }
        const answered = (list: AutocannonResult[]) => list.reduce((a, r) => a + r['2xx'], 0);
        const mean = (list: AutocannonResult[], f: (r: AutocannonResult) => number) => list.reduce((a, r) => a + f(r), 0) / list.length;
        const cell: Cell = {
          model: m.name,
          rows,
          connections,
          cairn: mean(on.cairn, (r) => r.requests.average),
          naive: mean(on.naive, (r) => r.requests.average),
          cairnP50: mean(on.cairn, (r) => r.latency.p50),
          naiveP50: mean(on.naive, (r) => r.latency.p50),
          cairnCpuUs: (cpu.cairn * 1e6) / answered(on.cairn),
          naiveCpuUs: (cpu.naive * 1e6) / answered(on.naive),
        };
        cells.push(cell);
        show(cell, 'autocannon');
      }
    }
    await Promise.all([cairn.stop(), naive.stop()]);
  }
  const worstOf = (ratio: (c: Cell) => number) => cells.reduce((a, c) => (ratio(c) < ratio(a) ? c : a));
  const where = (c: Cell) => `${c.model}, ${c.rows} rows, c=${c.connections}${c.placement ? ` on ${c.placement}` : ''}`;
  const worstCpu = worstOf(byCpu);
  const worstRate = worstOf(byRate);
  goal(`vs the naive server, CPU per request, worst of ${cells.length}`, `${byCpu(worstCpu).toFixed(2)}x`, `>= 1.0x (${where(worstCpu)})`, byCpu(worstCpu) >= 1);
  line(`vs the naive server, req/s, worst of ${cells.length} cells`, `${byRate(worstRate).toFixed(2)}x`, `${where(worstRate)}; ${cells.filter((c) => byRate(c) >= 1).length} of ${cells.length} cells >= 1.0x`);
  results.naive = cells;
}

// ------------------------------------------------------------------------------------ gRPC vs HTTP (issue 12)

/** `connections` closed loops of ModelInfer (1 row, raw contents) on one grpc-js channel of this process. */
async function grpcClient(port: number, connections: number): Promise<{ run(ms: number): Promise<number>; close(): void }> {
  const grpc = await import('@grpc/grpc-js');
  const protoLoader = await import('@grpc/proto-loader');
  const definition = protoLoader.loadSync(`${root}src/serving/proto/open_inference_grpc.proto`, { keepCase: true, longs: String });
  const Service = (grpc.loadPackageDefinition(definition).inference as import('@grpc/grpc-js').GrpcObject).GRPCInferenceService as import('@grpc/grpc-js').ServiceClientConstructor;
  const client = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Record<string, (r: object, cb: (err: Error | null) => void) => void>;
  const request = {
    model_name: 'driver_elasticnet',
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3] }],
    raw_input_contents: [Buffer.from(Float32Array.from([0.5, 0.9, 280]).buffer)],
  };
  const call = () => new Promise<void>((resolve, reject) => client.ModelInfer!.call(client, request, (err) => (err ? reject(err) : resolve())));
  return {
    /** Answered calls in `ms`. */
    async run(ms) {
      let answered = 0;
      const end = performance.now() + ms;
      await Promise.all(Array.from({ length: connections }, async () => {
        while (performance.now() < end) {
          await call();
          answered++;
        }
      }));
      return answered;
    },
    close: () => (client as unknown as import('@grpc/grpc-js').Client).close(),
  };
}

/** One protocol's rounds: answered requests, seconds, and the CPU seconds of the server and of this process (the client). */
interface ProtocolRounds {
  answered: number;
  seconds: number;
  serverCpu: number;
  clientCpu: number;
}

/**
 * gRPC beside HTTP at c=16 on the same server, in 3 alternating rounds. Both clients run in this process (autocannon
 * for HTTP, grpc-js for gRPC), so each side's client CPU per request is printed apart from the server's: the
 * server's CPU per request is the figure a loaded machine and the client library distort least.
 */
async function grpcVsHttp(results: Record<string, unknown>, v2Body: string, v2Path: string): Promise<void> {
  console.log('\ngRPC (inference.GRPCInferenceService, raw contents) vs HTTP (V2 JSON), the same server, 1-row requests, c=16, 3 alternating rounds');
  const server = await startServer({ model: 'driver_elasticnet', http: 'node', execution: 'inline', maxBatchSize: 64, grpc: true });
  const grpcC16 = await grpcClient(server.grpcPort, 16);
  const roundMs = (DURATION_S / 2) * 1000;
  const clients = {
    http: async () => (await load(server.port, v2Path, 16, v2Body, undefined, roundMs / 1000, 0))['2xx'],
    grpc: () => grpcC16.run(roundMs),
  };
  await load(server.port, v2Path, 16, v2Body, undefined, 1, 0);
  await grpcC16.run(1000);
  const sums: Record<'http' | 'grpc', ProtocolRounds> = {
    http: { answered: 0, seconds: 0, serverCpu: 0, clientCpu: 0 },
    grpc: { answered: 0, seconds: 0, serverCpu: 0, clientCpu: 0 },
  };
  for (let round = 0; round < 3; round++) {
    for (const protocol of ['http', 'grpc'] as const) {
      const sum = sums[protocol];
      const server0 = cpuSeconds(server.pid);
      const client0 = process.cpuUsage();
      const t0 = performance.now();
      sum.answered += await clients[protocol]();
      sum.seconds += (performance.now() - t0) / 1000;
      const client = process.cpuUsage(client0);
      sum.clientCpu += (client.user + client.system) / 1e6;
      sum.serverCpu += cpuSeconds(server.pid) - server0;
    }
  }
  grpcC16.close();
  await server.stop();
  const perSecond = (p: ProtocolRounds) => p.answered / p.seconds;
  const serverUs = (p: ProtocolRounds) => (p.serverCpu * 1e6) / p.answered;
  const clientUs = (p: ProtocolRounds) => (p.clientCpu * 1e6) / p.answered;
  const { http: h, grpc: g } = sums;
  line('V2 infer c=16: HTTP (autocannon)', rps(perSecond(h)), `server CPU ${us(serverUs(h))} per request, client ${us(clientUs(h))}`);
  line('ModelInfer c=16: gRPC (grpc-js client, one channel)', rps(perSecond(g)), `server CPU ${us(serverUs(g))} per request, client ${us(clientUs(g))}`);
  line('gRPC / HTTP: req/s, server CPU per request', `${(perSecond(g) / perSecond(h)).toFixed(2)}x / ${(serverUs(g) / serverUs(h)).toFixed(2)}x`, 'no goal set');
  results.grpc = {
    httpC16: perSecond(h),
    grpcC16: perSecond(g),
    httpServerCpuUs: serverUs(h),
    grpcServerCpuUs: serverUs(g),
    httpClientCpuUs: clientUs(h),
    grpcClientCpuUs: clientUs(g),
  };
}

// ------------------------------------------------------------------------------------ under abuse (issue 12)

interface Goodput {
  /** Answered 2xx/s. */
  goodput: number;
  /** 503s/s. */
  shed: number;
  /** Server CPU seconds per second of the run (1 = one core busy). */
  cpu: number;
  /** Connections the client lost (a shed connection closed while the client still wrote). */
  errors: number;
}

/** Closed-loop clients that retry a 503 at once (autocannon sends the next request, on a new connection when the server closed it). */
async function goodput(server: Server, path: string, connections: number, body: string, seconds: number): Promise<Goodput> {
  const opts = { url: `http://127.0.0.1:${server.port}${path}`, connections, pipelining: 1, method: 'POST', headers: { 'content-type': 'application/json' }, body };
  const cpu0 = cpuSeconds(server.pid);
  const result = await autocannon({ ...opts, duration: seconds });
  const cpu = (cpuSeconds(server.pid) - cpu0) / seconds;
  return { goodput: result['2xx'] / seconds, shed: result.non2xx / seconds, cpu, errors: result.errors };
}

/**
 * Capacity (as many clients as --max-queue admits) and 2x overload (twice as many, retrying 503s), measured in
 * alternating rounds so that both see the same moments of a shared machine; the sums of the rounds.
 */
async function goodputRounds(server: Server, path: string, admitted: number, body: string, rounds: number): Promise<{ capacity: Goodput; overload: Goodput }> {
  const sum = (list: Goodput[]): Goodput => ({
    goodput: list.reduce((a, g) => a + g.goodput, 0) / list.length,
    shed: list.reduce((a, g) => a + g.shed, 0) / list.length,
    cpu: list.reduce((a, g) => a + g.cpu, 0) / list.length,
    errors: list.reduce((a, g) => a + g.errors, 0),
  });
  const capacity: Goodput[] = [];
  const overload: Goodput[] = [];
  await goodput(server, path, admitted * 2, body, 1); // warm-up
  for (let i = 0; i < rounds; i++) {
    capacity.push(await goodput(server, path, admitted, body, DURATION_S / 2));
    overload.push(await goodput(server, path, admitted * 2, body, DURATION_S / 2));
  }
  return { capacity: sum(capacity), overload: sum(overload) };
}

/** The worst bodies the default limits (4 MiB, 1,048,576 elements, nesting 32) let a client send. */
function worstBodies(): Record<string, Buffer> {
  const fill = (prefix: string, unit: string, suffix: string) => {
    const count = Math.floor((4 * 1024 * 1024 - prefix.length - suffix.length - 1024) / unit.length);
    return Buffer.from(prefix + unit.repeat(count).slice(0, -1) + suffix);
  };
  const rows = 333_333; // 999,999 elements of "0.5,": just under both the element and the byte limit
  const input = (data: string, shape: string) => `{"inputs":[{"name":"input","shape":${shape},"datatype":"FP32","data":${data}}]}`;
  return {
    'valid, 999,999 elements (4 MB)': Buffer.from(input(`[${'0.5,'.repeat(rows * 3).slice(0, -1)}]`, `[${rows},3]`)),
    'nested brackets (4 MB)': Buffer.from('['.repeat(4 * 1024 * 1024 - 16)),
    'a million empty arrays (4 MB)': fill('{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[', '[],', ']}]}'),
    'arrays nested 31 deep, repeated (4 MB)': fill('{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[', `${'['.repeat(28)}${']'.repeat(28)},`, ']}]}'),
    'escaped string (4 MB)': fill('{"id":"', '\\u0041', `","inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}`),
  };
}

/**
 * POSTs a body and resolves the answer's status (0 when none came). A server may answer and close before the
 * whole body was sent (413, a nesting refusal): the answer counts, the client's write error does not.
 */
function postBody(port: number, path: string, body: Buffer, agent?: http.Agent): Promise<number> {
  return new Promise((resolve) => {
    let status = 0;
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', ...(agent ? { agent } : {}), headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => resolve(status));
      res.on('error', () => resolve(status));
    });
    req.on('error', () => resolve(status));
    req.end(body);
  });
}

/**
 * `--abuse PORT PATH`: this file in a child process, sending the worst bodies in turn on keep-alive
 * connections (`ABUSERS` of them) until told to stop; it answers 'stats' with the answers counted by status.
 */
function runAbuser(port: number, path: string, connections: number): void {
  const bodies = Object.values(worstBodies());
  const statuses: Record<string, number> = {};
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let stopped = false;
  const loop = async (offset: number) => {
    for (let i = offset; !stopped; i++) {
      const body = bodies[i % bodies.length]!;
      const status = await postBody(port, path, body, agent);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  for (let c = 0; c < connections; c++) void loop(c);
  process.on('message', (message: string) => {
    if (message === 'stats') process.send!(statuses);
    if (message === 'stop') {
      stopped = true;
      process.exit(0);
    }
  });
  process.send!({ port: 0 });
}

async function startAbuser(port: number, path: string, connections: number): Promise<{ stats(): Promise<Record<string, number>>; stop(): void }> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = fork(fileURLToPath(import.meta.url), ['--abuse', String(port), path, String(connections)], { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise((resolve) => child.once('message', resolve));
  return {
    stats: () => new Promise((resolve) => {
      child.once('message', (m: Record<string, number>) => resolve(m));
      child.send('stats');
    }),
    stop: () => child.send('stop'),
  };
}

/** Liveness round trips (keep-alive GET /v2/health/live), one after another for `ms`, p50 / p99 / max in ms. */
async function liveness(port: number, ms: number): Promise<{ p50: number; p99: number; max: number; count: number }> {
  const roundTrip = await probe(port, httpRequest('/v2/health/live'), true);
  const times: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    times.push((await roundTrip()) / 1000);
    await new Promise((r) => setTimeout(r, 2)); // a probe every few ms, not a flood
  }
  roundTrip.close();
  const s = sorted(times);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1]!, count: s.length };
}

/**
 * `holders` connections each declaring a 4 MiB body and sending all of it but the last 64 KiB, then holding:
 * resolves once every one was answered (shed) or had its bytes taken by the server.
 */
async function holdUploads(port: number, holders: number): Promise<{ sockets: net.Socket[]; shed: number; closed: number }> {
  const declared = 4 * 1024 * 1024;
  const partial = Buffer.alloc(declared - 64 * 1024, 0x20);
  const head = Buffer.from(`POST /v2/models/driver_elasticnet/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`);
  const sockets: net.Socket[] = [];
  let shed = 0;
  let closed = 0;
  await Promise.all(
    Array.from({ length: holders }, async () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      sockets.push(socket);
      await new Promise((r) => socket.once('connect', r));
      await new Promise<void>((resolve) => {
        let answered = false;
        socket.once('data', (chunk: Buffer) => {
          answered = true;
          if (chunk.toString('latin1').startsWith('HTTP/1.1 503')) shed++;
          resolve();
        });
        // A shed upload's connection is closed after its 503; the client may see the close (a reset of its
        // write) before it reads the answer.
        socket.once('close', () => {
          if (!answered) closed++;
          resolve();
        });
        socket.write(head);
        if (socket.write(partial)) resolve();
        else socket.once('drain', () => resolve());
      });
    }),
  );
  return { sockets, shed, closed };
}

async function underAbuse(results: Record<string, unknown>): Promise<void> {
  const v2Path = '/v2/models/driver_elasticnet/infer';
  console.log('\nUnder abuse (issue 12): cairn serve with its default limits unless said');

  // Goodput: 5,000-row requests; capacity with as many clients as --max-queue admits, then 2x that many that retry 503s.
  const rowsBody = JSON.stringify({ inputs: [{ name: 'input', shape: [5000, 3], datatype: 'FP32', data: Array.from({ length: 15_000 }, (_, i) => (i % 3 === 2 ? 200 + (i % 97) : (i % 10) / 10)) }] });
  const admitted = 32;
  let server = await startServer({ model: 'driver_elasticnet', http: 'node', execution: 'inline', maxBatchSize: 64, maxQueue: admitted });
  const { capacity, overload } = await goodputRounds(server, v2Path, admitted, rowsBody, 3);
  const ratio = overload.goodput / capacity.goodput;
  const cpuNote = (g: Goodput) => `server CPU ${g.cpu.toFixed(2)} cores, ${((g.cpu * 1000) / Math.max(g.goodput, 1e-9)).toFixed(1)} ms per answer`;
  line(`5,000-row requests, --max-queue ${admitted}: ${admitted} clients (capacity)`, rps(capacity.goodput), `${rps(capacity.shed)} shed; ${cpuNote(capacity)}`);
  line(`the same with ${admitted * 2} clients retrying 503s (2x overload)`, rps(overload.goodput), `${rps(overload.shed)} shed with 503 + Retry-After (${overload.errors} connections lost); ${cpuNote(overload)}`);
  line('goodput under 2x overload / capacity', `${ratio.toFixed(2)}x`, 'before issue 12: 53 vs ~200 req/s (64 clients, default queue)');
  goal('goodput under 2x overload / at capacity', `${ratio.toFixed(2)}x`, '>= 0.8x', ratio >= 0.8);
  await server.stop();

  // Liveness while two clients send the worst bodies the limits allow, beside the same server idle.
  server = await startServer({ model: 'driver_elasticnet', http: 'node', execution: 'inline', maxBatchSize: 64 });
  const idle = await liveness(server.port, 2000);
  const abuser = await startAbuser(server.port, v2Path, 2);
  server.reset();
  const abused = await liveness(server.port, DURATION_S * 1000);
  const lag = await server.stats();
  const statuses = await abuser.stats();
  abuser.stop();
  line('liveness p50 / p99 / max, idle', `${idle.p50.toFixed(2)} / ${idle.p99.toFixed(2)} / ${idle.max.toFixed(1)} ms`, `${idle.count} probes`);
  line('liveness p50 / p99 / max, 2 clients of worst bodies', `${abused.p50.toFixed(2)} / ${abused.p99.toFixed(2)} / ${abused.max.toFixed(1)} ms`, `${abused.count} probes; answers ${JSON.stringify(statuses)}`);
  line('event-loop lag p99 / max meanwhile', `${lag.lagP99Ms.toFixed(1)} / ${lag.lagMaxMs.toFixed(1)} ms`, 'before issue 12: liveness p99 2 s');
  goal('liveness p99 while the worst bodies arrive', `${abused.p99.toFixed(1)} ms`, '<= 100 ms', abused.p99 <= 100);
  for (const [name, body] of Object.entries(worstBodies())) {
    const started = performance.now();
    const status = await postBody(server.port, v2Path, body);
    line(`  one ${name}`, `${status} in ${(performance.now() - started).toFixed(0)} ms`);
  }
  await server.stop();

  // Memory: 500 connections holding 4 MiB uploads, against the same server at rest.
  server = await startServer({ model: 'driver_elasticnet', http: 'node', execution: 'inline', maxBatchSize: 64 });
  const rest = memory(server.pid);
  const held = await holdUploads(server.port, 500);
  const holding = memory(server.pid);
  for (const socket of held.sockets) socket.destroy();
  await server.stop();
  line('RSS at rest / with 500 held 4 MiB uploads / peak', `${rest.rssMiB.toFixed(0)} / ${holding.rssMiB.toFixed(0)} / ${holding.peakMiB.toFixed(0)} MiB`, `${held.shed} of 500 shed (503) by --max-buffered-bytes 64 MiB${held.closed ? `, ${held.closed} closed before the client read one` : ''}; before issue 12: 2 GB`);
  goal('RSS with 500 held uploads (peak)', `${holding.peakMiB.toFixed(0)} MiB`, '<= 512 MiB', holding.peakMiB <= 512);
  results.abuse = { capacity, overload, ratio, idle, abused, lag, statuses, rest, holding, shed: held.shed, closed: held.closed };
}

const us = (v: number) => `${v.toFixed(0)} µs`;
const rps = (v: number) => `${Math.round(v).toLocaleString('en-US')} req/s`;
const goals: { figure: string; value: string; goal: string; met: boolean }[] = [];
const goal = (figure: string, value: string, goalText: string, met: boolean) => goals.push({ figure, value, goal: goalText, met });
const line = (label: string, value: string, note = '') => console.log(`  ${label.padEnd(52)} ${value.padStart(16)}  ${note}`);

async function main(): Promise<void> {
  for (const m of ['driver_elasticnet', 'heavy_mlp']) {
    try {
      readFileSync(`${root}tests/models/${m}.onnx`);
    } catch {
      throw new Error(`tests/models/${m}.onnx is missing: run \`npm run models\` first`);
    }
  }
  const started = Date.now();
  const cpu = os.cpus()[0]?.model ?? 'unknown';
  console.log(`cairn serve benchmark: node ${process.version}, ${os.cpus().length} cores (${cpu}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`loopback, server in a child process, autocannon ${DURATION_S} s per figure after 1 s warm-up, no pipelining\n`);
  const results: Record<string, unknown> = {};
  // `npm run bench:serve -- --only abuse`: the figures under abuse alone (issue 12).
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  const v2Body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [0.5, 0.9, 280] }] });
  const v1Body = JSON.stringify({ instances: [[0.5, 0.9, 280]] });
  const v2Path = '/v2/models/driver_elasticnet/infer';
  if (only === 'abuse' || only === 'grpc') {
    // `--only grpc`: gRPC beside HTTP alone.
    await (only === 'abuse' ? underAbuse(results) : grpcVsHttp(results, v2Body, v2Path));
    finish(started, cpu, results);
    return;
  }
  if (only === 'naive') {
    // `--only naive`: beside the naive server alone.
    await naiveComparison(results);
    finish(started, cpu, results);
    return;
  }
  if (only === 'batching') {
    // `--only batching`: the batching gain alone.
    const on = await startServer({ model: 'driver_elasticnet', http: 'node', execution: 'inline', maxBatchSize: 64 });
    const off = await startServer({ model: 'driver_elasticnet', http: 'node', execution: 'inline', maxBatchSize: 1 });
    console.log('Batching on (maxBatchSize 64) and off (1), ElasticNet inline, 1-row V2 requests');
    await batchingGain(results, on, off, v2Body, v2Path);
    await Promise.all([on.stop(), off.stop()]);
    await heavyBatchingGain(results);
    finish(started, cpu, results);
    return;
  }

  // 1. raw session.run, in this process
  const raw = await rawRun('driver_elasticnet', () => ({ input: new ort.Tensor('float32', Float32Array.from([0.5, 0.9, 280]), [1, 3]) }), 20_000);
  const rawP50 = percentile(raw, 50);
  const rawP99 = percentile(raw, 99);
  console.log('ElasticNet (3 features -> 1), raw ONNX Runtime in-process');
  line('await session.run p50 / p99', `${us(rawP50)} / ${us(rawP99)}`);
  results.raw = { p50: rawP50, p99: rawP99 };

  // 2. node:http, inline, batching on (the default configuration)
  let server = await startServer({ model: 'driver_elasticnet', http: 'node', execution: 'inline', maxBatchSize: 64 });
  server.reset();
  await new Promise((r) => setTimeout(r, 2000));
  const idleLag = await server.stats();
  // c=1: the transport floor (a process that echoes bytes), the trivial endpoint, V2 and V1 infer, interleaved
  const echo = await startServer('echo');
  const probes = {
    echo: await probe(echo.port, Buffer.from('x'), false),
    trivial: await probe(server.port, httpRequest('/v2/health/ready'), true),
    v2: await probe(server.port, httpRequest(v2Path, v2Body), true),
    v1: await probe(server.port, httpRequest('/v1/models/driver_elasticnet:predict', v1Body), true),
  };
  const c1 = await interleaved(probes, 20_000, 3000);
  for (const p of Object.values(probes)) p.close();
  await echo.stop();
  const lat2 = sorted(c1.v2!);
  const e2e = { p50: percentile(lat2, 50), p99: percentile(lat2, 99), avg: lat2.reduce((a, b) => a + b, 0) / lat2.length };
  const echoC1 = p50p99(c1.echo!);
  const trivialC1 = p50p99(c1.trivial!);
  const v1C1 = p50p99(c1.v1!);
  // What inference adds, at each percentile, over the same server's trivial endpoint and ONNX Runtime's own run.
  const serverAdded = { p50: e2e.p50 - trivialC1.p50 - rawP50, p99: e2e.p99 - trivialC1.p99 - rawP99 };
  const literal = { p50: e2e.p50 - rawP50, p99: e2e.p99 - rawP99 };
  console.log('\nServer (node:http, inline, dynamic batching maxBatchSize 64, maxDelayMs 0), c=1, raw-socket client, 20,000 interleaved rounds');
  line('V2 infer c=1 p50 / p99', `${us(e2e.p50)} / ${us(e2e.p99)}`, `avg ${us(e2e.avg)}; Triton simple model avg 708 µs (S1)`);
  line('V1 predict c=1 p50 / p99', `${us(v1C1.p50)} / ${us(v1C1.p99)}`);
  line('trivial GET c=1 p50 / p99 (same server)', `${us(trivialC1.p50)} / ${us(trivialC1.p99)}`, 'the node:http floor');
  line('loopback echo c=1 p50 / p99 (a process doing nothing)', `${us(echoC1.p50)} / ${us(echoC1.p99)}`, 'this machine\'s transport floor');
  line('V2 minus raw session.run, p50 / p99', `${us(literal.p50)} / ${us(literal.p99)}`, 'includes both floors above');
  line('added by inference: V2 - trivial - raw, p50 / p99', `${us(serverAdded.p50)} / ${us(serverAdded.p99)}`, '(body, parse, validate, batch, run, encode, metrics)');
  goal('added latency p50 at c=1 (over trivial + raw)', us(serverAdded.p50), '<= 100 µs', serverAdded.p50 <= 100);
  goal('added latency p99 at c=1 (over trivial + raw)', us(serverAdded.p99), '<= 300 µs', serverAdded.p99 <= 300);
  const batched: Record<number, AutocannonResult> = {};
  let saturatedLag: ChildStats | undefined;
  for (const c of [1, 16, 64]) {
    if (c === 64) server.reset();
    batched[c] = await load(server.port, v2Path, c, v2Body);
    if (c === 64) saturatedLag = await server.stats();
    line(`V2 infer throughput c=${c}`, rps(batched[c].requests.average), `p50 ${batched[c].latency.p50} ms, p99 ${batched[c].latency.p99} ms`);
  }
  server.reset();
  const trivial = await load(server.port, '/v2/health/ready', 64);
  const trivialLag = await server.stats();
  line('trivial endpoint (GET /v2/health/ready) c=64', rps(trivial.requests.average));
  // The ratio in 3 alternating rounds of each: this VM's speed drifts by up to 10% within minutes, and the single
  // runs above are seconds apart.
  const rounds = { infer: [] as AutocannonResult[], trivial: [] as AutocannonResult[] };
  const cpuOf = { infer: 0, trivial: 0 };
  for (let round = 0; round < 3; round++) {
    for (const [name, path, body] of [['infer', v2Path, v2Body], ['trivial', '/v2/health/ready', undefined]] as const) {
      const before = cpuSeconds(server.pid);
      rounds[name].push(await load(server.port, path, 64, body, undefined, DURATION_S / 2, 0));
      cpuOf[name] += cpuSeconds(server.pid) - before;
    }
  }
  const meanRps = (list: AutocannonResult[]) => list.reduce((a, r) => a + r.requests.average, 0) / list.length;
  const cpuUs = (name: 'infer' | 'trivial') => (cpuOf[name] * 1e6) / rounds[name].reduce((a, r) => a + r['2xx'], 0);
  const ratio = meanRps(rounds.infer) / meanRps(rounds.trivial);
  line(
    'inference / trivial throughput at c=64, 3 alternating rounds',
    `${ratio.toFixed(2)}x`,
    `${rps(meanRps(rounds.infer))} / ${rps(meanRps(rounds.trivial))}; server CPU per request ${cpuUs('infer').toFixed(1)} / ${cpuUs('trivial').toFixed(1)} µs`,
  );
  const fixedRate = 2000;
  server.reset();
  const fixed = await load(server.port, v2Path, 16, v2Body, fixedRate);
  const fixedLag = await server.stats();
  line(`event-loop lag p99 / max, V2 at ${fixedRate} req/s (c=16)`, `${fixedLag.lagP99Ms.toFixed(2)} / ${fixedLag.lagMaxMs.toFixed(1)} ms`, `latency p99 ${fixed.latency.p99} ms`);
  line('event-loop lag p99, saturated: V2 c=64 / trivial c=64', `${saturatedLag!.lagP99Ms.toFixed(2)} / ${trivialLag.lagP99Ms.toFixed(2)} ms`, '(HTTP parsing of 64 queued requests per turn)');
  line('event-loop lag p99 with no load (this machine\'s floor)', `${idleLag.lagP99Ms.toFixed(2)} ms`, `lag = delay beyond the ${LAG_RESOLUTION_MS} ms sampling interval`);
  line('RSS after the load (harness under tsx)', `${fixedLag.rssMiB.toFixed(0)} MiB`, 'the shipped binary: below');
  goal('inference / trivial throughput (c=64)', `${ratio.toFixed(2)}x`, '>= 0.7x (issue 12; 0.5x in issue 5)', ratio >= 0.7);
  goal(`event-loop lag p99 under load (${fixedRate} req/s)`, `${fixedLag.lagP99Ms.toFixed(2)} ms`, '<= 2 ms', fixedLag.lagP99Ms <= 2);
  results.node = {
    e2e, v1: v1C1, trivialC1, echoC1, literal, serverAdded, batched, trivial: trivial.requests.average, idleLag, saturatedLag, trivialLag, fixedLag, fixedP99: fixed.latency.p99,
    inferenceOverTrivial: { ratio, inferRps: meanRps(rounds.infer), trivialRps: meanRps(rounds.trivial), inferCpuUs: cpuUs('infer'), trivialCpuUs: cpuUs('trivial') },
  };

  // 3. batching off
  const batchedServer = server;
  server = await startServer({ model: 'driver_elasticnet', http: 'node', execution: 'inline', maxBatchSize: 1 });
  const unbatched: Record<number, AutocannonResult> = {};
  console.log('\nServer without batching (maxBatchSize 1)');
  for (const c of [1, 16, 64]) {
    unbatched[c] = await load(server.port, v2Path, c, v2Body);
    line(`V2 infer throughput c=${c}`, rps(unbatched[c].requests.average), `p50 ${unbatched[c].latency.p50} ms, p99 ${unbatched[c].latency.p99} ms`);
  }
  await batchingGain(results, batchedServer, server, v2Body, v2Path);
  await server.stop();
  await batchedServer.stop();
  await heavyBatchingGain(results);
  results.unbatched = unbatched;

  // 4. the HTTP layer: fastify with the same hot path
  server = await startServer({ model: 'driver_elasticnet', http: 'fastify', execution: 'inline', maxBatchSize: 64 });
  const fLat = await inferVsTrivial(server.port, v2Path, v2Body, 5000, 2000);
  const fInfer = await load(server.port, v2Path, 64, v2Body);
  const fTrivial = await load(server.port, '/v2/health/ready', 64);
  await server.stop();
  console.log('\nHTTP layer: the same hot path behind fastify 5 (node:http figures above)');
  line('fastify V2 infer c=1 p50 / p99', `${us(fLat.e2e.p50)} / ${us(fLat.e2e.p99)}`, `node:http ${us(e2e.p50)} / ${us(e2e.p99)}`);
  line('fastify V2 minus its trivial endpoint, p50 / p99', `${us(fLat.overTrivial.p50)} / ${us(fLat.overTrivial.p99)}`, `node:http ${us(serverAdded.p50 + rawP50)} / ${us(serverAdded.p99 + rawP99)}`);
  line('fastify V2 infer c=64', rps(fInfer.requests.average), `node:http ${rps(batched[64]!.requests.average)}`);
  line('fastify trivial c=64', rps(fTrivial.requests.average), `node:http ${rps(trivial.requests.average)}`);
  results.fastify = { c1: fLat, infer: fInfer.requests.average, trivial: fTrivial.requests.average };

  // 5. where inference runs: worker thread for the tiny model, inline vs worker for a millisecond model
  server = await startServer({ model: 'driver_elasticnet', http: 'node', execution: 'worker', maxBatchSize: 64 });
  const wLat = await inferVsTrivial(server.port, v2Path, v2Body, 5000, 2000);
  const wInfer = await load(server.port, v2Path, 64, v2Body);
  await server.stop();
  console.log('\nWhere inference runs (worker: one session per worker thread, tensors transferred, not copied)');
  line('ElasticNet in a worker: c=1 p50 / p99', `${us(wLat.e2e.p50)} / ${us(wLat.e2e.p99)}`, `inline ${us(e2e.p50)} / ${us(e2e.p99)}`);
  line('ElasticNet in a worker: minus trivial, p50 / p99', `${us(wLat.overTrivial.p50)} / ${us(wLat.overTrivial.p99)}`, `inline ${us(serverAdded.p50 + rawP50)} / ${us(serverAdded.p99 + rawP99)}`);
  line('ElasticNet in a worker: c=64', rps(wInfer.requests.average), `inline ${rps(batched[64]!.requests.average)}`);
  const heavyBody = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 512], datatype: 'FP32', data: new Array(512).fill(0.25) }] });
  const heavyPath = '/v2/models/heavy_mlp/infer';
  const heavyRate = 400;
  const heavy: Record<string, unknown> = {};
  for (const execution of ['inline', 'worker'] as const) {
    server = await startServer({ model: 'heavy_mlp', http: 'node', execution, maxBatchSize: 64 });
    const saturated = await load(server.port, heavyPath, 16, heavyBody);
    server.reset();
    const steady = await load(server.port, heavyPath, 16, heavyBody, heavyRate);
    const lag = await server.stats();
    await server.stop();
    heavy[execution] = { rps: saturated.requests.average, p99: saturated.latency.p99, steadyP99: steady.latency.p99, lag };
    line(`heavy_mlp (4x512x512) ${execution}: c=16 saturated`, rps(saturated.requests.average), `p99 ${saturated.latency.p99} ms`);
    line(`heavy_mlp ${execution}: at ${heavyRate} req/s, loop lag p99 / max`, `${lag.lagP99Ms.toFixed(2)} / ${lag.lagMaxMs.toFixed(1)} ms`, `latency p99 ${steady.latency.p99} ms`);
  }
  results.worker = { c1: wLat, infer: wInfer.requests.average, heavy };

  // 6. the shipped binary: what a serving pod runs, default options
  console.log('\nThe shipped binary: `cairn serve` from dist/ (CAIRN_FROM_DIST=1), default options');
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
  const shipped = await startShipped('driver_elasticnet');
  const atReady = memory(shipped.pid);
  const shippedC1 = await inferVsTrivial(shipped.port, v2Path, v2Body, 5000, 2000);
  const shippedLoad = await load(shipped.port, v2Path, 64, v2Body);
  const afterLoad = memory(shipped.pid);
  const shippedStop = await shipped.stop();
  line('start to ready (verify sha256, load, warm up)', `${shipped.readyMs.toFixed(0)} ms`);
  line('V2 infer c=1 p50 / p99', `${us(shippedC1.e2e.p50)} / ${us(shippedC1.e2e.p99)}`, `minus its trivial endpoint ${us(shippedC1.overTrivial.p50)} / ${us(shippedC1.overTrivial.p99)}`);
  line('V2 infer c=64', rps(shippedLoad.requests.average), `p99 ${shippedLoad.latency.p99} ms (bench harness ${rps(batched[64]!.requests.average)})`);
  line('RSS at ready / after the load / peak', `${atReady.rssMiB.toFixed(0)} / ${afterLoad.rssMiB.toFixed(0)} / ${afterLoad.peakMiB.toFixed(0)} MiB`, 'the bench harness above runs under tsx (+~34 MiB)');
  line('SIGTERM: exit code, drain time', `${shippedStop.code}, ${shippedStop.ms.toFixed(0)} ms`, 'includes the default 5 s --shutdown-delay-s (issue 12)');
  results.shipped = { readyMs: shipped.readyMs, c1: shippedC1, rps: shippedLoad.requests.average, p99: shippedLoad.latency.p99, atReady, afterLoad, stop: shippedStop };

  await grpcVsHttp(results, v2Body, v2Path);
  await naiveComparison(results);
  await underAbuse(results);

  console.log('\nAnchors (docs/benchmarks.md, Serving)');
  line('V2 e2e average at c=1 vs Triton simple model (S1)', `${us(e2e.avg)} vs 708 µs`, `${(708 / e2e.avg).toFixed(1)}x lower`);
  line('V2 infer/s at c=64 vs B2 target 10,000', rps(batched[64]!.requests.average));
  line('vs MLServer REST 1,440 req/s (S4)', `${(batched[64]!.requests.average / 1440).toFixed(1)}x`);

  finish(started, cpu, results);
}

function finish(started: number, cpu: string, results: Record<string, unknown>): void {
  console.log('\nGoals (issues 5 and 12)');
  for (const g of goals) console.log(`  ${g.met ? 'MET ' : 'MISS'}  ${g.figure.padEnd(44)} ${g.value.padStart(14)}   goal ${g.goal}`);
  console.log(`\nTotal ${(Date.now() - started) / 1000} s`);
  mkdirSync(`${root}bench/results`, { recursive: true });
  const file = `${root}bench/results/serve-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, JSON.stringify({ node: process.version, cpu, cores: os.cpus().length, loadavg: os.loadavg(), results, goals }, null, 1));
  console.log(`Raw figures: ${file}`);
}

if (process.argv[2] === '--echo') {
  runEcho();
} else if (process.argv[2] === '--abuse') {
  runAbuser(Number(process.argv[3]), process.argv[4]!, Number(process.argv[5]));
} else if (process.argv[2] === '--server') {
  runServer(JSON.parse(process.argv[3]!) as ServerSpec).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

/** What every part of bench:serve shares: starting servers, closed-loop load, raw-socket round trips, and the report. */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import net from 'node:net';
import ort from 'onnxruntime-node';
import { cpuSeconds, spawnServe } from '../process.js';
import { type ChildStats, type ServerSpec } from './server.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const DURATION_S = 4;
/** bench/serve.ts, whose child processes (`--server`, `--echo`, `--abuse`) the parts start. */
export const ENTRY = `${root}bench/serve.ts`;

/** A TypeScript file in a child process under tsx, with an IPC channel (the children send their port over it). */
export function forkTsx(file: string, args: string[]): ChildProcess {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return fork(file, args, { execArgv: ['--import', tsx], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** A server child's first message (its port), or an error naming `what` if it exits before sending one. */
export function firstMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    child.once('message', (m: T) => resolve(m));
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

/** SIGTERM to a child; resolves once it exited. */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface AutocannonResult {
  requests: { average: number };
  '2xx': number;
  duration: number;
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
}
export type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
export const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface Server {
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

/** bench/serve.ts in a child process: `--server SPEC` (the serving runtime) or `--echo` (the transport floor). */
export async function startServer(spec: ServerSpec | 'echo'): Promise<Server> {
  const child = forkTsx(ENTRY, spec === 'echo' ? ['--echo'] : ['--server', JSON.stringify(spec)]);
  const { port, grpcPort, execution } = await firstMessage<{ port: number; grpcPort?: number; execution?: string }>(child, 'bench server');
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
    stop: () => stopChild(child),
  };
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
export const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
export function p50p99(values: number[]): { p50: number; p99: number } {
  const s = sorted(values);
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
}

/** One keep-alive connection; each call sends the same request and resolves its round trip in µs. */
export interface Probe {
  (): Promise<number>;
  close(): void;
}

/**
 * A probe on a raw socket (no HTTP client library in the measurement). `http` false: the peer echoes bytes
 * back (the transport floor); true: the response is complete at Content-Length and must be a 200.
 */
export async function probe(port: number, request: Buffer, http: boolean): Promise<Probe> {
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

export const httpRequest = (path: string, body?: string) =>
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
export async function interleaved(probes: Record<string, Probe>, count: number, warmup: number): Promise<Record<string, number[]>> {
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
export async function alternatingBlocks(probes: Record<string, Probe>, count: number, block: number): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(Object.keys(probes).map((k) => [k, []]));
  for (let done = 0; done < count; done += block) {
    for (const [name, roundTrip] of Object.entries(probes)) {
      for (let i = 0; i < Math.min(block, count - done); i++) out[name]!.push(await roundTrip());
    }
  }
  return out;
}

export interface C1 {
  /** V2 infer round trip, p50 / p99 µs. */
  e2e: { p50: number; p99: number };
  /** V2 infer minus the trivial endpoint of the same server, at p50 and at p99, µs. */
  overTrivial: { p50: number; p99: number };
}

/** c=1 latency of a server's V2 infer, interleaved with its trivial endpoint. */
export async function inferVsTrivial(port: number, path: string, body: string, count: number, warmup: number): Promise<C1> {
  const probes = { trivial: await probe(port, httpRequest('/v2/health/ready'), true), v2: await probe(port, httpRequest(path, body), true) };
  const { trivial, v2 } = await interleaved(probes, count, warmup);
  for (const p of Object.values(probes)) p.close();
  const e2e = p50p99(v2!);
  const floor = p50p99(trivial!);
  return { e2e, overTrivial: { p50: e2e.p50 - floor.p50, p99: e2e.p99 - floor.p99 } };
}

/** Closed-loop load (or open-loop at `rate` req/s over all connections). */
export async function load(port: number, path: string, connections: number, body?: string, rate?: number, seconds = DURATION_S, warmupS = 1): Promise<AutocannonResult> {
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

/** A server and what to load it with: the path, and the POST body (a GET without one). */
export interface LoadTarget {
  port: number;
  pid: number;
  path: string;
  body?: string;
}

/**
 * Warms a target up by a count of requests, not a time: V8 optimizes a server's per-request functions after so
 * many requests, and on a loaded machine a second of load served as few as ~700, so the compiler's threads
 * (counted in the process's CPU) were still busy in the measured rounds.
 */
export async function warmUp(target: LoadTarget, connections: number, requests: number): Promise<void> {
  const { port, path, body } = target;
  await autocannon({ url: `http://127.0.0.1:${port}${path}`, connections, pipelining: 1, ...(body ? { method: 'POST', headers: { 'content-type': 'application/json' }, body } : {}), amount: requests });
}

/** A target's figures over its rounds: mean req/s, mean p50 / p99 latency (ms), the server's CPU per answered request (µs). */
export interface RoundFigures {
  rps: number;
  p50: number;
  p99: number;
  cpuUs: number;
}

/**
 * Closed-loop load on each target in turn, `rounds` times, `seconds` each, so that all of them see the same
 * moments of a shared machine (its speed drifts by up to 10% within minutes). No warm-up inside a round: its CPU
 * would count and its requests not; the caller warms up first. The server's CPU per request (user + system from
 * /proc) is the figure a loaded machine distorts least.
 */
export async function alternatingRounds<K extends string>(targets: Record<K, LoadTarget>, connections: number, seconds: number, rounds = 3): Promise<Record<K, RoundFigures>> {
  const names = Object.keys(targets) as K[];
  const runs = Object.fromEntries(names.map((name) => [name, { results: [] as AutocannonResult[], cpu: 0 }])) as Record<K, { results: AutocannonResult[]; cpu: number }>;
  for (let round = 0; round < rounds; round++) {
    for (const name of names) {
      const { port, pid, path, body } = targets[name];
      const before = cpuSeconds(pid);
      runs[name].results.push(await load(port, path, connections, body, undefined, seconds, 0));
      runs[name].cpu += cpuSeconds(pid) - before;
    }
  }
  const figures = (results: AutocannonResult[], cpu: number): RoundFigures => {
    const mean = (f: (r: AutocannonResult) => number) => results.reduce((a, r) => a + f(r), 0) / results.length;
    const answered = results.reduce((a, r) => a + r['2xx'], 0);
    return { rps: mean((r) => r.requests.average), p50: mean((r) => r.latency.p50), p99: mean((r) => r.latency.p99), cpuUs: (cpu * 1e6) / answered };
  };
  return Object.fromEntries(names.map((name) => [name, figures(runs[name].results, runs[name].cpu)])) as Record<K, RoundFigures>;
}

/** Raw `await session.run` in this process, same input, after warm-up; µs per call, sorted. */
export async function rawRun(model: string, feeds: () => Record<string, unknown>, count: number): Promise<number[]> {
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

export interface Shipped {
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
export async function startShipped(model: string): Promise<Shipped> {
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

export const us = (v: number) => `${v.toFixed(0)} µs`;
export const rps = (v: number) => `${Math.round(v).toLocaleString('en-US')} req/s`;
export const goals: { figure: string; value: string; goal: string; met: boolean }[] = [];
export const goal = (figure: string, value: string, goalText: string, met: boolean) => goals.push({ figure, value, goal: goalText, met });
export const line = (label: string, value: string, note = '') => console.log(`  ${label.padEnd(52)} ${value.padStart(16)}  ${note}`);

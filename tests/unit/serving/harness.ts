/**
 * Starts the real serving stack in-process for tests: ONNX Runtime session, batcher, node:http server on
 * 127.0.0.1 port 0, a prom-client registry and a pino logger writing into an array.
 */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { createFeatureTap, bindFeatures } from '../../../src/serving/feature-tap.js';
import type { Executor } from '../../../src/serving/executor.js';
import type { PredictionLedger } from '../../../src/serving/feedback.js';
import { createRequestMetrics } from '../../../src/serving/metrics.js';
import type { PredictionLog } from '../../../src/serving/prediction-log.js';
import type { Mirror } from '../../../src/serving/mirror.js';
import { loadModel, type ExecutionMode, type LoadedModel } from '../../../src/serving/model.js';
import type { ServeConfig } from '../../../src/serving/runtime.js';
import type { DatasetProfile } from '../../../src/serving/profile.js';
import { createServedModel, type ServedModel } from '../../../src/serving/served-model.js';
import { buildServer, type ServerLimits, type ServingServer } from '../../../src/serving/server.js';
import { ensureModels, modelPath, sha256Of, type ModelName } from './models.js';

export interface CapturedLog {
  logger: Logger;
  lines: Record<string, unknown>[];
}

export function captureLogger(level = 'debug'): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

export interface TestServerOptions {
  name?: string;
  version?: string;
  execution?: ExecutionMode;
  /** auto mode threshold (ms). */
  inlineMaxRunMs?: number;
  workers?: number;
  maxBatchSize?: number;
  maxDelayMs?: number;
  maxQueue?: number;
  limits?: Partial<ServerLimits>;
  profile?: DatasetProfile;
  mirror?: Mirror;
  requestLog?: { sample: number; random(): number };
  predictions?: PredictionLedger;
  predictionLog?: PredictionLog;
  /** Wraps the served model (to count requests as they reach the batcher). */
  wrap?(served: ServedModel, loaded: LoadedModel): ServedModel;
  /** Wraps the executor (to hold a run, or record the batches). */
  wrapExecutor?(executor: Executor): Executor;
}

export interface TestServer {
  url: string;
  registry: Registry;
  log: CapturedLog;
  server: ServingServer;
  loaded: LoadedModel;
  close(): Promise<void>;
  metrics(): Promise<string>;
}

export const DEFAULT_LIMITS: ServerLimits = { maxBodyBytes: 1 << 20, maxElements: 100_000, allowNonFinite: false };

export async function startServer(model: ModelName, options: TestServerOptions = {}): Promise<TestServer> {
  ensureModels();
  const name = options.name ?? model;
  const version = options.version ?? '1';
  const log = captureLogger();
  const registry = new Registry();
  const maxBatchSize = options.maxBatchSize ?? 64;
  const loaded = await loadModel(new Uint8Array(readFileSync(modelPath(model))), {
    execution: options.execution ?? 'inline',
    workers: options.workers ?? 1,
    intraOpThreads: 1,
    maxBatchSize,
    inlineMaxRunMs: options.inlineMaxRunMs ?? 1,
    logger: log.logger,
  });
  if (options.wrapExecutor) loaded.executor = options.wrapExecutor(loaded.executor);
  const metrics = createRequestMetrics(registry, name, version);
  const profile = options.profile;
  const tap = createFeatureTap(registry, {
    model: name,
    version,
    signature: loaded.signature,
    ...(profile ? { profile, bindings: bindFeatures(profile, loaded.signature).bindings } : {}),
  });
  let served = createServedModel(loaded, { maxBatchSize, maxDelayMs: options.maxDelayMs ?? 0, maxQueue: options.maxQueue ?? 1000 }, metrics, tap);
  if (options.wrap) served = options.wrap(served, loaded);
  const server = buildServer({
    name,
    version,
    logger: log.logger,
    registry,
    metrics,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    model: served,
    ...(options.mirror ? { mirror: options.mirror } : {}),
    ...(options.requestLog ? { requestLog: options.requestLog } : {}),
    ...(options.predictions ? { predictions: options.predictions } : {}),
    ...(options.predictionLog ? { predictionLog: options.predictionLog } : {}),
  });
  const port = await server.listen(0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    registry,
    log,
    server,
    loaded,
    metrics: () => registry.metrics(),
    async close() {
      await server.drain(1000);
      await served.close();
    },
  };
}

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export async function post(url: string, body: unknown, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body),
    ...init,
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
}

export async function get(url: string): Promise<Reply> {
  const response = await fetch(url);
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: response.status, body, headers: response.headers };
}

/** Value of one Prometheus sample line (`name{labels} value`), or undefined. */
export function sample(metrics: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.lastIndexOf('}'));
    const parsed = Object.fromEntries([...inside.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => parsed[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** Asserts that every element of `actual` is within a relative tolerance of `expected` (nested arrays). */
export function close(actual: unknown, want: unknown, rel = 1e-6): boolean {
  if (Array.isArray(want)) return Array.isArray(actual) && actual.length === want.length && want.every((w, i) => close(actual[i], w, rel));
  if (typeof want === 'number' && typeof actual === 'number') return Math.abs(actual - want) <= rel * Math.max(1, Math.abs(want));
  return actual === want;
}

/** A `cairn serve` config of the example model for the runtime's own tests (serve()): small bounds, no delays; `patch` wins. */
export function serveConfig(patch: Partial<ServeConfig> = {}): ServeConfig {
  return {
    modelUri: modelPath('driver_elasticnet'),
    sha256: sha256Of('driver_elasticnet'),
    name: 'driver',
    version: '1',
    host: '127.0.0.1',
    port: 0,
    featureColumns: {},
    execution: 'inline',
    workers: 1,
    intraOpThreads: 1,
    inlineMaxRunMs: 1,
    maxBatchSize: 64,
    maxDelayMs: 0,
    maxQueue: 100,
    maxBodyBytes: 1 << 20,
    maxElements: 100_000,
    maxBufferedBytes: 64 << 20,
    maxConnections: 1024,
    allowNonFinite: false,
    mirrorPercent: 0,
    mirrorTimeoutMs: 1000,
    logSample: 0,
    shutdownDelayMs: 0,
    drainTimeoutMs: 5000,
    ...patch,
  };
}

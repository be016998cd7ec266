/**
 * `cairn serve`: the ONNX serving runtime of every serving pod (docs/contracts.md §2). Parses arguments and
 * wires the process's I/O (stdout logger, signals, metrics registry) into src/serving/runtime.ts.
 */
import { isIP } from 'node:net';
import { pino } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { parseSha256 } from '../serving/model-source.js';
import { DEFAULT_PREDICTION_LOG_RATE } from '../serving/prediction-log.js';
import { DEFAULT_FEEDBACK_MAX_AGE_MS, DEFAULT_FEEDBACK_MAX_ROWS } from '../serving/prediction-store.js';
import type { ExecutionMode } from '../serving/model.js';
import { serve, type ServeConfig } from '../serving/runtime.js';
import { DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_MAX_CONNECTIONS } from '../serving/server.js';
import { parseCommandArgs, UsageError, type Command } from './command.js';

export const usage = `Usage: cairn serve --model-uri URI --sha256 HEX --name NAME [options]

Serves one ONNX model version over HTTP: Open Inference Protocol (KServe V2, Triton) under /v2,
TF Serving / KServe V1 under /v1, Prometheus metrics under /metrics; with --grpc-port, the Open Inference
Protocol over gRPC (inference.GRPCInferenceService) too.

Model:
  --model-uri URI          file:///path/model.onnx, /path/model.onnx or http(s)://... (required)
  --sha256 HEX             expected sha256 of the model file; a mismatch is never served (required)
  --name NAME              model name in URLs and metrics (required)
  --version V              model version (default 1)
Network:
  --port N                 HTTP port (default 8080)
  --grpc-port N            also serve gRPC (inference.GRPCInferenceService) on this port, with the same
                           limits, admission and metrics (Triton's is 8001; default: no gRPC)
  --host ADDR              listen address (default $HOST when it is an IP address, else 0.0.0.0)
  --max-body-bytes N       largest request body, else 413 (default 4194304)
  --max-elements N         most tensor elements in one request (default 1048576)
  --max-buffered-bytes N   request body bytes held at once across requests; a body that does not fit gets
                           503 + Retry-After (default 67108864; at least --max-body-bytes)
  --max-connections N      most open connections; more are closed at once (default 1024)
  --allow-nan              accept NaN and Infinity (as "NaN", "Infinity", "-Infinity") in FP32/FP64 inputs
  --shutdown-delay-s N     on SIGTERM, not ready at once but keep accepting this long, while the endpoints
                           drop the pod (default 5)
  --drain-timeout-s N      then, longest wait for requests in flight; exit 1 if it cut any (default 20)
Inference:
  --max-batch-size N       dynamic batching: most rows in one run (larger requests run in batches of this
                           many rows); 1 disables merging (default 64)
  --max-delay-ms N         longest a request waits for others to batch with (default 0: batch what is queued)
  --max-queue N            inference requests in progress at once (being read, waiting or running); more
                           get 503 + Retry-After before their body is read (default 4096)
  --execution MODE         auto | inline | worker (default auto: inline when a full batch runs in under
                           --inline-max-run-ms and every input dimension after the first is fixed, else
                           worker threads)
  --inline-max-run-ms N    auto mode threshold (default 1)
  --workers N              worker threads in worker mode (default: one per CPU of the container's CPU
                           quota, else one per core)
  --intra-op-threads N     ONNX Runtime threads per session (default 1; 0 = ONNX Runtime's choice)
Observability:
  --profile FILE           Dataset profile JSON (drift baseline): feature histogram buckets and categories
  --feature-columns SPEC   INPUT=feature,feature,... : the profile feature of each column of INPUT (repeatable)
  --log-sample P           log this share (0..1) of inference requests with their bodies (default 0)
  --prediction-log-sample P  write this share (0..1) of predictions as JSON lines: id, model, version,
                           inputs, outputs, latency (default 0: off)
  --prediction-log-rate N  most prediction log lines per second; more are dropped and counted (default 100)
  --prediction-log FILE    append the prediction log to FILE (default: stdout, beside the process log)
Feedback (ground truth after the fact):
  --feedback-max-rows N    prediction rows kept for POST /v2/models/{name}/feedback, oldest out first
                           (default 100000; 0: keep none, answer no ids, take no feedback)
  --feedback-max-age-s N   oldest prediction kept for feedback (default 3600)
  --log-level LEVEL        pino level (default info)
Shadow:
  --mirror-url URL         copy requests to this server (base URL) after answering them
  --mirror-percent P       share of requests copied, 0..100 (default 100 when --mirror-url is set)
  --mirror-timeout-ms N    timeout of a copied request (default 5000)
  --mirror-tolerance X     compare the shadow's answers with ours: numbers within X agree (default 0: exactly)
`;

/**
 * The listen address without --host: `$HOST` when it is an IP address (Cairn's local node sets it to the pod's
 * own IP, as pods there share the machine's network and two pods must not both take 0.0.0.0:8080), else every
 * address, as in a pod of a real cluster.
 */
export function defaultHost(env: NodeJS.ProcessEnv): string {
  return env.HOST && isIP(env.HOST) !== 0 ? env.HOST : '0.0.0.0';
}

const options = {
  'model-uri': { type: 'string' },
  sha256: { type: 'string' },
  name: { type: 'string' },
  version: { type: 'string', default: '1' },
  port: { type: 'string', default: '8080' },
  'grpc-port': { type: 'string' },
  host: { type: 'string' },
  'max-body-bytes': { type: 'string', default: String(4 * 1024 * 1024) },
  'max-elements': { type: 'string', default: String(1 << 20) },
  'max-buffered-bytes': { type: 'string', default: String(DEFAULT_MAX_BUFFERED_BYTES) },
  'max-connections': { type: 'string', default: String(DEFAULT_MAX_CONNECTIONS) },
  'allow-nan': { type: 'boolean', default: false },
  'shutdown-delay-s': { type: 'string', default: '5' },
  'drain-timeout-s': { type: 'string', default: '20' },
  'max-batch-size': { type: 'string', default: '64' },
  'max-delay-ms': { type: 'string', default: '0' },
  'max-queue': { type: 'string', default: '4096' },
  execution: { type: 'string', default: 'auto' },
  'inline-max-run-ms': { type: 'string', default: '1' },
  workers: { type: 'string', default: '0' },
  'intra-op-threads': { type: 'string', default: '1' },
  profile: { type: 'string' },
  'feature-columns': { type: 'string', multiple: true },
  'log-sample': { type: 'string', default: '0' },
  'prediction-log-sample': { type: 'string', default: '0' },
  'prediction-log-rate': { type: 'string', default: String(DEFAULT_PREDICTION_LOG_RATE) },
  'prediction-log': { type: 'string' },
  'feedback-max-rows': { type: 'string', default: String(DEFAULT_FEEDBACK_MAX_ROWS) },
  'feedback-max-age-s': { type: 'string', default: String(DEFAULT_FEEDBACK_MAX_AGE_MS / 1000) },
  'log-level': { type: 'string', default: 'info' },
  'mirror-url': { type: 'string' },
  'mirror-percent': { type: 'string' },
  'mirror-timeout-ms': { type: 'string', default: '5000' },
  'mirror-tolerance': { type: 'string', default: '0' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function number(values: Record<string, unknown>, name: string, min: number, max = Number.MAX_SAFE_INTEGER, integer = true): number {
  const text = values[name] as string;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`--${name}: expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got "${text}"`);
  }
  return n;
}

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

function parseFeatureColumns(specs: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const spec of specs) {
    const match = /^([^=]+)=(.+)$/.exec(spec);
    if (!match) throw new UsageError(`--feature-columns: expected INPUT=feature,feature,..., got "${spec}"`);
    out[match[1]!] = match[2]!.split(',').map((s) => s.trim());
  }
  return out;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface ServeArgs {
  config: ServeConfig;
  logLevel: string;
}

/** Parses `cairn serve` arguments into the runtime's config; throws UsageError. `help` when --help was given. */
export function parseServeArgs(argv: string[]): ServeArgs | 'help' {
  const values: Record<string, unknown> = parseCommandArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  if (values.help) return 'help';
  const modelUri = required(values, 'model-uri');
  const shaText = required(values, 'sha256');
  const name = required(values, 'name');
  const sha256 = parseSha256(shaText);
  if (!sha256) throw new UsageError(`--sha256: expected 64 hex digits, got "${String(values.sha256)}"`);
  const execution = values.execution as string;
  if (!['auto', 'inline', 'worker'].includes(execution)) throw new UsageError(`--execution: expected auto, inline or worker, got "${execution}"`);
  const mirrorUrl = values['mirror-url'] as string | undefined;
  if (mirrorUrl !== undefined && !/^https?:\/\//.test(mirrorUrl)) throw new UsageError(`--mirror-url: expected an http(s):// URL, got "${mirrorUrl}"`);
  if (values['mirror-percent'] !== undefined && mirrorUrl === undefined) throw new UsageError('--mirror-percent needs --mirror-url');
  const config: ServeConfig = {
    modelUri,
    sha256,
    name,
    version: values.version as string,
    host: (values.host as string | undefined) ?? defaultHost(process.env),
    port: number(values, 'port', 0, 65535),
    featureColumns: parseFeatureColumns((values['feature-columns'] as string[] | undefined) ?? []),
    execution: execution as ExecutionMode,
    workers: number(values, 'workers', 0, 256),
    intraOpThreads: number(values, 'intra-op-threads', 0, 256),
    inlineMaxRunMs: number(values, 'inline-max-run-ms', 0, 60_000, false),
    maxBatchSize: number(values, 'max-batch-size', 1, 65536),
    maxDelayMs: number(values, 'max-delay-ms', 0, 60_000, false),
    maxQueue: number(values, 'max-queue', 1),
    maxBodyBytes: number(values, 'max-body-bytes', 1),
    maxElements: number(values, 'max-elements', 1),
    maxBufferedBytes: number(values, 'max-buffered-bytes', 1),
    maxConnections: number(values, 'max-connections', 1),
    allowNonFinite: values['allow-nan'] as boolean,
    mirrorPercent: mirrorUrl === undefined ? 0 : values['mirror-percent'] === undefined ? 100 : number(values, 'mirror-percent', 0, 100, false),
    mirrorTimeoutMs: number(values, 'mirror-timeout-ms', 1),
    mirrorTolerance: number(values, 'mirror-tolerance', 0, 1e9, false),
    logSample: number(values, 'log-sample', 0, 1, false),
    feedbackMaxRows: number(values, 'feedback-max-rows', 0, 100_000_000),
    feedbackMaxAgeMs: number(values, 'feedback-max-age-s', 1, 30 * 86400, false) * 1000,
    predictionLogSample: number(values, 'prediction-log-sample', 0, 1, false),
    predictionLogRate: number(values, 'prediction-log-rate', 1, 1_000_000, false),
    shutdownDelayMs: number(values, 'shutdown-delay-s', 0, 3600, false) * 1000,
    drainTimeoutMs: number(values, 'drain-timeout-s', 0, 3600, false) * 1000,
  };
  if (config.maxBufferedBytes < config.maxBodyBytes) {
    // A body the size limit allows but the budget never could would get 503 forever.
    throw new UsageError(`--max-buffered-bytes (${config.maxBufferedBytes}) must be at least --max-body-bytes (${config.maxBodyBytes})`);
  }
  if (values['grpc-port'] !== undefined) {
    config.grpcPort = number(values, 'grpc-port', 0, 65535);
    if (config.grpcPort !== 0 && config.grpcPort === config.port) throw new UsageError(`--grpc-port: ${config.grpcPort} is the HTTP port (--port); give it a port of its own`);
  }
  if (typeof values.profile === 'string') config.profilePath = values.profile;
  if (mirrorUrl !== undefined) config.mirrorUrl = mirrorUrl;
  const predictionLog = values['prediction-log'] as string | undefined;
  if (predictionLog !== undefined) {
    if (predictionLog === '') throw new UsageError('--prediction-log: expected a file path');
    if (config.predictionLogSample === 0) throw new UsageError('--prediction-log needs --prediction-log-sample above 0');
    config.predictionLogPath = predictionLog;
  }
  const logLevel = values['log-level'] as string;
  if (!LEVELS.includes(logLevel)) throw new UsageError(`--log-level: expected one of ${LEVELS.join(', ')}, got "${logLevel}"`);
  return { config, logLevel };
}

export const serveCommand: Command = {
  async run(argv) {
    let args: ServeArgs | 'help';
    try {
      args = parseServeArgs(argv);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`cairn serve: ${err.message}\n\n${usage}`);
      return 2;
    }
    if (args === 'help') {
      process.stdout.write(usage);
      return 0;
    }
    const logger = pino({ level: args.logLevel, name: 'cairn-serve' });
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    return serve(args.config, { logger, registry, signals: process, random: Math.random });
  },
};

/**
 * The serving process from start to exit: listen (live, not ready), fetch the model, verify its sha256, load it,
 * warm it up, become ready; on SIGTERM or SIGINT become not ready, keep serving for the shutdown delay, stop
 * accepting, finish requests in flight, exit 0 (1 when the drain deadline cut requests). A model that cannot be
 * fetched, does not match its sha256 or does not load is never served: the process exits 1.
 */
import type { EventEmitter } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { bindFeatures, createFeatureTap } from './feature-tap.js';
import { createLedger } from './feedback.js';
import { createRequestMetrics } from './metrics.js';
import { createMirror, type Mirror } from './mirror.js';
import { loadModel, type ExecutionMode } from './model.js';
import { fetchModel, redactUri, verifySha256 } from './model-source.js';
import { DEFAULT_PREDICTION_LOG_RATE, PredictionLog, streamSink } from './prediction-log.js';
import { DEFAULT_FEEDBACK_MAX_AGE_MS, DEFAULT_FEEDBACK_MAX_ROWS } from './prediction-store.js';
import { parseProfile, type DatasetProfile } from './profile.js';
import { createServedModel, type ServedModel } from './served-model.js';
import type { GrpcServer } from './grpc-server.js';
import { buildServer } from './server.js';

export interface ServeConfig {
  modelUri: string;
  sha256: string;
  name: string;
  version: string;
  host: string;
  port: number;
  /** Port of the Open Inference Protocol over gRPC; undefined: not served. */
  grpcPort?: number;
  profilePath?: string;
  /** input name -> profile feature of each column of its last dimension. */
  featureColumns: Record<string, string[]>;
  execution: ExecutionMode;
  workers: number;
  intraOpThreads: number;
  inlineMaxRunMs: number;
  maxBatchSize: number;
  maxDelayMs: number;
  maxQueue: number;
  maxBodyBytes: number;
  maxElements: number;
  /** Request body bytes held at once (admission.ts). */
  maxBufferedBytes: number;
  maxConnections: number;
  allowNonFinite: boolean;
  mirrorUrl?: string;
  mirrorPercent: number;
  mirrorTimeoutMs: number;
  /** Absolute difference within which the shadow's numeric outputs agree with ours. */
  mirrorTolerance?: number;
  logSample: number;
  /** Prediction rows kept for feedback (0: none, no ids, no feedback endpoint); default DEFAULT_FEEDBACK_MAX_ROWS. */
  feedbackMaxRows?: number;
  /** Oldest prediction kept for feedback; default DEFAULT_FEEDBACK_MAX_AGE_MS. */
  feedbackMaxAgeMs?: number;
  /** Share of predictions written to the prediction log (0: off). */
  predictionLogSample?: number;
  /** Most prediction log lines per second. */
  predictionLogRate?: number;
  /** File the prediction log is appended to; stdout when undefined. */
  predictionLogPath?: string;
  /** On a stop signal: not ready at once, still accepting for this long (endpoints drop the pod meanwhile). */
  shutdownDelayMs: number;
  drainTimeoutMs: number;
}

export interface ServeIo {
  logger: Logger;
  registry: Registry;
  /** Where SIGTERM/SIGINT arrive (the process). */
  signals: Pick<EventEmitter, 'once' | 'off'>;
  random(): number;
  /** Called once listening, with the bound port. */
  onListening?(port: number): void;
  /** Called once the gRPC endpoint listens, with its bound port. */
  onGrpcListening?(port: number): void;
  /** Called once the model is ready. */
  onReady?(): void;
}

async function readProfile(path: string): Promise<DatasetProfile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`reading profile ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  try {
    return parseProfile(JSON.parse(text));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Runs the serving runtime until a stop signal; resolves the process exit code. */
export async function serve(config: ServeConfig, io: ServeIo): Promise<number> {
  const log = io.logger.child({ model: config.name, version: config.version });
  let profile: DatasetProfile | undefined;
  try {
    if (config.profilePath) profile = await readProfile(config.profilePath);
  } catch (err) {
    log.error({ err: (err as Error).message }, 'Failed to read the baseline profile');
    return 1;
  }
  const metrics = createRequestMetrics(io.registry, config.name, config.version);
  const mirror: Mirror | undefined = config.mirrorUrl
    ? createMirror({
        url: config.mirrorUrl,
        percent: config.mirrorPercent,
        timeoutMs: config.mirrorTimeoutMs,
        tolerance: config.mirrorTolerance ?? 0,
        maxInFlight: 64,
        model: config.name,
        version: config.version,
        registry: io.registry,
        logger: log,
        random: io.random,
      })
    : undefined;
  const feedbackMaxRows = config.feedbackMaxRows ?? DEFAULT_FEEDBACK_MAX_ROWS;
  const predictions =
    feedbackMaxRows > 0
      ? createLedger(io.registry, { model: config.name, version: config.version, limits: { maxRows: feedbackMaxRows, maxAgeMs: config.feedbackMaxAgeMs ?? DEFAULT_FEEDBACK_MAX_AGE_MS } })
      : undefined;
  // A file of its own when asked for; else stdout, where a pod's log shipper already reads (docs/contracts.md §2).
  const logFile = config.predictionLogSample && config.predictionLogPath ? createWriteStream(config.predictionLogPath, { flags: 'a' }) : undefined;
  logFile?.on('error', (err) => log.error({ err: err.message, path: config.predictionLogPath }, 'Failed to write the prediction log'));
  const predictionLog = config.predictionLogSample
    ? new PredictionLog({
        model: config.name,
        version: config.version,
        sample: config.predictionLogSample,
        ratePerSecond: config.predictionLogRate ?? DEFAULT_PREDICTION_LOG_RATE,
        sink: streamSink(logFile ?? process.stdout),
        random: io.random,
        now: () => performance.now(),
        registry: io.registry,
      })
    : undefined;
  const server = buildServer({
    name: config.name,
    version: config.version,
    logger: log,
    registry: io.registry,
    metrics,
    limits: {
      maxBodyBytes: config.maxBodyBytes,
      maxElements: config.maxElements,
      allowNonFinite: config.allowNonFinite,
      // --max-queue bounds the inference requests in progress, admitted before their body is read.
      maxRequests: config.maxQueue,
      maxBufferedBytes: config.maxBufferedBytes,
      maxConnections: config.maxConnections,
    },
    ...(mirror ? { mirror } : {}),
    ...(config.logSample > 0 ? { requestLog: { sample: config.logSample, random: io.random } } : {}),
    ...(predictions ? { predictions } : {}),
    ...(predictionLog ? { predictionLog } : {}),
  });

  const abort = new AbortController();
  let onSignal: (signal: string) => void = () => undefined;
  const stopped = new Promise<string>((resolve) => (onSignal = resolve));
  const handlers = { SIGTERM: () => onSignal('SIGTERM'), SIGINT: () => onSignal('SIGINT') };
  io.signals.once('SIGTERM', handlers.SIGTERM);
  io.signals.once('SIGINT', handlers.SIGINT);
  void stopped.then(() => abort.abort());

  let served: ServedModel | undefined;
  let code = 0;
  /** The shutdown delay applies only to a server that was ready (endpoints may route to it). */
  let wasReady = false;
  let grpc: GrpcServer | undefined;
  try {
    const port = await server.listen(config.port, config.host);
    log.info({ port, host: config.host }, 'Listening; not ready until the model is loaded');
    io.onListening?.(port);
    if (config.grpcPort !== undefined) {
      // Loaded only when asked for: grpc-js and the proto cost every other serving pod memory and start time.
      const { buildGrpcServer } = await import('./grpc-server.js');
      grpc = buildGrpcServer(server.core, log);
      const grpcPort = await grpc.listen(config.grpcPort, config.host);
      log.info({ port: grpcPort, host: config.host }, 'Listening for the Open Inference Protocol over gRPC');
      io.onGrpcListening?.(grpcPort);
    }
    const bytes = await fetchModel(config.modelUri, { signal: abort.signal });
    verifySha256(bytes, config.sha256, config.modelUri);
    log.info({ uri: redactUri(config.modelUri), bytes: bytes.length, sha256: config.sha256 }, 'Verified the model sha256');
    const loaded = await loadModel(bytes, { ...config, logger: log });
    let bindings;
    if (profile) {
      const bound = bindFeatures(profile, loaded.signature, config.featureColumns);
      bindings = bound.bindings;
      log.info({ features: bindings.map((b) => `${b.feature.name}<-${b.input}${b.column === null ? '' : `[${b.column}]`}`), unbound: bound.unbound }, 'Bound profile features to model inputs');
    }
    const tap = createFeatureTap(io.registry, { model: config.name, version: config.version, signature: loaded.signature, ...(profile ? { profile } : {}), ...(bindings ? { bindings } : {}) });
    served = createServedModel(loaded, config, metrics, tap);
    if (abort.signal.aborted) throw new Error('stopped while loading');
    server.setModel(served);
    log.info({ inputs: loaded.signature.inputs.map((s) => s.name), outputs: loaded.signature.outputs.map((s) => s.name), batching: loaded.batchable }, 'Model is ready');
    io.onReady?.();
    wasReady = true;
    const signal = await stopped;
    log.info({ signal, shutdownDelayMs: config.shutdownDelayMs, drainTimeoutMs: config.drainTimeoutMs }, 'Received a stop signal; draining requests in flight');
  } catch (err) {
    if (!abort.signal.aborted) {
      log.error({ err: (err as Error).message }, 'Failed to start serving the model; it will not become ready');
      code = 1;
    }
  } finally {
    io.signals.off('SIGTERM', handlers.SIGTERM);
    io.signals.off('SIGINT', handlers.SIGINT);
    // A second stop signal during the shutdown delay ends the delay.
    const again = () => void server.drain(config.drainTimeoutMs);
    io.signals.once('SIGTERM', again);
    io.signals.once('SIGINT', again);
    const alongside = grpc ? (timeoutMs: number) => grpc!.drain(timeoutMs) : undefined;
    const { cut } = await server.drain(config.drainTimeoutMs, wasReady ? config.shutdownDelayMs : 0, alongside);
    io.signals.off('SIGTERM', again);
    io.signals.off('SIGINT', again);
    if (cut > 0) {
      log.error({ cut, drainTimeoutMs: config.drainTimeoutMs }, 'The drain deadline cut requests in flight');
      code = 1;
    }
    await served?.close();
    await mirror?.close();
    await predictionLog?.flushed();
    if (logFile) await new Promise<void>((resolve) => logFile.end(resolve));
  }
  log.info({ code }, 'Stopped serving');
  return code;
}

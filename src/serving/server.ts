/**
 * buildServer: the serving HTTP server on node:http (bench/serve.ts measures it against fastify). It serves
 * health and metadata from the start, inference once a model is set (ready), and drains on shutdown. I/O is
 * injected: logger, metrics registry, clock, the model, the mirror.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { Admission, type AdmissionLimits, type Ticket } from './admission.js';
import { checkDeclaredLength, contentEncoding, declaredLength, readBody } from './body.js';
import type { TensorMap } from './datatypes.js';
import { Decoder, OFFLOAD_BYTES } from './decoder.js';
import { HttpError, quote } from './errors.js';
import type { PredictionLedger } from './feedback.js';
import { handleFeedback } from './feedback-endpoint.js';
import { BINARY_HEADER, binaryHeaderLength, parseInferBody } from './infer-body.js';
import type { Protocol, RequestMetrics } from './metrics.js';
import type { AnsweredPrediction, PredictionLog } from './prediction-log.js';
import type { Mirror, PrimaryOutputs } from './mirror.js';
import { route, type Route } from './router.js';
import type { ServedModel } from './served-model.js';
import { v2Metadata } from './signature.js';
import { EXTENSIONS, ModelStats, modelConfig } from './triton-extensions.js';
import type { TensorLimits } from './tensor.js';
import { v1Metadata, v1Response } from './v1.js';
import { v2Response, type BinaryResponse, type InferRequest } from './v2.js';

export interface ServerLimits extends TensorLimits, Partial<AdmissionLimits> {
  /** Largest request body (bytes); larger ones get 413. */
  maxBodyBytes: number;
  /** Most open connections; beyond it new ones are closed at once (node:http's maxConnections). */
  maxConnections?: number;
}

/** The defaults of `cairn serve` (docs/contracts.md §2, Limits). */
export const DEFAULT_MAX_REQUESTS = 4096;
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_CONNECTIONS = 1024;

export interface ServerOptions {
  name: string;
  version: string;
  logger: Logger;
  registry: Registry;
  metrics: RequestMetrics;
  limits: ServerLimits;
  /** Seconds clock for request durations. */
  now?(): number;
  model?: ServedModel;
  mirror?: Mirror;
  /** Logs this share (0..1) of inference requests with their bodies; `random` is uniform [0, 1). */
  requestLog?: { sample: number; random(): number };
  /** Keeps V2 predictions for feedback and gives them ids (feedback.ts). */
  predictions?: PredictionLedger;
  /** Sampled JSON-lines prediction log (prediction-log.ts). */
  predictionLog?: PredictionLog;
}

export interface ServingServer {
  readonly http: http.Server;
  /** Listens and resolves the bound port (0 picks a free one). */
  listen(port: number, host: string): Promise<number>;
  /** Serves this model from now on: the server becomes ready. */
  setModel(model: ServedModel): void;
  readonly ready: boolean;
  /**
   * Graceful shutdown as Kubernetes expects: not ready at once, but still accepting and serving for `delayMs`
   * (the endpoints take that long to drop the pod); every response from then on says `Connection: close`.
   * Then it stops accepting, closes idle connections, and waits for the open ones to finish their requests, at
   * most `timeoutMs`; what remains is cut. A connection whose client left holds nothing. Resolves how many
   * requests the deadline cut. Called again (a second stop signal), it ends the delay at once. `alongside`
   * drains another listener of the same model (gRPC) from the same moment with the same deadline; the requests
   * it cut are counted too.
   */
  drain(timeoutMs: number, delayMs?: number, alongside?: (timeoutMs: number) => Promise<number>): Promise<DrainResult>;
  readonly core: InferenceCore;
}

/**
 * What the gRPC endpoint (grpc-server.ts) shares with HTTP: the model served, readiness, admission (the same
 * request and byte budgets), the request metrics and Triton's statistics.
 */
export interface InferenceCore {
  readonly name: string;
  readonly version: string;
  readonly limits: ServerLimits;
  /** Server readiness (false while loading, draining, or with no worker able to run). */
  ready(): boolean;
  /** The model for a request naming it; HttpError 404 for another model or version, 503 while loading. */
  checkModel(r: { model: string; version?: string }): ServedModel;
  /** Like checkModel, and 503 while draining. */
  checkModelReady(r: { model: string; version?: string }): void;
  /** Admits a request of `bytes`, or throws the 503 that sheds it. */
  admit(bytes: number | undefined): Ticket;
  /** One inference request finished: metrics and statistics. `rows` -1 when unknown. */
  record(protocol: Protocol, status: number, start: number, rows: number): void;
  /**
   * A prediction answered: gives it its id (V2 and gRPC; kept for feedback), set on `parsed`, and returns what the
   * prediction log writes once the answer is out (undefined without a prediction log).
   */
  predicted(protocol: Protocol, parsed: InferRequest, outputs: TensorMap, served: ServedModel): AnsweredPrediction | undefined;
  /** Offers an answered prediction to the prediction log. */
  logPrediction(prediction: AnsweredPrediction, latencyMs: number): void;
  /** Seconds clock the durations are measured with. */
  now(): number;
}

export interface DrainResult {
  /** Requests still unanswered when the deadline closed their connections. */
  cut: number;
}

/** Requests of a connection whose handling has not finished (their answer is written before it finishes). */
const UNANSWERED = Symbol('cairn.unanswered');
type Connection = Socket & { [UNANSWERED]?: number };

function answered(socket: Connection): void {
  socket[UNANSWERED]! -= 1;
}

const JSON_TYPE = 'application/json';
const BINARY_TYPE = 'application/octet-stream';

function write(res: http.ServerResponse, status: number, body: string | Buffer, type: string, close: boolean, retryAfterS?: number, binaryHeader?: number): void {
  const headers: http.OutgoingHttpHeaders = { 'content-type': type, 'content-length': Buffer.byteLength(body) };
  if (binaryHeader !== undefined) headers[BINARY_HEADER] = String(binaryHeader);
  if (close) headers.connection = 'close';
  if (retryAfterS !== undefined) headers['retry-after'] = String(retryAfterS);
  res.writeHead(status, headers);
  res.end(body);
}

/** A body for the request log: parsed when it is small JSON, else its size (with its JSON header when binary). */
function loggable(body: string | Buffer, headerLength?: number): unknown {
  const json = headerLength === undefined || typeof body === 'string' ? body : body.subarray(0, headerLength);
  if (json.length >= OFFLOAD_BYTES) return `${body.length} bytes`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof json === 'string' ? json : json.toString('utf8'));
  } catch {
    return `${body.length} bytes (not JSON)`;
  }
  return headerLength === undefined ? parsed : { header: parsed, binaryBytes: body.length - headerLength };
}

function errorBody(err: HttpError): string {
  return JSON.stringify({ error: err.message });
}

export function buildServer(options: ServerOptions): ServingServer {
  const { name, version, logger, limits } = options;
  const now = options.now ?? (() => performance.now() / 1000);
  let model = options.model;
  let draining = false;
  /**
   * The open connections, each with its requests not yet answered (the requests a drain deadline would cut). Kept
   * per connection, not per request: a Set entry and a 'close' listener per request were a measurable share of a
   * 1-row request's CPU (bench:serve, beside the naive server).
   */
  const connections = new Set<Connection>();
  let drained: Promise<DrainResult> | undefined;
  let endDelay: (() => void) | undefined;
  const stats = new ModelStats();
  const admission = new Admission({
    maxRequests: limits.maxRequests ?? DEFAULT_MAX_REQUESTS,
    maxBufferedBytes: limits.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
  });

  // Not ready while the model cannot run anything (its workers died and none can start): Kubernetes then routes
  // requests to other replicas instead of this one answering 503.
  const isReady = () => model !== undefined && !draining && (model.available?.() ?? true);
  /** Every response while draining tells the client to reconnect (to another replica). */
  const send = (res: http.ServerResponse, status: number, body: string, type = JSON_TYPE) => write(res, status, body, type, draining);
  /** An error answer: it closes the connection when the body was left unread, and tells when to retry. */
  const sendError = (res: http.ServerResponse, err: HttpError) => write(res, err.status, errorBody(err), JSON_TYPE, draining || err.close, err.retryAfterS);

  /**
   * 404 for another model or version; 503 while the model loads. Draining does not refuse inference: the
   * requests that stale endpoints still route here during the shutdown delay are served.
   */
  const checkModel = (r: { model: string; version?: string }): ServedModel => {
    if (r.model !== name) throw new HttpError(404, `model: unknown model ${quote(r.model)}; this server serves "${name}"`);
    if (r.version !== undefined && r.version !== version) {
      throw new HttpError(404, `version: model "${name}" has no version ${quote(r.version)}; this server serves version "${version}"`);
    }
    if (!model) throw new HttpError(503, `model "${name}" is not ready (loading)`);
    return model;
  };
  /** The model's readiness endpoints: 503 while draining as well. */
  const checkModelReady = (r: { model: string; version?: string }): void => {
    checkModel(r);
    if (draining) throw new HttpError(503, `model "${name}" is not ready (shutting down)`);
  };

  const record = (protocol: Protocol, status: number, start: number, rows: number) => {
    const seconds = now() - start;
    options.metrics.request(protocol, status, seconds);
    stats.request(status === 200, seconds, rows);
  };

  /** The decode worker of the model served (decoder.ts), for large bodies; replaced with the model. */
  let decoder: { model: ServedModel; decoder: Decoder } | undefined;
  const decoderFor = (served: ServedModel): Decoder => {
    if (decoder?.model !== served) {
      void decoder?.decoder.close();
      decoder = { model: served, decoder: new Decoder(served.signature, limits, logger) };
    }
    return decoder.decoder;
  };

  const canonicalPath = (protocol: Protocol) =>
    protocol === 'v2' ? `/v2/models/${encodeURIComponent(name)}/infer` : `/v1/models/${encodeURIComponent(name)}:predict`;

  async function infer(req: http.IncomingMessage, res: http.ServerResponse, r: Route & { model: string }, protocol: Protocol, start: number) {
    let status = 200;
    let raw: Buffer | undefined;
    let headerLength: number | undefined;
    let body: string | BinaryResponse = '';
    let failure: HttpError | undefined;
    let ticket: Ticket | undefined;
    let rows = -1;
    let answered: PrimaryOutputs | undefined;
    let predicted: AnsweredPrediction | undefined;
    try {
      const served = checkModel(r);
      // Refused before admission (no retry can pass), then admitted or shed before a byte of the body is read.
      headerLength = binaryHeaderLength(req.headers, protocol);
      checkDeclaredLength(req, limits.maxBodyBytes);
      contentEncoding(req.headers);
      ticket = admission.admit(declaredLength(req));
      raw = await readBody(req, limits.maxBodyBytes, ticket, headerLength);
      let parsed: InferRequest;
      if (raw.length >= OFFLOAD_BYTES) parsed = await decoderFor(served).decode(protocol, raw, headerLength);
      else parsed = parseInferBody(protocol, raw, headerLength, served.signature, limits);
      parsed.abandoned = () => req.socket.destroyed;
      rows = parsed.rows;
      served.tap?.observeInputs(parsed.feeds);
      const outputs = served.inferNow?.(parsed) ?? (await served.infer(parsed));
      served.tap?.observeOutputs(outputs);
      if (options.mirror && protocol !== 'grpc') answered = { protocol, outputs, ...(parsed.outputs ? { requested: parsed.outputs } : {}) };
      predicted = notePrediction(protocol, parsed, outputs, served);
      body = protocol === 'v2' ? v2Response(name, version, parsed, outputs, served.signature) : v1Response(outputs, served.signature, parsed.rows, parsed.columnar);
    } catch (err) {
      const httpError = err instanceof HttpError ? err : new HttpError(500, `inference failed: ${(err as Error).message}`);
      status = httpError.status;
      failure = httpError;
      if (status === 500) logger.error({ err, protocol, status }, 'Failed an inference request');
      else logger.debug({ protocol, status, error: httpError.message }, 'Rejected an inference request');
    }
    if (failure) sendError(res, failure);
    else if (typeof body === 'string') send(res, status, body);
    else write(res, status, body.body, BINARY_TYPE, draining, undefined, body.headerLength);
    ticket?.release();
    record(protocol, status, start, rows);
    if (predicted && !failure) logPrediction(predicted, (now() - start) * 1000);
    const sample = options.requestLog;
    if (sample && sample.sample > 0 && sample.random() < sample.sample) {
      logger.info(
        {
          protocol,
          model: name,
          version,
          status,
          durationMs: (now() - start) * 1000,
          // Bodies too large to parse on the event loop are logged by size (decoder.ts), binary ones by their JSON header.
          request: raw ? loggable(raw, headerLength) : undefined,
          response: failure ? { error: failure.message } : typeof body === 'string' ? loggable(body) : loggable(body.body, body.headerLength),
        },
        'Logged a sampled inference request',
      );
    }
    const mirror = options.mirror;
    if (mirror && raw) {
      const copy = raw;
      const headers = headerLength === undefined ? undefined : { [BINARY_HEADER]: String(headerLength), 'content-type': BINARY_TYPE };
      setImmediate(() => mirror.offer(canonicalPath(protocol), copy, headers, answered));
    }
  }

  /** V1 answers carry no id (TF Serving's shape has no place for one), so only V2 and gRPC predictions get one. */
  function notePrediction(protocol: Protocol, parsed: InferRequest, outputs: TensorMap, served: ServedModel): AnsweredPrediction | undefined {
    const id = protocol !== 'v1' && options.predictions ? options.predictions.remember(parsed.id, outputs, served.signature) : parsed.id;
    if (id !== undefined) parsed.id = id;
    return options.predictionLog ? { id, protocol, inputs: parsed.feeds, outputs } : undefined; // no spread: a slow path in V8, on every request
  }

  function logPrediction(prediction: AnsweredPrediction, latencyMs: number): void {
    options.predictionLog?.offer(prediction, latencyMs);
  }

  /**
   * The request's route and its handler's promise. Not an async function: an inference request's promise is
   * infer's own, not one more promise resolved with it (two more microtask turns per request).
   */
  function dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const start = now();
    let r: Route;
    try {
      r = route(req.method ?? 'GET', req.url ?? '/');
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (r.kind === 'v2-infer') return infer(req, res, r, 'v2', start);
    if (r.kind === 'v1-predict') return infer(req, res, r, 'v1', start);
    return handle(req, res, r);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, r: Route): Promise<void> {
    switch (r.kind) {
      case 'live':
        return send(res, 200, '{"live":true}');
      case 'ready':
        return isReady() ? send(res, 200, '{"ready":true}') : send(res, 503, '{"ready":false}');
      case 'server-metadata':
        return send(res, 200, JSON.stringify({ name: 'cairn', version: '0.1.0', extensions: EXTENSIONS }));
      case 'model-config':
        return send(res, 200, JSON.stringify(modelConfig(name, checkModel(r).signature)));
      case 'model-stats': {
        const served = r.model === undefined ? model : checkModel({ model: r.model, ...(r.version !== undefined ? { version: r.version } : {}) });
        return send(res, 200, JSON.stringify(stats.json(name, version, served?.executions?.() ?? 0)));
      }
      case 'repository-index':
        return send(res, 200, JSON.stringify([{ name, version, state: model ? 'READY' : 'LOADING', reason: '' }]));
      case 'metrics':
        return send(res, 200, await options.registry.metrics(), options.registry.contentType);
      case 'model-metadata':
        return send(res, 200, JSON.stringify(v2Metadata(name, version, checkModel(r).signature)));
      case 'model-ready':
        checkModelReady(r);
        return send(res, 200, JSON.stringify({ name, ready: true }));
      case 'v1-metadata':
        return send(res, 200, JSON.stringify(v1Metadata(name, version, checkModel(r).signature)));
      case 'v1-status': {
        checkModelReady(r);
        const status = { version, state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } };
        return send(res, 200, JSON.stringify({ name, ready: true, model_version_status: [status] }));
      }
      case 'feedback':
        return send(res, 200, await handleFeedback(req, r, { ledger: options.predictions, maxBodyBytes: limits.maxBodyBytes, checkModel, admit: (bytes) => admission.admit(bytes) }));
    }
  }

  const server = http.createServer((req, res) => {
    const socket = req.socket as Connection;
    socket[UNANSWERED] = (socket[UNANSWERED] ?? 0) + 1;
    dispatch(req, res).then(
      () => answered(socket),
      (err: unknown) => {
        answered(socket);
        const httpError = err instanceof HttpError ? err : new HttpError(500, `internal error: ${(err as Error).message}`);
        if (httpError.status === 500) logger.error({ err }, 'Failed a request');
        if (!res.headersSent) sendError(res, httpError);
        else res.destroy();
      },
    );
  });
  server.on('connection', (socket: Connection) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  // A client that stops mid-request must not hold the process: bounded header and request times.
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;
  server.maxConnections = limits.maxConnections ?? DEFAULT_MAX_CONNECTIONS;

  const core: InferenceCore = {
    name,
    version,
    limits,
    ready: isReady,
    checkModel,
    checkModelReady,
    admit: (bytes) => admission.admit(bytes),
    record,
    predicted: notePrediction,
    logPrediction,
    now,
  };

  return {
    http: server,
    core,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as { port: number }).port);
        });
      }),
    setModel(next) {
      model = next;
    },
    get ready() {
      return isReady();
    },
    drain(timeoutMs, delayMs = 0, alongside) {
      if (drained) {
        endDelay?.();
        return drained;
      }
      draining = true;
      drained = (async () => {
        if (delayMs > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, delayMs);
            endDelay = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
        const [http, other] = await Promise.all([finishDrain(timeoutMs), alongside?.(timeoutMs) ?? 0]);
        return { cut: http.cut + other };
      })();
      return drained;
    },
  };

  async function finishDrain(timeoutMs: number): Promise<DrainResult> {
    // Waits for the connections, not a count of requests: a connection whose client left is gone, whatever
    // it had pipelined; a busy one closes after its answer (Connection: close).
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), timeoutMs)));
    const outcome = await Promise.race([closed, deadline]);
    clearTimeout(timer);
    let cut = 0;
    if (outcome === 'deadline') {
      for (const socket of connections) if (!socket.destroyed) cut += socket[UNANSWERED] ?? 0;
      server.closeAllConnections();
      await closed;
    }
    await decoder?.decoder.close();
    return { cut };
  }
}

/**
 * buildServer: the serving HTTP server on node:http (bench/serve.ts measures it against fastify). It serves
 * health and metadata from the start, inference once a model is set (ready), and drains on shutdown. I/O is
 * injected: logger, metrics registry, clock, the model, the mirror.
 */
import http from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { parseJson, readBody, refuseBinaryData } from './body.js';
import { HttpError } from './errors.js';
import type { Protocol, RequestMetrics } from './metrics.js';
import type { Mirror } from './mirror.js';
import { route, type Route } from './router.js';
import type { ServedModel } from './served-model.js';
import { v2Metadata } from './signature.js';
import type { TensorLimits } from './tensor.js';
import { v1Response, parseV1Request } from './v1.js';
import { parseV2Request, v2Response } from './v2.js';

export interface ServerLimits extends TensorLimits {
  /** Largest request body (bytes); larger ones get 413. */
  maxBodyBytes: number;
}

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
}

export interface ServingServer {
  readonly http: http.Server;
  /** Listens and resolves the bound port (0 picks a free one). */
  listen(port: number, host: string): Promise<number>;
  /** Serves this model from now on: the server becomes ready. */
  setModel(model: ServedModel): void;
  readonly ready: boolean;
  /** Not ready, stops accepting connections, waits for requests in flight (at most timeoutMs), then closes. */
  drain(timeoutMs: number): Promise<void>;
}

const JSON_TYPE = 'application/json';

function write(res: http.ServerResponse, status: number, body: string, type: string, close: boolean): void {
  const headers: http.OutgoingHttpHeaders = { 'content-type': type, 'content-length': Buffer.byteLength(body) };
  if (close) headers.connection = 'close';
  res.writeHead(status, headers);
  res.end(body);
}

function errorBody(err: HttpError): string {
  return JSON.stringify({ error: err.message });
}

export function buildServer(options: ServerOptions): ServingServer {
  const { name, version, logger, limits } = options;
  const now = options.now ?? (() => performance.now() / 1000);
  let model = options.model;
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;

  // Not ready while the model cannot run anything (its workers died and none can start): Kubernetes then routes
  // requests to other replicas instead of this one answering 503.
  const isReady = () => model !== undefined && !draining && (model.available?.() ?? true);
  /** Every response while draining tells the client to reconnect (to another replica). */
  const send = (res: http.ServerResponse, status: number, body: string, type = JSON_TYPE) => write(res, status, body, type, draining || status === 413);

  /** 404 for another model or version; 503 while the model loads or the server drains. */
  const checkModel = (r: { model: string; version?: string }): ServedModel => {
    if (r.model !== name) throw new HttpError(404, `model: unknown model "${r.model}"; this server serves "${name}"`);
    if (r.version !== undefined && r.version !== version) {
      throw new HttpError(404, `version: model "${name}" has no version "${r.version}"; this server serves version "${version}"`);
    }
    if (!model) throw new HttpError(503, `model "${name}" is not ready (loading)`);
    if (draining) throw new HttpError(503, `model "${name}" is not ready (shutting down)`);
    return model;
  };

  const canonicalPath = (protocol: Protocol) =>
    protocol === 'v2' ? `/v2/models/${encodeURIComponent(name)}/infer` : `/v1/models/${encodeURIComponent(name)}:predict`;

  async function infer(req: http.IncomingMessage, res: http.ServerResponse, r: Route & { model: string }, protocol: Protocol, start: number) {
    let status = 200;
    let raw: Buffer | undefined;
    let json: unknown;
    let body: string;
    try {
      const served = checkModel(r);
      refuseBinaryData(req.headers);
      raw = await readBody(req, limits.maxBodyBytes);
      json = parseJson(raw);
      const parsed = protocol === 'v2' ? parseV2Request(json, served.signature, limits) : parseV1Request(json, served.signature, limits);
      served.tap?.observeInputs(parsed.feeds);
      const outputs = await served.infer(parsed);
      served.tap?.observeOutputs(outputs);
      body = protocol === 'v2' ? v2Response(name, version, parsed, outputs, served.signature) : v1Response(outputs, served.signature, parsed.rows, parsed.columnar);
    } catch (err) {
      const httpError = err instanceof HttpError ? err : new HttpError(500, `inference failed: ${(err as Error).message}`);
      status = httpError.status;
      body = errorBody(httpError);
      if (status === 500) logger.error({ err, protocol, status }, 'Failed an inference request');
      else logger.debug({ protocol, status, error: httpError.message }, 'Rejected an inference request');
    }
    send(res, status, body);
    options.metrics.request(protocol, status, now() - start);
    const sample = options.requestLog;
    if (sample && sample.sample > 0 && sample.random() < sample.sample) {
      logger.info(
        { protocol, model: name, version, status, durationMs: (now() - start) * 1000, request: json, response: JSON.parse(body) as unknown },
        'Logged a sampled inference request',
      );
    }
    const mirror = options.mirror;
    if (mirror && raw) {
      const copy = raw;
      setImmediate(() => mirror.offer(canonicalPath(protocol), copy));
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const start = now();
    const r = route(req.method ?? 'GET', req.url ?? '/');
    switch (r.kind) {
      case 'live':
        return send(res, 200, '{"live":true}');
      case 'ready':
        return isReady() ? send(res, 200, '{"ready":true}') : send(res, 503, '{"ready":false}');
      case 'server-metadata':
        return send(res, 200, JSON.stringify({ name: 'cairn', version: '0.1.0', extensions: [] }));
      case 'metrics':
        return send(res, 200, await options.registry.metrics(), options.registry.contentType);
      case 'model-metadata':
        return send(res, 200, JSON.stringify(v2Metadata(name, version, checkModel(r).signature)));
      case 'model-ready':
        checkModel(r);
        return send(res, 200, JSON.stringify({ name, ready: true }));
      case 'v1-status': {
        checkModel(r);
        const status = { version, state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } };
        return send(res, 200, JSON.stringify({ name, ready: true, model_version_status: [status] }));
      }
      case 'v2-infer':
        return infer(req, res, r, 'v2', start);
      case 'v1-predict':
        return infer(req, res, r, 'v1', start);
    }
  }

  const server = http.createServer((req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) idle?.();
    });
    handle(req, res).catch((err: unknown) => {
      const httpError = err instanceof HttpError ? err : new HttpError(500, `internal error: ${(err as Error).message}`);
      if (httpError.status === 500) logger.error({ err }, 'Failed a request');
      if (!res.headersSent) send(res, httpError.status, errorBody(httpError));
      else res.destroy();
    });
  });
  // A client that stops mid-request must not hold the process: bounded header and request times.
  server.headersTimeout = 30_000;
  server.requestTimeout = 120_000;

  return {
    http: server,
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
    async drain(timeoutMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        const done = new Promise<void>((resolve) => (idle = resolve));
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
        await Promise.race([done, timeout]);
        clearTimeout(timer);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}

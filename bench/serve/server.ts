/** bench:serve's child processes: the serving runtime under test (`--server SPEC`) and the transport floor (`--echo`). */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Event-loop lag sampling interval (monitorEventLoopDelay's resolution). */
export const LAG_RESOLUTION_MS = 1;

export interface ServerSpec {
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

export interface ChildStats {
  lagP99Ms: number;
  lagMaxMs: number;
  rssMiB: number;
}

export async function runServer(spec: ServerSpec): Promise<void> {
  const { pino } = await import('pino');
  const { Registry } = await import('prom-client');
  const { createRequestMetrics } = await import('../../src/serving/metrics.js');
  const { createFeatureTap } = await import('../../src/serving/feature-tap.js');
  const { loadModel } = await import('../../src/serving/model.js');
  const { createServedModel } = await import('../../src/serving/served-model.js');
  const { buildServer } = await import('../../src/serving/server.js');
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
      const { buildGrpcServer } = await import('../../src/serving/grpc-server.js');
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
export async function fastifyServer(
  name: string,
  served: import('../../src/serving/served-model.js').ServedModel,
  metrics: import('../../src/serving/metrics.js').RequestMetrics,
  limits: import('../../src/serving/server.js').ServerLimits,
): Promise<number> {
  const { default: Fastify } = await import('fastify');
  const { parseJson } = await import('../../src/serving/body.js');
  const { parseV2Request, v2Response } = await import('../../src/serving/v2.js');
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

/** A process that echoes bytes back on loopback: the round trip no server can go below on this machine. */
export function runEcho(): void {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => socket.write(chunk));
  });
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as net.AddressInfo).port }));
}

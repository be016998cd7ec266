import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface HealthProbe {
  /** Liveness: the process is working (false only when it should be restarted). */
  live(): boolean;
  /** Readiness, with details for humans. */
  ready(): { ready: boolean; [detail: string]: unknown };
}

export interface ServerOptions {
  registry: Registry;
  health: HealthProbe;
  log: Logger;
  /** Extra route plugins (the Git webhook receiver). */
  routes?: FastifyPluginAsync[];
}

/**
 * The operator's HTTP surface (a factory, listening is the caller's: tests use `app.inject`):
 * `GET /healthz`, `GET /readyz` (503 until ready), `GET /metrics` (Prometheus text), plus the route plugins.
 */
export async function buildServer(o: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    return503OnClosing: true,
    // A client that trickles a request (the webhook is reachable without credentials) must not hold a
    // connection, nor the operator's shutdown, for ever.
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    // GitSource names are DNS subdomains, up to 253 characters (Fastify's default cuts path parameters at 100).
    routerOptions: { maxParamLength: 253 },
  });
  // Before the routes: a plugin keeps the error handler of the scope it was registered in.
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) o.log.error({ err, url: req.url }, 'HTTP request failed');
    return reply.code(status).send({ error: status >= 500 ? 'internal error' : err.message });
  });
  app.get('/healthz', async (_req, reply) => (o.health.live() ? reply.send('ok') : reply.code(500).send('not ok')));
  app.get('/readyz', async (_req, reply) => {
    const state = o.health.ready();
    return reply.code(state.ready ? 200 : 503).send(state);
  });
  app.get('/metrics', async (_req, reply) => reply.header('content-type', o.registry.contentType).send(await o.registry.metrics()));
  for (const routes of o.routes ?? []) await app.register(routes);
  return app;
}

/**
 * Shadow traffic: a share of inference requests is copied to another server after the primary response has
 * been sent. Fire and forget, bounded (at most maxInFlight copies at once; beyond that copies are dropped, never
 * queued), with a timeout: the shadow can be slow or down without touching the primary's latency or memory.
 */
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { redactUri } from './model-source.js';

export interface MirrorOptions {
  /** Base URL of the shadow server; the request path is appended. */
  url: string;
  /** Share of requests copied, 0..100. */
  percent: number;
  timeoutMs: number;
  maxInFlight: number;
  model: string;
  version: string;
  registry: Registry;
  logger: Logger;
  /** Uniform [0, 1) (injected for tests). */
  random(): number;
}

export interface Mirror {
  /** Maybe copies one request (call after the primary response was sent). */
  offer(path: string, body: Buffer): void;
  /** Waits for copies in flight (at most timeoutMs), then frees the connections. */
  close(): Promise<void>;
}

export function createMirror(options: MirrorOptions): Mirror {
  const base = new URL(options.url);
  const client = base.protocol === 'https:' ? https : http;
  const agent = new client.Agent({ keepAlive: true, maxSockets: options.maxInFlight });
  const results = new Counter({
    name: 'cairn_shadow_requests_total',
    help: 'Requests copied to the shadow server, by result (ok, error, dropped).',
    labelNames: ['model', 'version', 'result'] as const,
    registers: [options.registry],
  });
  const count = {
    ok: results.labels(options.model, options.version, 'ok'),
    error: results.labels(options.model, options.version, 'error'),
    dropped: results.labels(options.model, options.version, 'dropped'),
  };
  const prefix = base.pathname.replace(/\/$/, '');
  const pending = new Set<Promise<void>>();
  let lastErrorLog = 0;

  const send = (path: string, body: Buffer) =>
    new Promise<void>((resolve) => {
      const request = client.request(
        {
          agent,
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port,
          path: prefix + path,
          method: 'POST',
          timeout: options.timeoutMs,
          headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-cairn-shadow': '1' },
        },
        (response) => {
          response.resume();
          response.on('end', () => {
            const ok = (response.statusCode ?? 0) < 400;
            (ok ? count.ok : count.error).inc();
            resolve();
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error(`timed out after ${options.timeoutMs} ms`)));
      request.on('error', (err) => {
        count.error.inc();
        const now = Date.now();
        if (now - lastErrorLog > 10_000) {
          lastErrorLog = now;
          options.logger.warn({ err: err.message, shadow: redactUri(options.url) }, 'Failed to copy a request to the shadow server');
        }
        resolve();
      });
      request.end(body);
    });

  return {
    offer(path, body) {
      if (options.percent <= 0 || options.random() * 100 >= options.percent) return;
      if (pending.size >= options.maxInFlight) {
        count.dropped.inc();
        return;
      }
      const copy = send(path, body).finally(() => pending.delete(copy));
      pending.add(copy);
    },
    async close() {
      await Promise.all(pending);
      agent.destroy();
    },
  };
}

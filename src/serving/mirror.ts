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
  offer(path: string, body: Buffer, headers?: Record<string, string>): void;
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

  const failed = (err: Error) => {
    count.error.inc();
    const now = Date.now();
    if (now - lastErrorLog > 10_000) {
      lastErrorLog = now;
      options.logger.warn({ err: err.message, shadow: redactUri(options.url) }, 'Failed to copy a request to the shadow server');
    }
  };

  /**
   * One copy. It settles exactly once, whichever way it ends: a complete response, an error, a connection that
   * closes mid-response (neither 'end' nor 'error' fires then), or the deadline for the whole exchange (a
   * socket idle timeout would let a shadow that trickles bytes hold the slot forever).
   */
  const send = (path: string, body: Buffer, extra?: Record<string, string>) =>
    new Promise<void>((resolve) => {
      let settled = false;
      let response: http.IncomingMessage | undefined;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (err) failed(err);
        else ((response?.statusCode ?? 0) < 400 ? count.ok : count.error).inc();
        resolve();
      };
      const request = client.request(
        {
          agent,
          protocol: base.protocol,
          hostname: base.hostname,
          port: base.port,
          path: prefix + path,
          method: 'POST',
          headers: { 'content-type': 'application/json', ...extra, 'content-length': body.length, 'x-cairn-shadow': '1' },
        },
        (res) => {
          response = res;
          res.resume();
          res.on('end', () => settle());
        },
      );
      const deadline = setTimeout(() => request.destroy(new Error(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
      request.on('error', (err) => settle(err));
      request.on('close', () => {
        if (response?.complete) settle();
        else settle(new Error('the shadow closed the connection before its response was complete'));
      });
      request.end(body);
    });

  return {
    offer(path, body, headers) {
      if (options.percent <= 0 || options.random() * 100 >= options.percent) return;
      if (pending.size >= options.maxInFlight) {
        count.dropped.inc();
        return;
      }
      const copy = send(path, body, headers).finally(() => pending.delete(copy));
      pending.add(copy);
    },
    async close() {
      // Copies in flight get their own deadline; this one only bounds the wait if that somehow fails.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(pending), new Promise((resolve) => (timer = setTimeout(resolve, options.timeoutMs)))]);
      clearTimeout(timer);
      agent.destroy();
    },
  };
}

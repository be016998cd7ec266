/**
 * Shadow traffic: a share of inference requests is copied to another server after the primary response has
 * been sent. Fire and forget, bounded (at most maxInFlight copies at once; beyond that copies are dropped, never
 * queued), with a timeout: the shadow can be slow or down without touching the primary's latency or memory.
 * Given the primary's outputs, the shadow's answer is read (bounded) and compared with them (shadow-compare.ts):
 * agreement is counted by result, and the absolute differences of numeric outputs are summed, so the mean
 * difference aggregates across pods and intervals (docs/contracts.md §2).
 */
import http from 'node:http';
import https from 'node:https';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { redactUri } from './model-source.js';
import type { TensorMap } from './datatypes.js';
import { compareAnswer, flattenOutputs, type PrimaryAnswer } from './shadow-compare.js';

export interface MirrorOptions {
  /** Base URL of the shadow server; the request path is appended. */
  url: string;
  /** Share of requests copied, 0..100. */
  percent: number;
  timeoutMs: number;
  maxInFlight: number;
  /** Absolute difference within which two numeric outputs agree (0: exactly equal). */
  tolerance?: number;
  model: string;
  version: string;
  registry: Registry;
  logger: Logger;
  /** Uniform [0, 1) (injected for tests). */
  random(): number;
}

/** What the primary answered (flattened only when the request is copied). */
export interface PrimaryOutputs {
  protocol: 'v1' | 'v2';
  outputs: TensorMap;
  /** The outputs the client asked for (all when undefined). */
  requested?: readonly string[];
}

export interface Mirror {
  /**
   * Maybe copies one request (call after the primary response was sent). With `primary`, the shadow's answer is
   * compared with it.
   */
  offer(path: string, body: Buffer, headers?: Record<string, string>, primary?: PrimaryOutputs): void;
  /** Waits for copies in flight (at most timeoutMs), then frees the connections. */
  close(): Promise<void>;
}

/** The largest shadow answer read to compare (a model's answer to one request is far smaller). */
const MAX_COMPARED_BYTES = 16 * 1024 * 1024;

export function createMirror(options: MirrorOptions): Mirror {
  const base = new URL(options.url);
  const client = base.protocol === 'https:' ? https : http;
  const agent = new client.Agent({ keepAlive: true, maxSockets: options.maxInFlight });
  /** One counter of this model version by `result`, each result's child made at 0 (so it is exported before it counts). */
  const byResult = <R extends string>(metric: { name: string; help: string }, results: readonly R[]): Record<R, Counter.Internal> => {
    const counter = new Counter({ ...metric, labelNames: ['model', 'version', 'result'] as const, registers: [options.registry] });
    return Object.fromEntries(results.map((r) => [r, counter.labels(options.model, options.version, r)])) as Record<R, Counter.Internal>;
  };
  const count = byResult({ name: 'cairn_shadow_requests_total', help: 'Requests copied to the shadow server, by result (ok, error, dropped).' }, ['ok', 'error', 'dropped']);
  const compared = byResult({ name: 'cairn_shadow_comparisons_total', help: "Shadow answers compared with the primary's, by result (agree, disagree, incomparable)." }, ['agree', 'disagree', 'incomparable']);
  const absDifference = new Counter({
    name: 'cairn_shadow_abs_difference_total',
    help: "Sum of |primary - shadow| over the numeric output elements compared (divide by cairn_shadow_compared_elements_total for the mean).",
    labelNames: ['model', 'version'] as const,
    registers: [options.registry],
  }).labels(options.model, options.version);
  const comparedElements = new Counter({
    name: 'cairn_shadow_compared_elements_total',
    help: 'Numeric output elements compared with the shadow.',
    labelNames: ['model', 'version'] as const,
    registers: [options.registry],
  }).labels(options.model, options.version);
  const tolerance = options.tolerance ?? 0;
  let lastIncomparableLog = 0;
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
  const send = (path: string, body: Buffer, extra?: Record<string, string>, primary?: PrimaryAnswer) =>
    new Promise<void>((resolve) => {
      let settled = false;
      let response: http.IncomingMessage | undefined;
      const chunks: Buffer[] = [];
      let received = 0;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (err) failed(err);
        else if ((response?.statusCode ?? 0) < 400) {
          count.ok.inc();
          if (primary) compare(primary, response!, chunks, received);
        } else count.error.inc();
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
          if (primary) {
            res.on('data', (chunk: Buffer) => {
              received += chunk.length;
              // An answer beyond the bound is not kept: it is counted incomparable rather than held in memory.
              if (received <= MAX_COMPARED_BYTES) chunks.push(chunk);
            });
          } else res.resume();
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

  function compare(primary: PrimaryAnswer, res: http.IncomingMessage, chunks: Buffer[], received: number): void {
    const headerLength = Number(res.headers['inference-header-content-length']);
    const comparison =
      received > MAX_COMPARED_BYTES
        ? { result: 'incomparable' as const, reason: `the answer is larger than ${MAX_COMPARED_BYTES} bytes` }
        : compareAnswer(primary, Buffer.concat(chunks), Number.isInteger(headerLength) && headerLength > 0 ? headerLength : undefined, tolerance);
    compared[comparison.result].inc();
    if (comparison.result !== 'incomparable') {
      absDifference.inc(comparison.absDifference);
      comparedElements.inc(comparison.numericElements);
    } else if (Date.now() - lastIncomparableLog > 10_000) {
      lastIncomparableLog = Date.now();
      options.logger.warn({ reason: comparison.reason, shadow: redactUri(options.url) }, "Could not compare the shadow's answer with the primary's");
    }
  }

  return {
    offer(path, body, headers, primary) {
      if (options.percent <= 0 || options.random() * 100 >= options.percent) return;
      if (pending.size >= options.maxInFlight) {
        count.dropped.inc();
        return;
      }
      const answer = primary && { protocol: primary.protocol, outputs: flattenOutputs(primary.outputs, primary.requested) };
      const copy = send(path, body, headers, answer).finally(() => pending.delete(copy));
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

/**
 * Request metrics of CONTRACTS.md section 2, registered in an injected prom-client Registry. Label children are
 * bound once (model and version are fixed per process) so the hot path does no label hashing.
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export type Protocol = 'v1' | 'v2';

/** Latency buckets in seconds, dense below a millisecond where a small model's requests land. */
export const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
export const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

export interface RequestMetrics {
  /** One finished inference request: its protocol, HTTP status and duration in seconds. */
  request(protocol: Protocol, status: number, seconds: number): void;
  /** One run of the model with `rows` rows. */
  batch(rows: number): void;
}

export function createRequestMetrics(registry: Registry, model: string, version: string): RequestMetrics {
  const requests = new Counter({
    name: 'cairn_inference_requests_total',
    help: 'Inference requests by protocol and HTTP status code.',
    labelNames: ['model', 'version', 'protocol', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'cairn_inference_duration_seconds',
    help: 'Inference request duration, from the request to the response, in seconds.',
    labelNames: ['model', 'version', 'protocol'] as const,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'cairn_inference_batch_size',
    help: 'Rows in each run of the model (after dynamic batching).',
    labelNames: ['model', 'version'] as const,
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  const durations = { v1: duration.labels(model, version, 'v1'), v2: duration.labels(model, version, 'v2') };
  const counters = new Map<string, ReturnType<typeof requests.labels>>();
  const batches = batchSize.labels(model, version);
  return {
    request(protocol, status, seconds) {
      const key = `${protocol}${status}`;
      let counter = counters.get(key);
      if (!counter) {
        counter = requests.labels(model, version, protocol, String(status));
        counters.set(key, counter);
      }
      counter.inc();
      durations[protocol].observe(seconds);
    },
    batch(rows) {
      batches.observe(rows);
    },
  };
}

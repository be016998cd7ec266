/**
 * A loaded model as the HTTP layer sees it: its signature, an infer function behind the dynamic batcher, and
 * the drift tap. Built once the model is verified, loaded and warmed up.
 */
import { Batcher } from './batcher.js';
import type { TensorMap } from './datatypes.js';
import type { FeatureTap } from './feature-tap.js';
import type { RequestMetrics } from './metrics.js';
import type { LoadedModel } from './model.js';
import type { ModelSignature } from './signature.js';
import type { InferRequest } from './v2.js';

export interface ServedModel {
  signature: ModelSignature;
  /** Queues a request for the next run (dynamic batching). */
  infer(request: InferRequest): Promise<TensorMap>;
  /**
   * The outputs at once when nothing merges and the model runs on the event loop (batcher.ts); undefined when the
   * request is to go through infer(). Callers try it first: `inferNow(r) ?? await infer(r)`.
   */
  inferNow?(request: InferRequest): TensorMap | undefined;
  tap?: FeatureTap;
  /** Whether it can serve now (false while no inference worker can run): /v2/health/ready follows it. */
  available?(): boolean;
  /** Model runs (batches) so far (Triton's execution_count). */
  executions?(): number;
  /** Stops the executor (after the server drained). */
  close(): Promise<void>;
}

export interface BatchingOptions {
  maxBatchSize: number;
  maxDelayMs: number;
  maxQueue: number;
}

export function createServedModel(loaded: LoadedModel, batching: BatchingOptions, metrics: RequestMetrics, tap?: FeatureTap): ServedModel {
  let runs = 0;
  const batcher = new Batcher(loaded.executor, {
    ...batching,
    batchable: loaded.batchable,
    inputNames: loaded.signature.inputs.map((s) => s.name),
    onBatch: (rows) => {
      runs++;
      metrics.batch(rows);
    },
  });
  const served: ServedModel = {
    signature: loaded.signature,
    executions: () => runs,
    infer: (request) => batcher.infer(request),
    inferNow: (request) => batcher.inferNow(request),
    available: () => loaded.executor.available?.() ?? true,
    close: () => loaded.executor.close(),
  };
  if (tap) served.tap = tap;
  return served;
}

/**
 * Where inference runs. The batcher hands an Executor one merged batch at a time, up to `concurrency` at once.
 * InlineExecutor runs on the main thread (lowest latency for models whose run takes microseconds);
 * WorkerPool (worker-pool.ts) runs one session per worker thread (the event loop stays free for models
 * whose run takes milliseconds).
 */
import type { TensorMap } from './datatypes.js';
import type { SyncSession } from './ort-session.js';

export interface Executor {
  /** "inline" or "worker". */
  readonly kind: 'inline' | 'worker';
  /** How many batches may run at once. */
  readonly concurrency: number;
  run(feeds: TensorMap): Promise<TensorMap>;
  /**
   * Runs on the calling thread and returns (the inline executor). The batcher then decides when runs happen
   * itself: in slices of INLINE_SLICE_MS after the loop served its sockets (batcher.ts).
   */
  runSync?(feeds: TensorMap): TensorMap;
  /** False while it cannot run anything (every worker dead and none can start): the pod is then not ready. */
  available?(): boolean;
  close(): Promise<void>;
}

/** Longest the batcher runs inline batches back to back before it lets the event loop serve sockets. */
export const INLINE_SLICE_MS = 4;

/**
 * Runs on the main thread, synchronously (onnxruntime-node's native session, ort-session.ts): the batcher calls
 * runSync in its slices; run() is the same as a promise.
 */
export class InlineExecutor implements Executor {
  readonly kind = 'inline';
  readonly concurrency = 1;

  constructor(private readonly session: SyncSession) {}

  runSync(feeds: TensorMap): TensorMap {
    return this.session.run(feeds);
  }

  run(feeds: TensorMap): Promise<TensorMap> {
    try {
      return Promise.resolve(this.session.run(feeds));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  close(): Promise<void> {
    this.session.release();
    return Promise.resolve();
  }
}

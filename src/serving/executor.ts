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
  /** False while it cannot run anything (every worker dead and none can start): the pod is then not ready. */
  available?(): boolean;
  close(): Promise<void>;
}

/** Longest the inline executor runs batches back to back before it lets the event loop serve sockets. */
export const INLINE_SLICE_MS = 4;

/**
 * Runs on the main thread, several batches per loop turn: a run's answer resolves at once, so the batcher
 * starts the next batch in the same turn (through microtasks), until INLINE_SLICE_MS have passed; the next run
 * then waits for the next turn (setImmediate), after the sockets were served. Model time thus keeps its share
 * of the loop however many sockets are busy (clients retrying 503s), and a health probe waits one slice at most.
 */
export class InlineExecutor implements Executor {
  readonly kind = 'inline';
  readonly concurrency = 1;
  private sliceStart = -Infinity;

  constructor(
    private readonly session: SyncSession,
    private readonly now: () => number = () => performance.now(),
  ) {}

  run(feeds: TensorMap): Promise<TensorMap> {
    if (this.now() - this.sliceStart > INLINE_SLICE_MS) {
      return new Promise((resolve, reject) =>
        setImmediate(() => {
          this.sliceStart = this.now();
          this.runNow(feeds).then(resolve, reject);
        }),
      );
    }
    return this.runNow(feeds);
  }

  private runNow(feeds: TensorMap): Promise<TensorMap> {
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

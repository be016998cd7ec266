/**
 * Where inference runs. The batcher hands an Executor one merged batch at a time, up to `concurrency` at once.
 * InlineExecutor runs on the main thread (lowest latency for models whose run takes microseconds);
 * WorkerPool (worker-pool.ts) runs one session per worker thread (the event loop stays free for models
 * whose run takes milliseconds).
 */
import type { TensorMap } from './datatypes.js';
import { runSession, type Session } from './ort-session.js';

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

export class InlineExecutor implements Executor {
  readonly kind = 'inline';
  readonly concurrency = 1;

  constructor(private readonly session: Session) {}

  run(feeds: TensorMap): Promise<TensorMap> {
    return runSession(this.session, feeds);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

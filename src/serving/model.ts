/**
 * Loading a verified model: an ONNX Runtime session, its signature, a warm-up inference, a probe of whether
 * requests may be merged into one batch (batch-probe.ts; else they are never merged), and the choice of where
 * inference runs: on the main thread when a full batch runs in well under a millisecond, in worker threads
 * otherwise (ONNX Runtime's run blocks the thread it runs on; see bench/serve.ts for the figures behind the
 * threshold).
 */
import type { Logger } from 'pino';
import { probeBatching } from './batch-probe.js';
import { cpuBudget } from './cpu-budget.js';
import type { TensorMap } from './datatypes.js';
import { InlineExecutor, type Executor } from './executor.js';
import { createSession, runSession, SyncSession, type Session } from './ort-session.js';
import { signatureOf, syntheticFeeds, type ModelSignature } from './signature.js';
import { WorkerPool } from './worker-pool.js';

export type ExecutionMode = 'auto' | 'inline' | 'worker';

export interface LoadOptions {
  execution: ExecutionMode;
  /** Worker threads in worker mode (0: one per CPU the process may use, see `cpus`). */
  workers: number;
  /** CPUs the process may use (default: cpuBudget(), the cores capped by the container's CPU quota). */
  cpus?(): number;
  /** ONNX Runtime intra-op threads per session (0: ONNX Runtime's default). */
  intraOpThreads: number;
  maxBatchSize: number;
  /** auto mode runs inline when a warm-up run of a full batch takes at most this long (ms). */
  inlineMaxRunMs: number;
  logger: Logger;
  /** Milliseconds clock. */
  now?(): number;
  /** This process's CPU time in milliseconds (default process.cpuUsage()). */
  cpuNow?(): number;
}

export interface LoadedModel {
  signature: ModelSignature;
  executor: Executor;
  /** Whether requests may merge along the first dimension. */
  batchable: boolean;
  /** Median warm-up run time of the largest batch, in ms (what auto mode decided on). */
  runMs: number;
}

/**
 * The median cost of a warm-up run: per run the smaller of its wall time and the CPU time the process spent in it.
 * Wall time alone grows on a busy machine (the run waits for a core) and tipped auto mode into workers for a model
 * that runs in a fraction of a millisecond; CPU time alone adds up the threads of a multi-threaded run. Nothing
 * else runs in the process while the model loads, so the CPU time is the run's.
 */
async function medianRunMs(session: Session, feeds: () => TensorMap, now: () => number, cpuNow: () => number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const input = feeds();
    const start = now();
    const cpuStart = cpuNow();
    await runSession(session, input);
    times.push(Math.min(now() - start, cpuNow() - cpuStart));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Loads model bytes that have already been verified. Throws with a clear reason if the model cannot serve. */
export async function loadModel(bytes: Uint8Array, options: LoadOptions): Promise<LoadedModel> {
  const now = options.now ?? (() => performance.now());
  const cpuNow =
    options.cpuNow ??
    (() => {
      const used = process.cpuUsage();
      return (used.user + used.system) / 1000;
    });
  const log = options.logger;
  const intraOpThreads = options.intraOpThreads;
  const session = await createSession(bytes, { intraOpThreads });
  try {
    const signature = signatureOf(session);
    try {
      await runSession(session, syntheticFeeds(signature, 1));
    } catch (err) {
      throw new Error(`the warm-up inference failed: ${(err as Error).message}`, { cause: err });
    }
    const notBatchable = options.maxBatchSize > 1 ? await probeBatching(signature, (feeds) => runSession(session, feeds)) : 'maxBatchSize is 1';
    if (notBatchable) log.info({ reason: notBatchable }, 'Disabled dynamic batching for this model');
    const rows = notBatchable ? 1 : options.maxBatchSize;
    const runMs = await medianRunMs(session, () => syntheticFeeds(signature, rows), now, cpuNow);
    // The timing ran with every dynamic dimension after the first at 1: it says nothing of a request with a
    // 512-long sequence, so auto keeps a model inline only when those dimensions are fixed.
    const measured = signature.inputs.every((s) => s.shape.slice(1).every((d) => d !== -1));
    const inline = options.execution === 'inline' || (options.execution === 'auto' && measured && runMs <= options.inlineMaxRunMs);
    let executor: Executor;
    if (inline) {
      // The same model as a session whose run is synchronous (ort-session.ts); the first one is not needed.
      const sync = SyncSession.create(bytes, { intraOpThreads }, session.outputNames);
      await session.release();
      executor = new InlineExecutor(sync);
    } else {
      await session.release();
      const size = options.workers > 0 ? options.workers : Math.max(1, options.cpus ? options.cpus() : cpuBudget());
      executor = await WorkerPool.start({ size, modelBytes: bytes, intraOpThreads, logger: log });
    }
    log.info({ execution: executor.kind, concurrency: executor.concurrency, runMs: Number(runMs.toFixed(3)), batchRows: rows }, 'Chose where inference runs');
    return { signature, executor, batchable: !notBatchable, runMs };
  } catch (err) {
    await session.release().catch(() => undefined);
    throw err;
  }
}

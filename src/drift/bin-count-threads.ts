/**
 * Counting many features' samples into their bins on several cores: each call's values are cut into one contiguous
 * slice per worker thread (bin-count-worker.ts), every thread counts its slice of every job with countIntoBins,
 * and the slices' counts are summed. Counts are whole numbers, so the sums equal the single-thread counts exactly,
 * whatever the split. Cutting samples rather than features keeps the threads equally busy for one feature or many.
 *
 * Values in a SharedArrayBuffer reach the threads as views (no copy); other values are copied once per slice and
 * the copy transferred. A call with a value the single-thread path refuses (NaN, ±Infinity, bad edges) is counted
 * again in this thread, so it throws that path's own error, naming the same index.
 *
 * The rule itself stays in bin-counts.ts (pure); this module only schedules it. Callers choose the counter:
 * `countInThisThread` or `startBinCountThreads(n)`, which answer the same.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorkerBeside } from '../runtime/worker-entry.js';
import { countIntoBins } from './bin-counts.js';
import type { FromCountThread, SliceJob, ToCountThread } from './bin-count-worker.js';

export interface BinCountJob {
  edges: readonly number[];
  values: Float64Array;
}

/** Counts each job's values into its bins, as countIntoBins does: one count per bin, per job, in order. */
export interface BinCounter {
  /** Threads that count (1: the caller's own). */
  readonly threads: number;
  countAll(jobs: readonly BinCountJob[]): Promise<number[][]>;
  close(): Promise<void>;
}

/** A worker thread died or could not start; the counts of the calls it held are lost. */
export class BinCountThreadError extends Error {
  override readonly name = 'BinCountThreadError';
}

const countHere = (jobs: readonly BinCountJob[]) => jobs.map((job) => countIntoBins(job.edges, job.values));

export const countInThisThread: BinCounter = {
  threads: 1,
  countAll: (jobs) => new Promise((resolve) => resolve(countHere(jobs))), // a refusal rejects, as the threads' does
  close: () => Promise.resolve(),
};

interface Call {
  jobs: readonly BinCountJob[];
  /** Summed counts of the slices answered so far. */
  sums: number[][];
  waiting: number;
  failed: boolean;
  resolve(counts: number[][]): void;
  reject(error: Error): void;
}

/** Starts `threads` worker threads (default: one per core) and resolves once each has loaded its module. */
export async function startBinCountThreads(threads = availableParallelism(), startThread: () => Worker = () => startWorkerBeside(import.meta.url, 'bin-count-worker')): Promise<BinCounter> {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads is ${threads}: it must be a whole number of at least 1`);
  const workers = Array.from({ length: threads }, startThread);
  const calls = new Map<number, Call>();
  let nextId = 0;
  let broken: BinCountThreadError | undefined;
  let closing = false;

  const breakAll = (error: BinCountThreadError) => {
    broken ??= error;
    for (const call of calls.values()) call.reject(error);
    calls.clear();
  };
  const ready = workers.map(
    (worker, w) =>
      new Promise<void>((resolve, reject) => {
        worker.on('message', (message: FromCountThread) => {
          if (message.type === 'ready') resolve();
          else settle(message);
        });
        worker.on('error', (error) => {
          const failure = new BinCountThreadError(`bin-count thread ${w} failed: ${error.message}`);
          reject(failure);
          breakAll(failure);
        });
        worker.on('exit', (code) => {
          if (closing) return;
          const failure = new BinCountThreadError(`bin-count thread ${w} exited with code ${code}`);
          reject(failure);
          breakAll(failure);
        });
      }),
  );

  function settle(message: Exclude<FromCountThread, { type: 'ready' }>): void {
    const call = calls.get(message.id);
    if (!call) return;
    if (message.type === 'failed') call.failed = true;
    else message.counts.forEach((counts, j) => counts.forEach((c, k) => (call.sums[j]![k]! += c)));
    if (--call.waiting > 0) return;
    calls.delete(message.id);
    if (!call.failed) return call.resolve(call.sums);
    // The single-thread path either throws its own error (the usual case: a NaN, bad edges) or counts.
    try {
      call.resolve(countHere(call.jobs));
    } catch (error) {
      call.reject(error as Error);
    }
  }

  const close = async () => {
    closing = true;
    breakAll(new BinCountThreadError('the bin-count threads are closed'));
    await Promise.all(workers.map((worker) => worker.terminate()));
  };
  try {
    await Promise.all(ready);
  } catch (error) {
    await close();
    throw error;
  }

  return {
    threads,
    close,
    countAll(jobs) {
      if (broken) return Promise.reject(broken);
      const id = nextId++;
      return new Promise<number[][]>((resolve, reject) => {
        const sums = jobs.map((job) => new Array<number>(Math.max(0, job.edges.length - 1)).fill(0));
        calls.set(id, { jobs, sums, waiting: threads, failed: false, resolve, reject });
        workers.forEach((worker, w) => {
          const { message, transfer } = sliceMessage(id, jobs, w, threads);
          worker.postMessage(message, transfer);
        });
      });
    },
  };
}

/** Thread w's share of every job: values [⌊n·w/T⌋, ⌊n·(w+1)/T⌋), a view when shared, else a transferred copy. */
function sliceMessage(id: number, jobs: readonly BinCountJob[], w: number, threads: number): { message: ToCountThread; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const slices = jobs.map((job): SliceJob => {
    const n = job.values.length;
    const start = Math.floor((n * w) / threads);
    const end = Math.floor((n * (w + 1)) / threads);
    if (job.values.buffer instanceof SharedArrayBuffer) return { edges: job.edges, values: job.values.subarray(start, end) };
    const copy = job.values.slice(start, end);
    transfer.push(copy.buffer);
    return { edges: job.edges, values: copy };
  });
  return { message: { id, slices }, transfer };
}

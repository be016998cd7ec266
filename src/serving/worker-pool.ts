/**
 * A pool of inference worker threads, one ONNX Runtime session each, so that a run of milliseconds never blocks
 * the event loop that parses requests and answers health probes. A worker that dies is replaced; the batch it
 * held fails (the batcher then retries each request alone). A replacement that fails to start is retried with
 * backoff; meanwhile, if no worker is left, requests get 503 instead of waiting for a worker that may never come.
 */
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { startWorkerBeside } from '../runtime/worker-entry.js';
import type { TensorMap } from './datatypes.js';
import { HttpError } from './errors.js';
import type { Executor } from './executor.js';
import { transferables, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol.js';

export interface WorkerPoolOptions {
  size: number;
  modelBytes: Uint8Array;
  intraOpThreads: number;
  logger: Logger;
  /** Starts one inference worker thread (default: startWorker). */
  createWorker?: (init: WorkerInit) => Worker;
  /** Waits between attempts to replace a dead worker whose replacement failed to start (default 100 ms to 10 s). */
  respawnBackoff?: Backoff;
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

const DEFAULT_BACKOFF: Backoff = { initialMs: 100, maxMs: 10_000 };

/** The wait before retry `attempt` (0 for the first) of a replacement that failed to start: doubling, capped. */
export function respawnDelayMs(attempt: number, backoff: Backoff): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
}

interface Job {
  id: number;
  feeds: TensorMap;
  resolve(outputs: TensorMap): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

/** Starts an inference worker thread (worker.ts) that loads the model from `init`. */
export function startWorker(init: WorkerInit): Worker {
  return startWorkerBeside(import.meta.url, 'worker', { workerData: init });
}

const closedError = () => new Error('the inference worker pool is closed');

export class WorkerPool implements Executor {
  readonly kind = 'worker';
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
  /** Workers created but not ready yet: close() stops them too. */
  private readonly starting = new Set<Worker>();
  private readonly retries = new Set<NodeJS.Timeout>();
  /** Why the last replacement failed to start; cleared when one starts. */
  private spawnError: Error | undefined;
  private nextId = 1;
  private closing = false;

  private constructor(private readonly options: WorkerPoolOptions) {}

  get concurrency(): number {
    return this.options.size;
  }

  /** Starts `size` workers and resolves once every one has loaded the model. */
  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    try {
      for (let i = 0; i < options.size; i++) pool.slots.push(await pool.spawn());
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  private spawn(): Promise<Slot> {
    const init: WorkerInit = { modelBytes: this.options.modelBytes, intraOpThreads: this.options.intraOpThreads };
    let worker: Worker;
    try {
      worker = (this.options.createWorker ?? startWorker)(init);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const slot: Slot = { worker };
    this.starting.add(worker);
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => {
        this.starting.delete(worker);
        void worker.terminate();
        reject(err);
      };
      const onStartExit = (code: number) => fail(new Error(`inference worker exited with code ${code} while loading the model`));
      worker.once('exit', onStartExit);
      worker.once('error', fail);
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          this.starting.delete(worker);
          worker.off('exit', onStartExit);
          worker.off('error', fail);
          worker.on('error', (err) => this.onCrash(slot, err));
          worker.on('exit', (code) => this.onCrash(slot, new Error(`inference worker exited with code ${code}`)));
          resolve(slot);
        } else if (message.type === 'failed') {
          fail(new Error(message.message));
        } else this.onResult(slot, message);
      });
    });
  }

  private onResult(slot: Slot, message: Extract<FromWorker, { id: number }>): void {
    const job = slot.job;
    slot.job = undefined;
    if (job && job.id === message.id) {
      if (message.type === 'result') job.resolve(message.outputs);
      else job.reject(new Error(message.message));
    }
    this.pump();
  }

  private onCrash(slot: Slot, err: Error): void {
    if (this.closing) return;
    const index = this.slots.indexOf(slot);
    if (index === -1) return;
    this.slots.splice(index, 1);
    slot.job?.reject(err);
    this.options.logger.error({ err }, 'Inference worker crashed; starting a replacement');
    this.replace(0);
  }

  /** Starts a replacement worker; when it fails to start, retries after a backoff until one starts or the pool closes. */
  private replace(attempt: number): void {
    this.spawn().then(
      (replacement) => {
        if (this.closing) {
          void replacement.worker.terminate(); // close() began while it was starting
          return;
        }
        if (attempt > 0) this.options.logger.info({ attempts: attempt + 1 }, 'Started a replacement inference worker');
        this.spawnError = undefined;
        this.slots.push(replacement);
        this.pump();
      },
      (err: Error) => {
        if (this.closing) return;
        const retryInMs = respawnDelayMs(attempt, this.options.respawnBackoff ?? DEFAULT_BACKOFF);
        this.options.logger.error({ err, attempt: attempt + 1, retryInMs }, 'Failed to start a replacement inference worker');
        this.spawnError = err;
        if (this.slots.length === 0) for (const job of this.waiting.splice(0)) job.reject(this.unavailable(err));
        const timer = setTimeout(() => {
          this.retries.delete(timer);
          this.replace(attempt + 1);
        }, retryInMs);
        this.retries.add(timer);
      },
    );
  }

  private unavailable(err: Error): HttpError {
    return new HttpError(503, `no inference worker is running: a replacement for a worker that died failed to start (${err.message}); retrying`);
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job || this.waiting.length === 0) continue;
      const job = this.waiting.shift()!;
      slot.job = job;
      const message: ToWorker = { id: job.id, feeds: job.feeds };
      slot.worker.postMessage(message, transferables(job.feeds));
    }
  }

  available(): boolean {
    return !this.closing && (this.slots.length > 0 || this.spawnError === undefined);
  }

  run(feeds: TensorMap): Promise<TensorMap> {
    if (this.closing) return Promise.reject(closedError());
    if (this.slots.length === 0 && this.spawnError) return Promise.reject(this.unavailable(this.spawnError));
    return new Promise((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, feeds, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    for (const job of this.waiting.splice(0)) job.reject(closedError());
    const workers = [...this.slots.map((slot) => slot.worker), ...this.starting];
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

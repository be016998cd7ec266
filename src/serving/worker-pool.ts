/**
 * A pool of inference worker threads, one ONNX Runtime session each, so that a run of milliseconds never blocks
 * the event loop that parses requests and answers health probes. A worker that dies is replaced; the batch it
 * held fails (the batcher then retries each request alone).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { TensorMap } from './datatypes.js';
import type { Executor } from './executor.js';
import { transferables, type FromWorker, type ToWorker, type WorkerInit } from './worker-protocol.js';

export interface WorkerPoolOptions {
  size: number;
  modelBytes: Uint8Array;
  intraOpThreads: number;
  logger: Logger;
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

/**
 * The worker entry: worker.js once built; in a source checkout (and under vitest) worker.ts, loaded through
 * tsx's ESM API from a small bootstrap, since Node 20 workers do not apply `--import` loaders.
 */
function workerEntry(): { entry: URL | string; eval: boolean } {
  if (!import.meta.url.endsWith('.ts')) return { entry: new URL('./worker.js', import.meta.url), eval: false };
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports;
  const api = pathToFileURL(join(dirname(manifest), exports['./esm/api']!.import.default)).href;
  const worker = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(worker)}); })
  .catch((err) => process.nextTick(() => { throw err; }));`;
  return { entry: code, eval: true };
}

export class WorkerPool implements Executor {
  readonly kind = 'worker';
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
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
    const { entry, eval: isCode } = workerEntry();
    const init: WorkerInit = { modelBytes: this.options.modelBytes, intraOpThreads: this.options.intraOpThreads };
    const worker = new Worker(entry, { workerData: init, eval: isCode });
    const slot: Slot = { worker };
    return new Promise((resolve, reject) => {
      const onStartExit = (code: number) => reject(new Error(`inference worker exited with code ${code} while loading the model`));
      worker.once('exit', onStartExit);
      worker.once('error', reject);
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          worker.off('exit', onStartExit);
          worker.off('error', reject);
          worker.on('error', (err) => this.onCrash(slot, err));
          worker.on('exit', (code) => this.onCrash(slot, new Error(`inference worker exited with code ${code}`)));
          resolve(slot);
        } else if (message.type === 'failed') {
          reject(new Error(message.message));
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
    this.spawn().then(
      (replacement) => {
        this.slots.push(replacement);
        this.pump();
      },
      (spawnErr: Error) => this.options.logger.error({ err: spawnErr }, 'Failed to start a replacement inference worker'),
    );
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

  run(feeds: TensorMap): Promise<TensorMap> {
    if (this.closing) return Promise.reject(new Error('the inference worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, feeds, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const job of this.waiting.splice(0)) job.reject(new Error('the inference worker pool is closed'));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }
}

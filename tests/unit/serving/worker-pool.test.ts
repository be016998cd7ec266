/**
 * The inference worker pool with real worker threads and ONNX Runtime: results, crash replacement, a replacement
 * that fails to start, close.
 */
import { readFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import type { TensorMap } from '../../../src/serving/datatypes.js';
import { respawnDelayMs, startWorker, WorkerPool } from '../../../src/serving/worker-pool.js';
import type { WorkerInit } from '../../../src/serving/worker-protocol.js';
import { captureLogger } from './harness.js';
import { ensureModels, expected, modelPath } from './models.js';

const feeds = (row: number[]): TensorMap => ({ input: { type: 'float32', dims: [1, 3], data: Float32Array.from(row) } });

function predict(row: number[]): number {
  const { coef, intercept } = expected().driver_elasticnet;
  return row.reduce((sum, v, j) => sum + Math.fround(v) * coef[j]!, intercept);
}

/** Kills the pool's first worker and waits until it has exited (the pool has then begun its replacement). */
async function killWorker(pool: WorkerPool): Promise<void> {
  const [slot] = (pool as unknown as { slots: { worker: Worker }[] }).slots;
  const exited = new Promise((resolve) => slot!.worker.once('exit', resolve));
  await slot!.worker.terminate();
  await exited;
}

/** `promise`, or a rejection once it has been pending for `ms` (a hang fails fast, with a clear message). */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts real workers and records every one it created, and which are still running. */
function workerFactory(options: { corrupt?: () => boolean } = {}) {
  const created: Worker[] = [];
  const running = new Set<Worker>();
  const createWorker = (init: WorkerInit) => {
    const worker = startWorker(options.corrupt?.() ? { ...init, modelBytes: new Uint8Array([1, 2, 3]) } : init);
    created.push(worker);
    running.add(worker);
    worker.once('exit', () => running.delete(worker));
    return worker;
  };
  return { createWorker, created, running };
}

describe('respawnDelayMs', () => {
  it.each<[number, number]>([
    [0, 100],
    [1, 200],
    [3, 800],
    [6, 6400],
    [7, 10_000],
    [50, 10_000],
  ])('attempt %i waits %i ms', (attempt, want) => {
    expect(respawnDelayMs(attempt, { initialMs: 100, maxMs: 10_000 })).toBe(want);
  });
});

describe('WorkerPool', () => {
  it('runs inferences, replaces a worker that dies, and refuses work once closed', async () => {
    ensureModels();
    const log = captureLogger();
    const bytes = new Uint8Array(readFileSync(modelPath('driver_elasticnet')));
    const pool = await WorkerPool.start({ size: 1, modelBytes: bytes, intraOpThreads: 1, logger: log.logger });
    try {
      const first = await pool.run(feeds([0.5, 0.9, 280]));
      expect(first.variable!.data[0]).toBeCloseTo(predict([0.5, 0.9, 280]), 3);

      const [slot] = (pool as unknown as { slots: { worker: Worker }[] }).slots;
      const exited = new Promise((resolve) => slot!.worker.once('exit', resolve));
      await slot!.worker.terminate();
      await exited;
      const after = await pool.run(feeds([0.1, 0.2, 300]));
      expect(after.variable!.data[0]).toBeCloseTo(predict([0.1, 0.2, 300]), 3);
      expect(log.lines).toContainEqual(expect.objectContaining({ msg: 'Inference worker crashed; starting a replacement' }));
    } finally {
      await pool.close();
    }
    await expect(pool.run(feeds([1, 1, 1]))).rejects.toThrow('the inference worker pool is closed');
  });

  it('fails to start on bytes ONNX Runtime cannot load, with its reason', async () => {
    const log = captureLogger();
    await expect(WorkerPool.start({ size: 1, modelBytes: new Uint8Array([1, 2, 3]), intraOpThreads: 1, logger: log.logger })).rejects.toThrow(
      'ONNX Runtime could not load the model (corrupt or not an ONNX file)',
    );
  });

  it('answers 503 instead of hanging while no worker runs and its replacement fails to start, and serves again once one starts', async () => {
    ensureModels();
    const log = captureLogger();
    let corrupt = false;
    const factory = workerFactory({ corrupt: () => corrupt });
    const bytes = new Uint8Array(readFileSync(modelPath('driver_elasticnet')));
    const pool = await WorkerPool.start({
      size: 1,
      modelBytes: bytes,
      intraOpThreads: 1,
      logger: log.logger,
      createWorker: factory.createWorker,
      respawnBackoff: { initialMs: 20, maxMs: 50 },
    });
    try {
      corrupt = true;
      await killWorker(pool);
      const unavailable = { status: 503, message: expect.stringContaining('ONNX Runtime could not load the model') as unknown };
      // waiting while the first replacement starts, then refused when it fails
      await expect(within(10_000, pool.run(feeds([0.5, 0.9, 280])))).rejects.toMatchObject(unavailable);
      // refused at once while the retries keep failing
      await expect(within(1000, pool.run(feeds([0.5, 0.9, 280])))).rejects.toMatchObject(unavailable);
      expect(pool.available()).toBe(false); // the server reports not ready meanwhile
      expect(log.lines).toContainEqual(expect.objectContaining({ msg: 'Failed to start a replacement inference worker', retryInMs: 20 }));

      corrupt = false;
      await vi.waitFor(
        async () => {
          const after = await pool.run(feeds([0.1, 0.2, 300]));
          expect(after.variable!.data[0]).toBeCloseTo(predict([0.1, 0.2, 300]), 3);
        },
        { timeout: 15_000, interval: 50 },
      );
      expect(log.lines).toContainEqual(expect.objectContaining({ msg: 'Started a replacement inference worker' }));
      expect(pool.available()).toBe(true);
    } finally {
      await pool.close();
      await Promise.all(factory.created.map((worker) => worker.terminate()));
    }
  });

  it('close() right after a worker died also stops the replacement that is still starting', async () => {
    ensureModels();
    const log = captureLogger();
    const factory = workerFactory();
    const bytes = new Uint8Array(readFileSync(modelPath('driver_elasticnet')));
    const pool = await WorkerPool.start({ size: 1, modelBytes: bytes, intraOpThreads: 1, logger: log.logger, createWorker: factory.createWorker });
    try {
      await killWorker(pool);
      expect(factory.created).toHaveLength(2);
      await pool.close();
      expect(factory.running.size).toBe(0);
    } finally {
      await Promise.all(factory.created.map((worker) => worker.terminate()));
    }
  });
});

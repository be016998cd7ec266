/** The inference worker pool with real worker threads and ONNX Runtime: results, crash replacement, close. */
import { readFileSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { TensorMap } from '../../../src/serving/datatypes.js';
import { WorkerPool } from '../../../src/serving/worker-pool.js';
import { captureLogger } from './harness.js';
import { ensureModels, expected, modelPath } from './models.js';

const feeds = (row: number[]): TensorMap => ({ input: { type: 'float32', dims: [1, 3], data: Float32Array.from(row) } });

function predict(row: number[]): number {
  const { coef, intercept } = expected().driver_elasticnet;
  return row.reduce((sum, v, j) => sum + Math.fround(v) * coef[j]!, intercept);
}

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
});

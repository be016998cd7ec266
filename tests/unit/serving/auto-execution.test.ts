/**
 * Auto mode decides inline or worker threads on a warm-up run's cost: the smaller of its wall time and its CPU
 * time, so a loaded machine (wall time inflated by waits for a core) does not push a fast model into workers, and
 * a multi-threaded run (CPU time summed over threads) is not judged by its sum.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../../../src/serving/model.js';
import { captureLogger } from './harness.js';
import { ensureModels, modelPath } from './models.js';

/** A clock that advances `stepMs` on every reading: each timed run appears to take that long on it. */
const slow = (stepMs: number) => {
  let t = 0;
  return () => (t += stepMs);
};

describe('auto execution', () => {
  it.each([
    ['a loaded machine (wall time 40 ms a run, the real CPU time): inline', { now: slow(40) }, 'inline'],
    ['threads (CPU time 40 ms a run, the real wall time): inline', { cpuNow: slow(40) }, 'inline'],
    ['a slow model (both 40 ms a run): worker threads', { now: slow(40), cpuNow: slow(40) }, 'worker'],
  ] as const)('%s', async (_, clocks, kind) => {
    ensureModels();
    const loaded = await loadModel(new Uint8Array(readFileSync(modelPath('driver_elasticnet'))), {
      execution: 'auto',
      workers: 1,
      intraOpThreads: 1,
      maxBatchSize: 8,
      // Far above what this model costs on any machine, and below the 40 ms the fake clocks report.
      inlineMaxRunMs: 20,
      logger: captureLogger().logger,
      ...clocks,
    });
    try {
      expect(loaded.executor.kind).toBe(kind);
      if (kind === 'worker') expect(loaded.runMs).toBe(40);
      else expect(loaded.runMs).toBeLessThan(20);
    } finally {
      await loaded.executor.close();
    }
  });
});

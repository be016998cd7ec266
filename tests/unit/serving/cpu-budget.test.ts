/** The default worker count: the cores capped by the cgroup v2 CPU quota (cpu.max). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuBudget, parseCpuMax } from '../../../src/serving/cpu-budget.js';
import { loadModel } from '../../../src/serving/model.js';
import { captureLogger } from './harness.js';
import { ensureModels, modelPath } from './models.js';

describe('parseCpuMax', () => {
  it.each<[string, number | undefined]>([
    ['max 100000', undefined],
    ['max 100000\n', undefined],
    ['100000 100000\n', 1],
    ['150000 100000', 2],
    ['50000 100000', 1],
    ['1000 100000', 1],
    ['200000 100000', 2],
    ['6400000 100000', 64],
    ['250000 50000\n', 5],
    ['', undefined],
    ['100000', undefined],
    ['0 100000', undefined],
    ['-1 100000', undefined],
    ['100000 0', undefined],
    ['1.5 1', undefined],
    ['max', undefined],
    ['100000 100000 1', undefined],
  ])('%j -> %s', (text, want) => {
    expect(parseCpuMax(text)).toBe(want);
  });
});

describe('cpuBudget', () => {
  const noFile = () => {
    throw Object.assign(new Error("ENOENT: no such file or directory, open '/sys/fs/cgroup/cpu.max'"), { code: 'ENOENT' });
  };
  it.each<[string, () => string, number, number]>([
    ['a 1-CPU quota on 64 cores', () => '100000 100000\n', 64, 1],
    ['a 1.5-CPU quota rounds up', () => '150000 100000\n', 64, 2],
    ['a half-CPU quota is still one worker', () => '50000 100000\n', 64, 1],
    ['a quota above the cores', () => '800000 100000\n', 4, 4],
    ['no quota', () => 'max 100000\n', 8, 8],
    ['no cpu.max (cgroup v1, not Linux)', noFile, 8, 8],
    ['unreadable text', () => 'garbage', 8, 8],
    ['never below 1', () => 'max 100000', 0, 1],
  ])('%s', (_name, readCpuMax, cores, want) => {
    expect(cpuBudget({ readCpuMax, cores: () => cores })).toBe(want);
  });
});

describe('loadModel with --workers 0', () => {
  it('starts one worker per CPU of the budget, not one per core of the node', async () => {
    ensureModels();
    const log = captureLogger();
    const loaded = await loadModel(new Uint8Array(readFileSync(modelPath('driver_elasticnet'))), {
      execution: 'worker',
      workers: 0,
      cpus: () => 1,
      intraOpThreads: 1,
      maxBatchSize: 8,
      inlineMaxRunMs: 1,
      logger: log.logger,
    });
    try {
      expect(loaded.executor.concurrency).toBe(1);
    } finally {
      await loaded.executor.close();
    }
  });
});

/**
 * A component that fails to start fails the start loudly, with its own last log lines, and what was already
 * started is stopped: nothing is skipped and nothing is left behind.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REQUIRED_FILES, silentLogger, startControlPlane } from '../../src/testenv/index.js';
import { testenv } from '../harness/kube.js';

describe('startup failures', () => {
  let scratch = '';
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'cairn-startfail-'));
  });
  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** A bin dir linking the real binaries, except `without`. */
  function binDirWithout(name: string, without: string): string {
    const bin = join(scratch, name);
    mkdirSync(bin);
    for (const file of REQUIRED_FILES.filter((f) => f !== without)) symlinkSync(join(testenv().binDir, file), join(bin, file));
    return bin;
  }

  test('a component that exits at once: the error names it and quotes its log; the rest is stopped and removed', async () => {
    const bin = binDirWithout('bin-broken', 'kube-apiserver');
    writeFileSync(join(bin, 'kube-apiserver'), '#!/bin/sh\necho "Error: unknown flag: --made-up-for-the-test" >&2\nexit 1\n');
    chmodSync(join(bin, 'kube-apiserver'), 0o755);
    const stateRoot = join(scratch, 'state-broken');
    await expect(startControlPlane({ binDir: bin, logger: silentLogger, stateRoot, startTimeoutMs: 60_000 })).rejects.toThrow(
      /kube-apiserver exited with code 1 while waiting for kube-apiserver \/readyz[\s\S]*unknown flag: --made-up-for-the-test/,
    );
    // etcd had started: it was stopped, and the run directory (and the then empty state root) removed.
    expect(existsSync(stateRoot) ? readdirSync(stateRoot) : []).toEqual([]);
  });

  test('a missing binary is reported before anything starts', async () => {
    const bin = binDirWithout('bin-missing', 'kube-scheduler');
    const stateRoot = join(scratch, 'state-missing');
    await expect(startControlPlane({ binDir: bin, logger: silentLogger, stateRoot })).rejects.toThrow(
      `test environment binaries missing in ${bin}: kube-scheduler (run scripts/testenv/build.sh)`,
    );
    expect(existsSync(stateRoot)).toBe(false);
  });
});

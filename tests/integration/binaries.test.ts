/**
 * Missing binaries are built by scripts/testenv/build.sh before anything starts, with its progress shown, and a
 * failing build fails loudly (never a skip).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { ensureBinaries, missingBinaries, REQUIRED_FILES, silentLogger } from '../../src/testenv/index.js';
import { testenv } from '../harness/kube.js';

function collector(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('ensureBinaries', () => {
  const env = testenv();
  let cache = '';
  afterEach(async () => {
    if (cache) await rm(cache, { recursive: true, force: true });
  });

  test('runs build.sh when a file is missing; build.sh reuses what is there and adds the rest', async () => {
    cache = await mkdtemp(join(tmpdir(), 'cairn-bin-'));
    const buildEnv = { ...process.env, CAIRN_TESTENV_CACHE: cache };
    const binDir = execFileSync('bash', [join(env.root, 'scripts', 'testenv', 'build.sh'), '--print'], { env: buildEnv, encoding: 'utf8' }).trim();
    mkdirSync(binDir, { recursive: true });
    // Everything but kwok's stage file, which build.sh copies from the kwok module.
    for (const file of REQUIRED_FILES.filter((f) => f !== 'kwok-stages.yaml')) symlinkSync(join(env.binDir, file), join(binDir, file));
    expect(await missingBinaries(binDir)).toEqual(['kwok-stages.yaml']);
    const progress = collector();
    expect(await ensureBinaries({ root: env.root, logger: silentLogger, progress: progress.stream, env: buildEnv })).toBe(binDir);
    expect(await missingBinaries(binDir)).toEqual([]);
    expect(progress.text()).toContain('kubernetes v1.35.4: cached');
    expect(progress.text()).toMatch(/ready in \d+s/);
  });

  test('a failing build fails loudly with the build output', async () => {
    cache = await mkdtemp(join(tmpdir(), 'cairn-bin-'));
    const progress = collector();
    const noGo = { ...process.env, CAIRN_TESTENV_CACHE: cache, PATH: '/usr/bin:/bin' };
    expect(existsSync('/usr/bin/go') || existsSync('/bin/go')).toBe(false);
    await expect(ensureBinaries({ root: env.root, logger: silentLogger, progress: progress.stream, env: noGo })).rejects.toThrow(/build\.sh failed with exit code 1/);
    expect(progress.text()).toContain('go is not on PATH');
  });
});

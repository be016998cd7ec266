/** `cairn fetch` and `cairn upload`: argument parsing, and the real CLI in a child process over file://. */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultFileName, parseFetchArgs } from '../../../src/cli/fetch.js';
import { parseUploadArgs, uploadRecord } from '../../../src/cli/upload.js';

const root = join(import.meta.dirname, '../../..');
const sha = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

function cairn(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'bin/cairn.js'), ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('argument parsing', () => {
  it('fetch needs a URI, --sha256 and --to; the file name defaults to the last segment', () => {
    const digest = sha('x');
    expect(parseFetchArgs(['s3://b-1/a/data.csv', '--sha256', digest.toUpperCase(), '--to', '/data'])).toEqual({
      uri: 's3://b-1/a/data.csv',
      sha256: digest,
      to: '/data',
      name: 'data.csv',
      maxBytes: undefined,
      pvcRoot: undefined,
      allowFileUrls: false,
    });
    expect(() => parseFetchArgs(['s3://b/k', '--to', '/d'])).toThrow(/--sha256 is required/);
    expect(() => parseFetchArgs(['s3://b/k', '--sha256', 'abc', '--to', '/d'])).toThrow(/64 hex digits/);
    expect(() => parseFetchArgs(['s3://b/k', '--sha256', digest])).toThrow(/--to is required/);
    expect(() => parseFetchArgs(['--sha256', digest, '--to', '/d'])).toThrow(/one URI/);
    expect(() => parseFetchArgs(['s3://b/k/', '--sha256', digest, '--to', '/d'])).toThrow(/--name/);
    expect(() => parseFetchArgs(['s3://b/k', '--sha256', digest, '--to', '/d', '--max-bytes', '0'])).toThrow(/positive integer/);
    expect(parseFetchArgs(['s3://b/k', '--sha256', digest, '--to', '/d', '--name', 'train.csv']).valueOf()).toMatchObject({ name: 'train.csv' });
  });

  it('defaultFileName decodes URLs and file URIs only', () => {
    expect(defaultFileName('https://h/a/model%20v1.onnx?sig=1')).toBe('model v1.onnx');
    expect(defaultFileName('file:///srv/a%20b.csv')).toBe('a b.csv');
    expect(defaultFileName('s3://bucket/a%20b')).toBe('a%20b');
    expect(defaultFileName('pvc://data/x/y.parquet')).toBe('y.parquet');
  });

  it('upload needs DIR and URI', () => {
    expect(parseUploadArgs(['/out', 's3://b-1/runs/1'])).toMatchObject({ dir: '/out', uri: 's3://b-1/runs/1', allowFileUrls: false });
    expect(() => parseUploadArgs(['/out'])).toThrow(/DIR and URI/);
  });

  it('the upload termination message is the manifest when it fits in 4 KiB, else counts', () => {
    const file = { path: 'model.onnx', uri: 's3://b/r/model.onnx', size: 3, sha256: sha('abc') };
    expect(uploadRecord('s3://b/r', [file])).toEqual({ uploaded: { uri: 's3://b/r', files: [{ path: 'model.onnx', size: 3, sha256: sha('abc') }], bytes: 3 } });
    const many = Array.from({ length: 100 }, (_, i) => ({ ...file, path: `f${i}` }));
    expect(uploadRecord('s3://b/r', many)).toEqual({ uploaded: { uri: 's3://b/r', files: 100, bytes: 300, truncated: true } });
  });
});

describe('the CLI over file://', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-cli-storage-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('cairn fetch verifies, writes, and prints one JSON line', async () => {
    writeFileSync(join(dir, 'data.csv'), 'a,b\n1,2\n');
    const result = await cairn(['fetch', `file://${dir}/data.csv`, '--sha256', sha('a,b\n1,2\n'), '--to', join(dir, 'in'), '--allow-file-urls']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ uri: `file://${dir}/data.csv`, path: join(dir, 'in', 'data.csv'), size: 8, sha256: sha('a,b\n1,2\n') });
    expect(readFileSync(join(dir, 'in', 'data.csv'), 'utf8')).toBe('a,b\n1,2\n');
  });

  it('cairn fetch with a wrong sha256 exits 1 with one line, writes the termination message, and leaves nothing', async () => {
    writeFileSync(join(dir, 'data.csv'), 'tampered');
    const log = join(dir, 'termination-log');
    const result = await cairn(['fetch', `file://${dir}/data.csv`, '--sha256', sha('original'), '--to', join(dir, 'in'), '--allow-file-urls'], { CAIRN_TERMINATION_LOG: log });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^cairn fetch: ChecksumMismatch: sha256 of file:\/\/\S+ is [0-9a-f]{64}, expected [0-9a-f]{64}; the bytes were discarded\n$/);
    expect(JSON.parse(readFileSync(log, 'utf8'))).toMatchObject({ reason: 'ChecksumMismatch' });
    expect(readdirSync(join(dir, 'in'))).toEqual([]);
  });

  it('cairn fetch refuses file:// without --allow-file-urls (exit 1, InvalidUri)', async () => {
    const log = join(dir, 'termination-log');
    const result = await cairn(['fetch', `file://${dir}/x`, '--sha256', sha('x'), '--to', dir], { CAIRN_TERMINATION_LOG: log });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--allow-file-urls/);
    expect(JSON.parse(readFileSync(log, 'utf8'))).toMatchObject({ reason: 'InvalidUri' });
  });

  it('cairn fetch with a usage error exits 2', async () => {
    const result = await cairn(['fetch', 's3://bucket/key', '--to', dir]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--sha256 is required/);
  });

  it('cairn upload writes every file under DIR and prints each sha256 and the manifest', async () => {
    mkdirSync(join(dir, 'out', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'out', 'model.onnx'), 'model');
    writeFileSync(join(dir, 'out', 'sub', 'metrics.json'), '{}');
    const log = join(dir, 'termination-log');
    const result = await cairn(['upload', join(dir, 'out'), `file://${dir}/store/run-1`, '--allow-file-urls'], { CAIRN_TERMINATION_LOG: log });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.slice(0, 2)).toEqual([
      { path: 'model.onnx', uri: `file://${dir}/store/run-1/model.onnx`, size: 5, sha256: sha('model') },
      { path: 'sub/metrics.json', uri: `file://${dir}/store/run-1/sub/metrics.json`, size: 2, sha256: sha('{}') },
    ]);
    expect(lines[2]).toEqual({ manifest: { uri: `file://${dir}/store/run-1`, files: lines.slice(0, 2), bytes: 7 } });
    expect(readFileSync(join(dir, 'store', 'run-1', 'sub', 'metrics.json'), 'utf8')).toBe('{}');
    expect(JSON.parse(readFileSync(log, 'utf8'))).toMatchObject({ uploaded: { files: [{ path: 'model.onnx' }, { path: 'sub/metrics.json' }], bytes: 7 } });
  });

  it('cairn upload to https is refused with a clear error', async () => {
    mkdirSync(join(dir, 'out'));
    writeFileSync(join(dir, 'out', 'a'), 'a');
    const result = await cairn(['upload', join(dir, 'out'), 'https://example.com/x']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^cairn upload: InvalidUri: .*read-only.*\n$/);
  });
});

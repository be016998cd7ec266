/** `cairn upload` and `cairn fetch` as real child processes against the S3 server, credentials from env. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../../src/storage/index.js';
import { BUCKET, cairn, prefix, s3Env, s3Storage, sha } from './support.js';

let dir = '';
let storage: Storage;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-s3-cli-'));
  storage = s3Storage();
});
afterAll(async () => {
  storage?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('cairn upload and cairn fetch against S3', () => {
  it('upload prints each file with its sha256 and a manifest; fetch brings a file back verified', async () => {
    const p = prefix('cli');
    const out = join(dir, 'out');
    mkdirSync(join(out, 'plots'), { recursive: true });
    const model = Buffer.alloc(9 * 1024 * 1024, 3); // multipart
    writeFileSync(join(out, 'model.onnx'), model);
    writeFileSync(join(out, 'plots', 'loss.json'), '[0.9,0.4]');
    const log = join(dir, 'upload-termination-log');
    const up = await cairn(['upload', out, `s3://${BUCKET}/${p}/run-1/`], { ...s3Env(), CAIRN_TERMINATION_LOG: log });
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const lines = up.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      { path: 'model.onnx', uri: `s3://${BUCKET}/${p}/run-1/model.onnx`, size: model.length, sha256: sha(model) },
      { path: 'plots/loss.json', uri: `s3://${BUCKET}/${p}/run-1/plots/loss.json`, size: 9, sha256: sha('[0.9,0.4]') },
      { manifest: { uri: `s3://${BUCKET}/${p}/run-1/`, files: lines.slice(0, 2), bytes: model.length + 9 } },
    ]);
    expect(JSON.parse(readFileSync(log, 'utf8'))).toMatchObject({ uploaded: { bytes: model.length + 9 } });
    // The sha256 is recorded with each object.
    expect(await storage.stat(`s3://${BUCKET}/${p}/run-1/model.onnx`)).toMatchObject({ size: model.length, sha256: sha(model) });

    const into = join(dir, 'in');
    const down = await cairn(['fetch', `s3://${BUCKET}/${p}/run-1/model.onnx`, '--sha256', sha(model), '--to', into], s3Env());
    expect(down.stderr).toBe('');
    expect(down.code).toBe(0);
    expect(JSON.parse(down.stdout)).toEqual({ uri: `s3://${BUCKET}/${p}/run-1/model.onnx`, path: join(into, 'model.onnx'), size: model.length, sha256: sha(model) });
    expect(readFileSync(join(into, 'model.onnx')).equals(model)).toBe(true);
  });

  it('fetch with wrong credentials: exit 1, one line saying AccessDenied, the reason in the termination message', async () => {
    const log = join(dir, 'denied-termination-log');
    const env = { ...s3Env(), AWS_SECRET_ACCESS_KEY: 'definitely-wrong', CAIRN_TERMINATION_LOG: log };
    const result = await cairn(['fetch', `s3://${BUCKET}/any/key.csv`, '--sha256', sha('x'), '--to', join(dir, 'denied')], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^cairn fetch: AccessDenied: Access denied to s3:\/\/cairn-test\/any\/key\.csv [^\n]*\n$/);
    expect(result.stderr).not.toContain('definitely-wrong');
    const record = JSON.parse(readFileSync(log, 'utf8')) as { reason: string; message: string };
    expect(record.reason).toBe('AccessDenied');
    expect(record.message).not.toContain('definitely-wrong');
  });

  it('fetch of a missing key: exit 1, NotFound', async () => {
    const result = await cairn(['fetch', `s3://${BUCKET}/no/such/key.csv`, '--sha256', sha('x'), '--to', join(dir, 'missing')], s3Env());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^cairn fetch: NotFound: s3:\/\/cairn-test\/no\/such\/key\.csv does not exist[^\n]*\n$/);
  });

  it('fetch with a wrong sha256: exit 1, ChecksumMismatch, nothing in the folder', async () => {
    const p = prefix('cli-mismatch');
    const src = join(dir, 'mm-src');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'data.csv'), 'a,b\n');
    expect((await cairn(['upload', src, `s3://${BUCKET}/${p}`], s3Env())).code).toBe(0);
    const into = join(dir, 'mm-in');
    const result = await cairn(['fetch', `s3://${BUCKET}/${p}/data.csv`, '--sha256', sha('a,c\n'), '--to', into], s3Env());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^cairn fetch: ChecksumMismatch: /);
    expect(readdirSync(into)).toEqual([]);
  });
});

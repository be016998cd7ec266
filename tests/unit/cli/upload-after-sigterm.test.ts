/**
 * `cairn upload --after-sigterm`, the trial pod's sidecar: it uploads nothing until SIGTERM, then uploads what
 * the folder holds at that moment (files written after it started included) and writes each file's sha256 to
 * its termination message; a second SIGTERM does not cut the upload short.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseUploadArgs, uploadRecord } from '../../../src/cli/upload.js';

const root = join(import.meta.dirname, '../../..');
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('cairn upload --after-sigterm', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-upload-sigterm-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('parses the flag', () => {
    expect(parseUploadArgs(['/out', 's3://b-1/r', '--after-sigterm'])).toMatchObject({ afterSigterm: true });
    expect(parseUploadArgs(['/out', 's3://b-1/r'])).toMatchObject({ afterSigterm: false });
  });

  it('a truncated record still carries model.onnx with its sha256', () => {
    const file = (path: string) => ({ path, uri: `s3://b/r/${path}`, size: 3, sha256: sha(path) });
    const files = [...Array.from({ length: 100 }, (_, i) => file(`f${i}`)), file('model.onnx')];
    expect(uploadRecord('s3://b/r', files)).toEqual({ uploaded: { uri: 's3://b/r', files: 101, bytes: 303, truncated: true, model: { path: 'model.onnx', size: 3, sha256: sha('model.onnx') } } });
  });

  it('waits for SIGTERM, then uploads what the trainer left, even through a second SIGTERM', async () => {
    const out = join(dir, 'out');
    mkdirSync(out);
    const log = join(dir, 'termination-log');
    const child = spawn(process.execPath, [join(root, 'bin/cairn.js'), 'upload', out, `file://${dir}/store/t0`, '--allow-file-urls', '--after-sigterm'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CAIRN_TERMINATION_LOG: log },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // It says it waits once its handler is installed: only then is a SIGTERM an order to upload.
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('waiting for SIGTERM')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`exited ${code} before waiting: ${stderr}`)));
    });
    // The trainer writes its files after the sidecar started.
    writeFileSync(join(out, 'model.onnx'), 'model');
    writeFileSync(join(out, 'notes.txt'), 'n');
    expect(existsSync(join(dir, 'store'))).toBe(false);
    child.kill('SIGTERM');
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(readFileSync(join(dir, 'store', 't0', 'model.onnx'), 'utf8')).toBe('model');
    expect(JSON.parse(readFileSync(log, 'utf8'))).toEqual({
      uploaded: {
        uri: `file://${dir}/store/t0`,
        files: [
          { path: 'model.onnx', size: 5, sha256: sha('model') },
          { path: 'notes.txt', size: 1, sha256: sha('n') },
        ],
        bytes: 6,
      },
    });
    expect(stdout).toContain('"manifest"');
  });
});

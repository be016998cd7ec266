/**
 * A server that dies mid-transfer: the S3 server (its own instance, so the shared one stays up) is killed with
 * SIGKILL while `cairn fetch` downloads from it, and while a multipart upload goes up. Either way the error says
 * so, and nothing is left in place: no file at the target, no object.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isTempFile } from '../../../src/storage/index.js';
import { silentLogger, startS3Server, type S3Server } from '../../../src/testenv/index.js';
import { testenv } from '../../harness/kube.js';
import { BUCKET, cairn, reasonOf, s3Env, s3Storage, sha } from './support.js';

let dir = '';
let server: S3Server | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-s3-kill-'));
  server = await startS3Server({ binDir: testenv().binDir, dir: join(dir, 's3'), logger: silentLogger, buckets: [BUCKET] });
});
afterEach(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Writes `size` bytes straight into the server's folder (the posix backend serves files placed there). */
async function placeObject(key: string, size: number): Promise<string> {
  const path = join(server!.dataDir, BUCKET, key);
  await mkdir(join(path, '..'), { recursive: true });
  const handle = await open(path, 'w');
  const block = Buffer.alloc(8 * 1024 * 1024, 0x5a);
  for (let written = 0; written < size; written += block.length) await handle.write(block, 0, Math.min(block.length, size - written));
  await handle.close();
  return path;
}

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('a server killed mid-transfer', () => {
  it('cairn fetch: exit 1, Interrupted, and no file (nor temporary file) in the folder', async () => {
    await placeObject('big/data.bin', 512 * 1024 * 1024);
    const into = join(dir, 'in');
    const log = join(dir, 'termination-log');
    const run = cairn(['fetch', `s3://${BUCKET}/big/data.bin`, '--sha256', sha('whatever'), '--to', into], { ...s3Env(server), CAIRN_TERMINATION_LOG: log });
    // Kill the server once the download is under way: its temporary file exists beside the target.
    await until('the download to start', () => existsSync(into) && readdirSync(into).some(isTempFile));
    server!.proc.signal('SIGKILL');
    const result = await run;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^cairn fetch: Interrupted: The transfer of s3:\/\/cairn-test\/big\/data\.bin was interrupted[^\n]*\n$/);
    expect(readdirSync(into)).toEqual([]);
  });

  it('a multipart upload: the error says so, and no object appears', async () => {
    const storage = s3Storage(server, { partSize: 5 * 1024 * 1024 });
    const part = Buffer.alloc(5 * 1024 * 1024, 1);
    let pushed = 0;
    const source = new Readable({
      read() {
        pushed++;
        if (pushed <= 2) this.push(part);
        else if (pushed === 3) {
          // The first part is on its way: kill the server, then offer more.
          setTimeout(() => {
            server!.proc.signal('SIGKILL');
            void server!.proc.exited.then(() => this.push(part));
          }, 200);
        } else if (pushed < 8) this.push(part);
        else this.push(null);
      },
    });
    try {
      const { reason, message } = await reasonOf(storage.write(`s3://${BUCKET}/up/model.onnx`, source));
      expect(['Interrupted', 'Unreachable']).toContain(reason);
      expect(message).toMatch(/s3:\/\/cairn-test\/up\/model\.onnx/);
    } finally {
      storage.close();
    }
    expect(existsSync(join(server!.dataDir, BUCKET, 'up', 'model.onnx'))).toBe(false);
  });
});

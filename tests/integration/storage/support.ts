/** Shared by the storage integration tests: the S3 server from the global setup, the CLI as a child process. */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { inject } from 'vitest';
import '../../harness/context.js';
import { createStorage, StorageError, type Storage } from '../../../src/storage/index.js';
import type { S3ServerInfo } from '../../../src/testenv/index.js';

export const ROOT = join(import.meta.dirname, '../../..');
export const BUCKET = 'cairn-test';

export function s3Info(): S3ServerInfo {
  return inject('s3');
}

export const sha = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** A Storage for the S3 server; `secretAccessKey` overrides the right one. */
export function s3Storage(server: S3ServerInfo = s3Info(), overrides: { accessKeyId?: string; secretAccessKey?: string; partSize?: number } = {}): Storage {
  return createStorage({
    allowFileUrls: true,
    s3: {
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      accessKeyId: overrides.accessKeyId ?? server.accessKeyId,
      secretAccessKey: overrides.secretAccessKey ?? server.secretAccessKey,
      partSize: overrides.partSize,
    },
  });
}

/** The environment a pod gets for the S3 server (docs/contracts.md §1). */
export function s3Env(server: S3ServerInfo = s3Info()): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    AWS_REGION: server.region,
    CAIRN_S3_ENDPOINT: server.endpoint,
    CAIRN_S3_PATH_STYLE: 'true',
  };
}

/** A unique key prefix per test. */
export function prefix(name: string): string {
  return `${name}-${randomBytes(4).toString('hex')}`;
}

/** `size` pseudo-random bytes in 1 MiB chunks (fast, and no two chunks alike). */
export function generated(size: number, seed = randomBytes(16)): { stream: () => Readable; sha256: string } {
  const chunk = 1024 * 1024;
  const block = (i: number): Buffer => {
    const b = Buffer.allocUnsafe(Math.min(chunk, size - i * chunk));
    const h = createHash('sha256').update(seed).update(String(i)).digest();
    for (let o = 0; o < b.length; o += h.length) h.copy(b, o, 0, Math.min(h.length, b.length - o));
    return b;
  };
  const count = Math.ceil(size / chunk);
  const hash = createHash('sha256');
  for (let i = 0; i < count; i++) hash.update(block(i));
  return {
    sha256: hash.digest('hex'),
    stream: () => Readable.from((function* () { for (let i = 0; i < count; i++) yield block(i); })()),
  };
}

export async function reasonOf(promise: Promise<unknown>): Promise<{ reason: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof StorageError)) throw error;
    return { reason: error.reason, message: error.message };
  }
  throw new Error('did not fail');
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cairn ...args` as a child process with only `env` (plus PATH and HOME); `onStart` gets the child. */
export function cairn(args: string[], env: Record<string, string> = {}, onStart?: (pid: number) => void): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/cairn.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    if (child.pid !== undefined) onStart?.(child.pid);
  });
}

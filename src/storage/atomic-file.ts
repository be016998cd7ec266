/**
 * Atomic file writes: the bytes go to a temporary file beside the target (same folder, so the same file
 * system), are flushed to disk, checked, and only then renamed over the target. A failure or a failed check
 * deletes the temporary file: the target is either the complete new file or untouched.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FileWriter } from './file-writer.js';

/** Marks temporary files, so listings can leave them out. */
export const TEMP_SUFFIX = '.cairn-tmp';

/** A fresh temporary path beside `target`: hidden, unique, and recognisable by its suffix. */
export function tempPathBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

export function isTempFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
}

/** Flushes a folder's entries (the rename) to disk; best effort, as some file systems refuse it. */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // not supported here (e.g. some network file systems): the rename is still atomic, only less durable
  }
}

export interface AtomicWriteOptions {
  signal?: AbortSignal;
  /** Called with each chunk of `body` once it is written (ObjectStream.recycle). */
  recycle?: (chunk: Buffer) => void;
  /**
   * Flush the file to disk before the rename (default true), so that after a crash of the machine the target is
   * the old file or the complete new one. Without it the rename is just as atomic for every reader; only a
   * crash could leave the new name with missing bytes.
   */
  durable?: boolean;
}

/**
 * Streams `body` into `target` atomically. `beforeCommit` runs after the last byte is written and before the
 * rename; if it throws, nothing is renamed and the bytes are deleted. Creates missing parent folders.
 */
export async function writeFileAtomic(target: string, body: Readable, beforeCommit: () => void | Promise<void>, options: AtomicWriteOptions = {}): Promise<void> {
  const durable = options.durable ?? true;
  await mkdir(dirname(target), { recursive: true });
  const temp = tempPathBeside(target);
  const handle = await open(temp, 'wx', 0o644);
  let closed = false;
  try {
    await pipeline(body, new FileWriter(handle.fd, options.recycle), { signal: options.signal });
    // flushed before the rename, so the rename never publishes bytes still only in the page cache
    if (durable) await handle.sync();
    await handle.close();
    closed = true;
    await beforeCommit();
    await rename(temp, target);
  } catch (error) {
    if (!closed) await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
  if (durable) await syncDir(dirname(target));
}

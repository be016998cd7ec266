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

/**
 * Streams `body` into `target` atomically. `beforeCommit` runs after the last byte is on disk and before the
 * rename; if it throws, nothing is renamed and the bytes are deleted. Creates missing parent folders.
 */
export async function writeFileAtomic(target: string, body: Readable, beforeCommit: () => void | Promise<void>, options: { signal?: AbortSignal } = {}): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const temp = tempPathBeside(target);
  const handle = await open(temp, 'wx', 0o644);
  try {
    // flush: fsync before the stream closes the file, so the rename never publishes bytes still in the page cache
    await pipeline(body, handle.createWriteStream({ flush: true, highWaterMark: 1024 * 1024 }), { signal: options.signal });
    await beforeCommit();
    await rename(temp, target);
  } catch (error) {
    await handle.close().catch(() => undefined); // already closed unless the stream never took it
    await rm(temp, { force: true });
    throw error;
  }
  await syncDir(dirname(target));
}

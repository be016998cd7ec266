/**
 * fetchVerified: downloads an object to a local file and makes it visible only if its sha256 is the expected
 * one. The bytes go to a temporary file beside the target; a mismatch (ChecksumMismatch) or any failure
 * deletes them, so the target is never a partial or unverified file.
 */
import { writeFileAtomic } from './atomic-file.js';
import { parseSha256 } from './digest.js';
import { ChecksumMismatchError, StorageError } from './errors.js';
import type { Storage } from './types.js';
import { displayUri } from './uri.js';

export interface FetchVerifiedOptions {
  /** The expected sha256 (64 hex digits, optionally `sha256:`-prefixed). */
  sha256: string;
  /** The file to create or replace. */
  to: string;
  maxBytes?: number;
  signal?: AbortSignal;
  /**
   * Flush to disk before the rename (default false). The rename is atomic for every reader either way; only a
   * crash of the machine could leave the name with missing bytes, and what fetch writes is a verified copy
   * that is fetched again whenever it is needed. The flush would cost about as much as the download.
   */
  durable?: boolean;
}

export interface FetchVerifiedResult {
  uri: string;
  path: string;
  size: number;
  sha256: string;
}

export async function fetchVerified(storage: Storage, uri: string, options: FetchVerifiedOptions): Promise<FetchVerifiedResult> {
  const expected = parseSha256(options.sha256);
  if (expected === undefined) throw new TypeError('fetchVerified: sha256 must be 64 hex digits');
  const shown = displayUri(uri);
  const { stream, recycle } = await storage.read(uri, { maxBytes: options.maxBytes, signal: options.signal });
  try {
    const verify = (): void => {
      if (stream.sha256 !== expected) throw new ChecksumMismatchError(shown, expected, stream.sha256);
    };
    await writeFileAtomic(options.to, stream, verify, { signal: options.signal, durable: options.durable ?? false, recycle });
  } catch (error) {
    if (!stream.destroyed) stream.destroy();
    if (error instanceof StorageError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === 'ABORT_ERR') throw new StorageError('Interrupted', `The transfer of ${shown} was cancelled`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new StorageError('AccessDenied', `Cannot write ${options.to} (${String(code)})`);
    if (code === 'ENOSPC' || code === 'EDQUOT') throw new StorageError('TooLarge', `No space left to write ${options.to} (${String(code)})`);
    throw new StorageError('Interrupted', `Writing ${options.to} failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  return { uri: shown, path: options.to, size: stream.bytes, sha256: stream.sha256 };
}

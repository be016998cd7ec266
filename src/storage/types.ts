/**
 * The storage interface every caller uses (the `cairn fetch` / `cairn upload` commands, later the controllers'
 * pods), and the backend interface each scheme implements behind it.
 */
import type { Readable } from 'node:stream';
import type { DigestStream } from './digest.js';
import type { StorageError } from './errors.js';
import type { StorageUri } from './uri.js';

export interface ObjectInfo {
  /** The object's URI. */
  uri: string;
  size: number;
  /** The store's entity tag, without quotes, when it has one (s3, https). */
  etag?: string;
  /** The sha256 (hex) when the store knows it: recorded at upload (s3 metadata `sha256`) or announced by the server. */
  sha256?: string;
  lastModified?: Date;
}

export interface ReadOptions {
  /** Most bytes accepted (default: the storage's maxBytes). */
  maxBytes?: number;
  signal?: AbortSignal;
  /** Compute `stream.sha256` on the way (default true). Off when the consumer hashes the bytes itself. */
  hash?: boolean;
}

export interface ObjectStream {
  /**
   * The object's bytes, hashed and counted on the way (`stream.sha256` and `stream.bytes` once it ended). Errors
   * it emits are StorageErrors (TooLarge, Interrupted, ...).
   */
  stream: DigestStream;
  /** The size the store announced, when it did. */
  size?: number;
  /**
   * Optional: hands a chunk of `stream` back once the consumer is completely done with it (written, hashed),
   * so a later read can reuse its memory. A consumer that never calls it loses nothing.
   */
  recycle?: (chunk: Buffer) => void;
}

export interface WriteOptions {
  /** The expected sha256: a different one fails the write (ChecksumMismatch) before anything becomes visible. */
  sha256?: string;
  /** The expected size: fewer bytes fail the write (Interrupted), more fail it (TooLarge). */
  size?: number;
  /** Most bytes accepted (default: the storage's maxBytes). */
  maxBytes?: number;
  signal?: AbortSignal;
}

export interface WriteResult {
  uri: string;
  size: number;
  sha256: string;
}

export interface Storage {
  /** Opens an object for reading. Throws NotFound, AccessDenied, Unreachable, TooLarge, InvalidUri. */
  read(uri: string, options?: ReadOptions): Promise<ObjectStream>;
  /** Size, etag and sha256 (when known) of an object. */
  stat(uri: string, options?: { signal?: AbortSignal }): Promise<ObjectInfo>;
  /** Every object under a prefix (s3: a key prefix; file and pvc: a folder, recursively), in no set order. */
  list(prefix: string, options?: { signal?: AbortSignal }): AsyncIterable<ObjectInfo>;
  /**
   * Writes an object atomically: it becomes visible complete or not at all (file and pvc: a temporary file
   * renamed at the end; s3: one PUT, or a multipart upload completed only at the end and aborted on failure).
   * https is read-only.
   */
  write(uri: string, source: Readable, options?: WriteOptions): Promise<WriteResult>;
  /** Closes pooled connections. */
  close(): void;
}

/** What a backend needs to know when a write may be committed: called after the last byte, before commit. */
export interface CommitCheck {
  /** Throws (ChecksumMismatch) when the bytes must not become visible. */
  beforeCommit(): void;
  signal?: AbortSignal;
  /** The sha256 the caller declared, known before the first byte (s3 records it as metadata). */
  sha256?: string;
}

export type ErrorPhase = 'open' | 'transfer' | 'write' | 'stat' | 'list';

/** One scheme's implementation. URIs arrive parsed and validated. */
export interface Backend {
  open(uri: StorageUri, options: { signal?: AbortSignal }): Promise<{ body: Readable; size?: number; recycle?: (chunk: Buffer) => void }>;
  stat(uri: StorageUri, options: { signal?: AbortSignal }): Promise<ObjectInfo>;
  list(prefix: StorageUri, options: { signal?: AbortSignal }): AsyncIterable<ObjectInfo>;
  write(uri: StorageUri, body: DigestStream, check: CommitCheck): Promise<void>;
  /** Any error of this backend as a StorageError; `uri` is displayable. */
  mapError(error: unknown, uri: string, phase: ErrorPhase): StorageError;
  close(): void;
}

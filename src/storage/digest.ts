/**
 * The pass-through every read goes through: it computes the sha256 and counts bytes on the way, refuses more
 * than `maxBytes` (TooLarge) and, when the source announced its size, fewer bytes than announced (Interrupted:
 * a connection that ended early must never look like a complete object).
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { StorageError } from './errors.js';

/** Normalizes a sha256 (64 hex digits, optionally `sha256:`-prefixed) to lower-case hex; undefined if malformed. */
export function parseSha256(value: string): string | undefined {
  const hex = value.startsWith('sha256:') ? value.slice(7) : value;
  return /^[0-9a-fA-F]{64}$/.test(hex) ? hex.toLowerCase() : undefined;
}

export interface DigestOptions {
  /** The URI shown in errors (already displayable). */
  uri: string;
  /** Most bytes accepted. */
  maxBytes: number;
  /** The size the source announced (Content-Length), when it did. */
  expectedSize?: number;
  /** Compute the sha256 (default true); off when the consumer hashes the bytes itself (FileSink). */
  hash?: boolean;
}

export class DigestStream extends Transform {
  private readonly hash: Hash | undefined;
  private count = 0;
  private hex: string | undefined;

  constructor(private readonly options: DigestOptions) {
    super({ highWaterMark: 1024 * 1024 });
    this.hash = options.hash === false ? undefined : createHash('sha256');
    // The source may fail before the consumer attaches (a write resolves its target first). The error stays on
    // the stream (`errored`), and pipeline() or iteration started later still rejects with it.
    this.on('error', () => undefined);
  }

  /** Bytes that passed so far. */
  get bytes(): number {
    return this.count;
  }

  /** The sha256 (hex) of everything that passed; only once the stream has ended. */
  get sha256(): string {
    if (this.hex === undefined) throw new Error(this.hash ? 'DigestStream: sha256 read before the stream ended' : 'DigestStream: made without hashing');
    return this.hex;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.count += chunk.length;
    if (this.count > this.options.maxBytes) {
      callback(new StorageError('TooLarge', `${this.options.uri} is larger than the limit of ${this.options.maxBytes} bytes`));
      return;
    }
    this.hash?.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const expected = this.options.expectedSize;
    if (expected !== undefined && this.count !== expected) {
      callback(new StorageError('Interrupted', `the transfer of ${this.options.uri} ended after ${this.count} of ${expected} bytes`));
      return;
    }
    this.hex = this.hash?.digest('hex');
    callback();
  }
}

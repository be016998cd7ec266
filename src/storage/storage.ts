/**
 * createStorage: one Storage over every scheme. It validates each URI (policy from the caller), loads a
 * scheme's backend only when first used (a pod fetching over https never loads the S3 SDK), hashes and limits
 * every byte read or written, and turns every failure into a StorageError.
 */
import type { Readable } from 'node:stream';
import type { HttpSettings } from './backends/http.js';
import type { S3Settings } from './backends/s3-client.js';
import type { UploadTuning } from './backends/s3-upload.js';
import { DigestStream, parseSha256 } from './digest.js';
import { ChecksumMismatchError, StorageError } from './errors.js';
import { shortCause } from './net-errors.js';
import type { Backend, ErrorPhase, ObjectInfo, ObjectStream, ReadOptions, Storage, WriteOptions, WriteResult } from './types.js';
import { displayUri, parseStorageUri, type StorageScheme, type StorageUri } from './uri.js';

export interface StorageConfig {
  /** Accept file:// URIs (the operator's --allow-file-urls; development only). */
  allowFileUrls: boolean;
  /** Where claims are mounted: pvc://<claim>/<path> is <pvcRoot>/<claim>/<path> (default /mnt/pvc). */
  pvcRoot?: string;
  /** Largest object read or written, in bytes (default 256 GiB). */
  maxBytes?: number;
  http?: HttpSettings;
  s3?: S3Settings & UploadTuning;
}

export const DEFAULT_PVC_ROOT = '/mnt/pvc';
export const DEFAULT_MAX_BYTES = 256 * 1024 ** 3;

type BackendKind = 'local' | 'http' | 's3';

function kindOf(scheme: StorageScheme): BackendKind {
  return scheme === 'file' || scheme === 'pvc' ? 'local' : scheme === 's3' ? 's3' : 'http';
}

/**
 * Pipes `source` into `target`, turning an error of the source (or its early end) into a StorageError on the
 * target, and ending the source when the target goes away first.
 */
function forward(source: Readable, target: DigestStream, mapError: (error: unknown) => StorageError): void {
  const fail = (error: unknown): void => {
    if (!target.destroyed) target.destroy(mapError(error));
  };
  source.once('error', fail);
  // An http response whose connection dies mid-body may only close, without 'error': that is no end either.
  source.once('close', () => {
    if (!source.readableEnded) fail(Object.assign(new Error('the connection closed early'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
  });
  target.once('close', () => {
    if (!source.destroyed) source.destroy();
  });
  source.pipe(target);
}

export function createStorage(config: StorageConfig): Storage {
  const policy = { allowFileUrls: config.allowFileUrls };
  const maxBytes = config.maxBytes ?? DEFAULT_MAX_BYTES;
  const loaded = new Map<BackendKind, Promise<Backend>>();

  const backend = (kind: BackendKind): Promise<Backend> => {
    let pending = loaded.get(kind);
    if (!pending) {
      pending =
        kind === 'local'
          ? import('./backends/local.js').then((m) => new m.LocalBackend(config.pvcRoot ?? DEFAULT_PVC_ROOT))
          : kind === 'http'
            ? import('./backends/http.js').then((m) => new m.HttpBackend(config.http))
            : import('./backends/s3.js').then((m) => new m.S3Backend(config.s3 ?? {}, config.s3));
      loaded.set(kind, pending);
    }
    return pending;
  };

  /** Runs `work` against the URI's backend, with every failure as a StorageError. */
  const withBackend = async <T>(uri: string, parsed: StorageUri, phase: ErrorPhase, work: (b: Backend, shown: string) => Promise<T>): Promise<T> => {
    const shown = displayUri(uri);
    const b = await backend(kindOf(parsed.scheme));
    try {
      return await work(b, shown);
    } catch (error) {
      throw b.mapError(error, shown, phase);
    }
  };

  return {
    async read(uri: string, options: ReadOptions = {}): Promise<ObjectStream> {
      const parsed = parseStorageUri(uri, policy);
      const limit = options.maxBytes ?? maxBytes;
      return withBackend(uri, parsed, 'open', async (b, shown) => {
        const opened = await b.open(parsed, { signal: options.signal });
        if (opened.size !== undefined && opened.size > limit) {
          opened.body.destroy();
          throw new StorageError('TooLarge', `${shown} has ${opened.size} bytes, more than the limit of ${limit}`);
        }
        const stream = new DigestStream({ uri: shown, maxBytes: limit, expectedSize: opened.size, hash: options.hash });
        forward(opened.body, stream, (error) => b.mapError(error, shown, 'transfer'));
        return { stream, size: opened.size, recycle: opened.recycle };
      });
    },

    async stat(uri: string, options: { signal?: AbortSignal } = {}): Promise<ObjectInfo> {
      const parsed = parseStorageUri(uri, policy);
      return withBackend(uri, parsed, 'stat', (b) => b.stat(parsed, options));
    },

    async *list(prefix: string, options: { signal?: AbortSignal } = {}): AsyncIterable<ObjectInfo> {
      const parsed = parseStorageUri(prefix, policy, { prefix: true });
      const shown = displayUri(prefix);
      const b = await backend(kindOf(parsed.scheme));
      try {
        yield* b.list(parsed, options);
      } catch (error) {
        throw b.mapError(error, shown, 'list');
      }
    },

    async write(uri: string, source: Readable, options: WriteOptions = {}): Promise<WriteResult> {
      const parsed = parseStorageUri(uri, policy);
      const expected = options.sha256 === undefined ? undefined : parseSha256(options.sha256);
      if (options.sha256 !== undefined && expected === undefined) throw new TypeError('write: sha256 must be 64 hex digits');
      return withBackend(uri, parsed, 'write', async (b, shown) => {
        const body = new DigestStream({ uri: shown, maxBytes: options.maxBytes ?? maxBytes, expectedSize: options.size });
        forward(source, body, (error) => (error instanceof StorageError ? error : new StorageError('Interrupted', `Reading the source of ${shown} failed: ${shortCause(error)}`)));
        const beforeCommit = (): void => {
          if (expected !== undefined && body.sha256 !== expected) throw new ChecksumMismatchError(shown, expected, body.sha256);
        };
        try {
          await b.write(parsed, body, { beforeCommit, signal: options.signal, sha256: expected });
        } finally {
          if (!body.destroyed) body.destroy();
        }
        return { uri, size: body.bytes, sha256: body.sha256 };
      });
    },

    close(): void {
      for (const pending of loaded.values()) void pending.then((b) => b.close(), () => undefined);
    },
  };
}

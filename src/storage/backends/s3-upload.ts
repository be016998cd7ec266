/**
 * Atomic S3 writes. A body of at most one part goes up in one PUT (S3 makes an object visible only once its
 * whole body arrived, and the PUT carries the sha256 for the store to check). A larger one is a multipart
 * upload whose parts go up a few at a time and which is completed only after the last byte was read and the
 * commit check passed; any failure aborts it, so no partial object ever appears.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { DigestStream } from '../digest.js';
import type { CommitCheck } from '../types.js';

export interface UploadTuning {
  /** Bytes per part (default 8 MiB; S3 needs at least 5 MiB for all parts but the last). */
  partSize?: number;
  /** Parts in flight at once (default 4). Memory is about (queueSize + 1) x partSize. */
  queueSize?: number;
}

/** The body in buffers of exactly `size` bytes, the last one shorter. */
export async function* parts(body: Readable, size: number): AsyncGenerator<Buffer> {
  let chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    length += chunk.length;
    while (length >= size) {
      const all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length);
      yield all.subarray(0, size);
      const rest = all.subarray(size);
      chunks = rest.length > 0 ? [rest] : [];
      length = rest.length;
    }
  }
  if (length > 0) yield Buffer.concat(chunks, length);
}

export async function uploadObject(client: S3Client, target: { bucket: string; key: string }, body: DigestStream, check: CommitCheck, tuning: UploadTuning = {}): Promise<void> {
  const partSize = tuning.partSize ?? 8 * 1024 * 1024;
  const queueSize = tuning.queueSize ?? 4;
  const { bucket: Bucket, key: Key } = target;
  const Metadata = check.sha256 ? { sha256: check.sha256 } : undefined;
  const source = parts(body, partSize);
  const first = await source.next();
  const second = first.done ? first : await source.next();
  if (second.done) {
    const bytes = first.done ? Buffer.alloc(0) : first.value;
    check.beforeCommit();
    await client.send(
      new PutObjectCommand({ Bucket, Key, Body: bytes, ContentLength: bytes.length, Metadata, ChecksumSHA256: Buffer.from(body.sha256, 'hex').toString('base64') }),
      { abortSignal: check.signal },
    );
    return;
  }

  const created = await client.send(new CreateMultipartUploadCommand({ Bucket, Key, Metadata }), { abortSignal: check.signal });
  const UploadId = created.UploadId;
  if (!UploadId) throw new Error('the store answered CreateMultipartUpload without an UploadId');
  const cancel = new AbortController();
  const onAbort = (): void => cancel.abort();
  check.signal?.addEventListener('abort', onAbort, { once: true });
  const completed: CompletedPart[] = [];
  const inflight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let number = 0;
  const launch = (bytes: Buffer): void => {
    const PartNumber = ++number;
    const sent: Promise<void> = client
      .send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: bytes, ContentLength: bytes.length }), { abortSignal: cancel.signal })
      .then(
        (answer) => void completed.push({ PartNumber, ETag: answer.ETag }),
        (error: unknown) => {
          failure ??= { error };
          cancel.abort();
        },
      )
      .finally(() => inflight.delete(sent));
    inflight.add(sent);
  };
  try {
    launch(first.value!);
    launch(second.value);
    for await (const bytes of source) {
      while (inflight.size >= queueSize && !failure) await Promise.race(inflight);
      if (failure) break;
      launch(bytes);
    }
    await Promise.all(inflight);
    if (failure) throw failure.error;
    check.beforeCommit();
    completed.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await client.send(new CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: completed } }), { abortSignal: check.signal });
  } catch (error) {
    cancel.abort();
    await Promise.allSettled(inflight);
    // Best effort: a store that cannot be reached now drops the parts by its own lifecycle rules.
    await client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
    throw failure && error === failure.error ? failure.error : error;
  } finally {
    check.signal?.removeEventListener('abort', onAbort);
  }
}

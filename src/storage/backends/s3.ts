/** s3:// on any S3-compatible store (AWS, versitygw, SeaweedFS, Ceph RGW, ...). */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { DigestStream } from '../digest.js';
import type { StorageError } from '../errors.js';
import type { Backend, CommitCheck, ErrorPhase, ObjectInfo } from '../types.js';
import type { StorageUri } from '../uri.js';
import { fastGet } from '../fast-get.js';
import { endpointName, makeS3Client, type S3Settings } from './s3-client.js';
import { s3Error } from './s3-errors.js';
import { signedGetObject } from './s3-signed-get.js';
import { uploadObject, type UploadTuning } from './s3-upload.js';

type S3Uri = Extract<StorageUri, { scheme: 's3' }>;

function s3(uri: StorageUri): S3Uri {
  if (uri.scheme !== 's3') throw new Error(`s3 backend got a ${uri.scheme} URI`);
  return uri;
}

function unquote(etag: string | undefined): string | undefined {
  return etag?.replace(/^"|"$/g, '');
}

export class S3Backend implements Backend {
  private readonly client: S3Client;
  private readonly endpoint: string;

  constructor(
    private readonly settings: S3Settings,
    private readonly tuning: UploadTuning = {},
  ) {
    this.client = makeS3Client(settings);
    this.endpoint = endpointName(settings);
  }

  /**
   * Reads through fastGet when the store has an endpoint of its own; any answer fastGet does not stream (an
   * error, a redirect) or a failure to connect makes the SDK ask again, and the SDK's answer is the one given.
   */
  async open(uri: StorageUri, options: { signal?: AbortSignal }): Promise<{ body: Readable; size?: number; recycle?: (chunk: Buffer) => void }> {
    const { bucket, key } = s3(uri);
    if (this.settings.endpoint && this.settings.forcePathStyle) {
      const fast = await this.openFast(bucket, key, options.signal);
      if (fast) return fast;
    }
    const answer = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: options.signal });
    const body = answer.Body as Readable | undefined;
    if (!body) throw new Error('the store answered GetObject without a body');
    return { body, size: answer.ContentLength };
  }

  private async openFast(bucket: string, key: string, signal?: AbortSignal): Promise<{ body: Readable; size?: number; recycle: (chunk: Buffer) => void } | undefined> {
    try {
      const { url, headers } = await signedGetObject(this.client, this.settings.endpoint!, bucket, key);
      const answer = await fastGet(url, headers, { signal, idleTimeoutMs: this.settings.idleTimeoutMs });
      const body = answer.body;
      return body ? { body, size: answer.size, recycle: (chunk) => body.recycle(chunk) } : undefined;
    } catch (error) {
      if ((error as { name?: unknown }).name === 'AbortError') throw error;
      return undefined;
    }
  }

  async stat(uri: StorageUri, options: { signal?: AbortSignal }): Promise<ObjectInfo> {
    const { bucket, key } = s3(uri);
    const answer = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: options.signal }).catch(async (error: unknown) => {
      throw (await this.explainHead404(bucket, key, error, options.signal)) ?? error;
    });
    const info: ObjectInfo = { uri: `s3://${bucket}/${key}`, size: answer.ContentLength ?? 0 };
    const etag = unquote(answer.ETag);
    if (etag) info.etag = etag;
    const sha256 = answer.Metadata?.sha256;
    if (sha256 && /^[0-9a-f]{64}$/.test(sha256)) info.sha256 = sha256;
    if (answer.LastModified) info.lastModified = answer.LastModified;
    return info;
  }

  /**
   * A HEAD answer has no body, so its 404 cannot say what was not found. Some stores (versitygw) answer an
   * unknown access key with 404 too; a one-byte GET carries the error code that tells the two apart.
   */
  private async explainHead404(bucket: string, key: string, error: unknown, signal?: AbortSignal): Promise<unknown> {
    if ((error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode !== 404) return undefined;
    try {
      const probe = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: 'bytes=0-0' }), { abortSignal: signal });
      (probe.Body as Readable | undefined)?.destroy();
      return undefined; // it exists after all (created since): keep the HEAD's answer
    } catch (explained) {
      return explained;
    }
  }

  async *list(prefix: StorageUri, options: { signal?: AbortSignal }): AsyncIterable<ObjectInfo> {
    const { bucket, key } = s3(prefix);
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key || undefined, ContinuationToken: token }), { abortSignal: options.signal });
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        const info: ObjectInfo = { uri: `s3://${bucket}/${object.Key}`, size: object.Size ?? 0 };
        const etag = unquote(object.ETag);
        if (etag) info.etag = etag;
        if (object.LastModified) info.lastModified = object.LastModified;
        yield info;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async write(uri: StorageUri, body: DigestStream, check: CommitCheck): Promise<void> {
    await uploadObject(this.client, s3(uri), body, check, this.tuning);
  }

  mapError(error: unknown, uri: string, phase: ErrorPhase): StorageError {
    return s3Error(error, uri, phase, this.endpoint);
  }

  close(): void {
    this.client.destroy();
  }
}

/**
 * A SigV4-signed GetObject request (URL and headers) for fastGet, with the credentials and region of the S3
 * client, so large objects are read without node:http. Path-style URLs on the configured endpoint only: the
 * case of S3-compatible stores. Without an endpoint (AWS itself) the SDK's own GetObject is used.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** The hash SignatureV4 wants (the SDK's Checksum shape) over node:crypto. */
class NodeSha256 {
  private readonly secret: string | Buffer | undefined;
  private hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.secret = secret === undefined || typeof secret === 'string' ? secret : ArrayBuffer.isView(secret) ? Buffer.from(secret.buffer, secret.byteOffset, secret.byteLength) : Buffer.from(secret);
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: Uint8Array | string): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** A key segment as S3 wants it in a path: RFC 3986 unreserved characters kept, everything else escaped. */
function escapeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export async function signedGetObject(client: S3Client, endpoint: string, bucket: string, key: string): Promise<{ url: URL; headers: Record<string, string> }> {
  const base = new URL(endpoint);
  const path = `${base.pathname.replace(/\/+$/, '')}/${bucket}/${key.split('/').map(escapeSegment).join('/')}`;
  const signer = new SignatureV4({
    service: 's3',
    region: await client.config.region(),
    credentials: client.config.credentials,
    sha256: NodeSha256,
    uriEscapePath: false, // S3 signs the path as sent, not escaped twice
    applyChecksum: false,
  });
  const signed = await signer.sign({
    method: 'GET',
    protocol: base.protocol,
    hostname: base.hostname,
    port: base.port ? Number(base.port) : undefined,
    path,
    query: {},
    headers: { host: base.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  });
  return { url: new URL(`${base.protocol}//${base.host}${path}`), headers: signed.headers };
}

/**
 * Storage over s3:// against the real S3-compatible server of the test environment (versitygw over a folder):
 * write (one PUT and multipart), stat, list, read and fetch; sha256 mismatch; wrong credentials; 404; a write
 * whose source fails never completes its multipart upload.
 */
import { ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedGetObject } from '../../../src/storage/backends/s3-signed-get.js';
import { fastGet } from '../../../src/storage/fast-get.js';
import { fetchVerified, type Storage } from '../../../src/storage/index.js';
import { BUCKET, generated, prefix, reasonOf, s3Info, s3Storage, sha } from './support.js';

let dir = '';
let storage: Storage;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-s3-'));
  storage = s3Storage(s3Info(), { partSize: 5 * 1024 * 1024 });
});
afterAll(async () => {
  storage?.close();
  await rm(dir, { recursive: true, force: true });
});

async function pendingUploads(keyPrefix: string): Promise<number> {
  const info = s3Info();
  const client = new S3Client({ endpoint: info.endpoint, region: info.region, forcePathStyle: true, credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey } });
  try {
    const answer = await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET, Prefix: keyPrefix }));
    return answer.Uploads?.length ?? 0;
  } finally {
    client.destroy();
  }
}

describe('s3 storage', () => {
  it('write (one PUT), stat with the sha256 recorded at upload, read, list', async () => {
    const p = prefix('small');
    const bytes = Buffer.from('taxi,fare\n1,2.5\n');
    const written = await storage.write(`s3://${BUCKET}/${p}/data.csv`, Readable.from([bytes]), { sha256: sha(bytes), size: bytes.length });
    expect(written).toEqual({ uri: `s3://${BUCKET}/${p}/data.csv`, size: bytes.length, sha256: sha(bytes) });
    const info = await storage.stat(`s3://${BUCKET}/${p}/data.csv`);
    expect(info).toMatchObject({ uri: `s3://${BUCKET}/${p}/data.csv`, size: bytes.length, sha256: sha(bytes) });
    expect(info.etag).toMatch(/^[0-9a-f]{32}$/);
    const { stream } = await storage.read(`s3://${BUCKET}/${p}/data.csv`);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe(bytes.toString());
    expect(stream.sha256).toBe(sha(bytes));

    await storage.write(`s3://${BUCKET}/${p}/sub/b.txt`, Readable.from([Buffer.from('b')]));
    await storage.write(`s3://${BUCKET}/${p}-other/c.txt`, Readable.from([Buffer.from('c')]));
    const listed: string[] = [];
    for await (const object of storage.list(`s3://${BUCKET}/${p}/`)) listed.push(`${object.uri} ${object.size}`);
    expect(listed.sort()).toEqual([`s3://${BUCKET}/${p}/data.csv ${bytes.length}`, `s3://${BUCKET}/${p}/sub/b.txt 1`]);
  });

  it('a multipart write of 23 MiB, then fetchVerified into a folder', async () => {
    const p = prefix('multipart');
    const body = generated(23 * 1024 * 1024 + 5);
    const written = await storage.write(`s3://${BUCKET}/${p}/model.onnx`, body.stream(), { sha256: body.sha256 });
    expect(written.sha256).toBe(body.sha256);
    const info = await storage.stat(`s3://${BUCKET}/${p}/model.onnx`);
    expect(info).toMatchObject({ size: 23 * 1024 * 1024 + 5, sha256: body.sha256 });
    expect(info.etag).toMatch(/-5$/); // five parts of 5 MiB
    const to = join(dir, 'fetched', 'model.onnx');
    await expect(fetchVerified(storage, `s3://${BUCKET}/${p}/model.onnx`, { sha256: body.sha256, to })).resolves.toMatchObject({ size: 23 * 1024 * 1024 + 5, sha256: body.sha256 });
    expect(sha(readFileSync(to))).toBe(body.sha256);
  });

  it('fetchVerified with a wrong sha256: ChecksumMismatch, nothing at the target', async () => {
    const p = prefix('mismatch');
    await storage.write(`s3://${BUCKET}/${p}/data.csv`, Readable.from([Buffer.from('real bytes')]));
    const to = join(dir, 'mismatch', 'data.csv');
    const { reason, message } = await reasonOf(fetchVerified(storage, `s3://${BUCKET}/${p}/data.csv`, { sha256: sha('expected bytes'), to }));
    expect(reason).toBe('ChecksumMismatch');
    expect(message).toContain(`expected ${sha('expected bytes')}`);
    expect(readdirSync(join(dir, 'mismatch'))).toEqual([]);
  });

  it('a write whose bytes differ from the declared sha256 never becomes an object (PUT and multipart)', async () => {
    const p = prefix('write-mismatch');
    await expect(reasonOf(storage.write(`s3://${BUCKET}/${p}/small`, Readable.from([Buffer.from('abc')]), { sha256: sha('abd') }))).resolves.toMatchObject({ reason: 'ChecksumMismatch' });
    const body = generated(12 * 1024 * 1024);
    await expect(reasonOf(storage.write(`s3://${BUCKET}/${p}/large`, body.stream(), { sha256: sha('not it') }))).resolves.toMatchObject({ reason: 'ChecksumMismatch' });
    await expect(reasonOf(storage.stat(`s3://${BUCKET}/${p}/small`))).resolves.toMatchObject({ reason: 'NotFound' });
    await expect(reasonOf(storage.stat(`s3://${BUCKET}/${p}/large`))).resolves.toMatchObject({ reason: 'NotFound' });
    expect(await pendingUploads(p)).toBe(0);
  });

  it('a write whose source fails after two parts is aborted: no object, no pending upload', async () => {
    const p = prefix('source-fails');
    const part = Buffer.alloc(5 * 1024 * 1024, 7);
    let sent = 0;
    const source = new Readable({
      read() {
        if (sent++ < 2) this.push(part);
        else this.destroy(Object.assign(new Error('read EIO'), { code: 'EIO' }));
      },
    });
    const { reason } = await reasonOf(storage.write(`s3://${BUCKET}/${p}/model.onnx`, source));
    expect(reason).toBe('Interrupted');
    await expect(reasonOf(storage.stat(`s3://${BUCKET}/${p}/model.onnx`))).resolves.toMatchObject({ reason: 'NotFound' });
    expect(await pendingUploads(p)).toBe(0);
    expect(existsSync(join(s3Info().dataDir, BUCKET, p, 'model.onnx'))).toBe(false);
  });

  it('wrong credentials are AccessDenied, and the message holds neither key', async () => {
    const info = s3Info();
    for (const overrides of [{ secretAccessKey: 'wrong-secret-value' }, { accessKeyId: 'AKIAWRONGKEYID', secretAccessKey: 'wrong-secret-value' }]) {
      const wrong = s3Storage(info, overrides);
      try {
        const attempts = [() => wrong.read(`s3://${BUCKET}/anything`), () => wrong.stat(`s3://${BUCKET}/anything`), () => wrong.write(`s3://${BUCKET}/anything`, Readable.from([Buffer.from('x')]))];
        for (const attempt of attempts) {
          const { reason, message } = await reasonOf(attempt());
          expect(reason).toBe('AccessDenied');
          expect(message).toMatch(/^Access denied to s3:\/\/cairn-test\/anything/);
          for (const secret of ['wrong-secret-value', 'AKIAWRONGKEYID', info.secretAccessKey]) expect(message).not.toContain(secret);
        }
      } finally {
        wrong.close();
      }
    }
  });

  it('a missing key or bucket is NotFound', async () => {
    await expect(reasonOf(storage.read(`s3://${BUCKET}/no/such/key`))).resolves.toMatchObject({ reason: 'NotFound', message: expect.stringMatching(/does not exist/) });
    await expect(reasonOf(storage.stat(`s3://${BUCKET}/no/such/key`))).resolves.toMatchObject({ reason: 'NotFound' });
    await expect(reasonOf(storage.read('s3://no-such-bucket/key'))).resolves.toMatchObject({ reason: 'NotFound' });
    await expect(reasonOf(fetchVerified(storage, `s3://${BUCKET}/no/such/key`, { sha256: sha(''), to: join(dir, 'missing', 'x') }))).resolves.toMatchObject({ reason: 'NotFound' });
  });

  it('the signed GET of the fast read path is accepted for keys with spaces, reserved and non-ASCII characters', async () => {
    const p = prefix('keys');
    const info = s3Info();
    const client = new S3Client({ endpoint: info.endpoint, region: info.region, forcePathStyle: true, credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey } });
    try {
      for (const name of ['plain.csv', 'a b+c(1)!*\'~.csv', 'é/日本/x=y&z;.bin']) {
        const bytes = Buffer.from(`bytes of ${name}`);
        await storage.write(`s3://${BUCKET}/${p}/${name}`, Readable.from([bytes]));
        const { url, headers } = await signedGetObject(client, info.endpoint, BUCKET, `${p}/${name}`);
        const answer = await fastGet(url, headers);
        expect(answer.status).toBe(200);
        const chunks: Buffer[] = [];
        for await (const chunk of answer.body!) chunks.push(chunk as Buffer);
        expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
        // and through Storage, whichever path it takes
        const to = join(dir, 'keys', p, 'x');
        await expect(fetchVerified(storage, `s3://${BUCKET}/${p}/${name}`, { sha256: sha(bytes), to })).resolves.toMatchObject({ size: bytes.length });
      }
    } finally {
      client.destroy();
    }
  });

  it('an object over the limit is TooLarge before a byte is written', async () => {
    const p = prefix('large');
    await storage.write(`s3://${BUCKET}/${p}/x`, Readable.from([Buffer.alloc(4096)]));
    const to = join(dir, 'limit', 'x');
    await expect(reasonOf(fetchVerified(storage, `s3://${BUCKET}/${p}/x`, { sha256: sha(Buffer.alloc(4096)), to, maxBytes: 1000 }))).resolves.toMatchObject({ reason: 'TooLarge' });
    expect(existsSync(join(dir, 'limit'))).toBe(false);
  });
});

/**
 * Compressed request bodies (issue 12, point 7) over real HTTP with the real ONNX Runtime: gzip and deflate
 * are decoded (tritonclient's request_compression_algorithm), the byte limit applies to the decoded size (just
 * under passes, just over and a zip bomb are 413), the nesting check sees the decoded bytes, corrupt data is a
 * 400 and any other Content-Encoding a 415. Each case is followed by a correct answer from the same server.
 */
import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, post, startServer, type TestServer } from './harness.js';
import { expected } from './models.js';

let server: TestServer;
const LIMIT = 64 * 1024;

beforeAll(async () => {
  server = await startServer('driver_elasticnet', { name: 'driver', limits: { maxBodyBytes: LIMIT } });
});
afterAll(async () => server?.close());

const want = () => expected().driver_elasticnet;
const v2Body = () => JSON.stringify({ inputs: [{ name: 'input', shape: [want().inputs.length, 3], datatype: 'FP32', data: want().inputs.flat() }] });
const send = (body: Uint8Array, encoding: string, path = '/v2/models/driver/infer') =>
  post(`${server.url}${path}`, body, { headers: { 'content-type': 'application/json', 'content-encoding': encoding } });

async function expectCorrectAnswer(): Promise<void> {
  const reply = await post(`${server.url}/v2/models/driver/infer`, v2Body());
  expect(reply.status).toBe(200);
  expect(close((reply.body.outputs as { data: number[] }[])[0]!.data, want().outputs.flat(), 1e-5)).toBe(true);
}

/** A V2 body padded with spaces to exactly `size` bytes. */
function padded(size: number): string {
  const body = v2Body();
  return body.slice(0, -1) + ' '.repeat(size - body.length) + '}';
}

describe('compressed request bodies', () => {
  it.each([
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['GZip', gzipSync],
  ] as const)('%s: decoded, the same predictions as numpy', async (encoding, compress) => {
    const reply = await send(compress(Buffer.from(v2Body())), encoding);
    expect(reply.status).toBe(200);
    expect(close((reply.body.outputs as { data: number[] }[])[0]!.data, want().outputs.flat(), 1e-5)).toBe(true);
    const v1 = await send(compress(Buffer.from(JSON.stringify({ instances: want().inputs }))), encoding, '/v1/models/driver:predict');
    expect(close(v1.body.predictions, want().outputs, 1e-5)).toBe(true);
  });

  it('the limit applies to the decoded size: exactly the limit passes, one byte more is 413 and closes the connection', async () => {
    const at = await send(gzipSync(Buffer.from(padded(LIMIT))), 'gzip');
    expect(at.status).toBe(200);
    const over = await send(gzipSync(Buffer.from(padded(LIMIT + 1))), 'gzip');
    expect(over).toMatchObject({ status: 413, body: { error: `body: the decoded (gzip) body exceeds the limit of ${LIMIT} bytes` } });
    expect(over.headers.get('connection')).toBe('close');
    await expectCorrectAnswer();
  });

  it('a zip bomb (40 MB of zeros in ~40 KB) is 413 as soon as it passes the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(40 << 20), { level: 9 });
    expect(bomb.length).toBeLessThan(LIMIT);
    const reply = await send(bomb, 'gzip');
    expect(reply).toMatchObject({ status: 413, body: { error: `body: the decoded (gzip) body exceeds the limit of ${LIMIT} bytes` } });
    await expectCorrectAnswer();
  });

  it('the nesting check sees the decoded bytes', async () => {
    const reply = await send(gzipSync(Buffer.from('['.repeat(50_000))), 'gzip');
    expect(reply.status).toBe(400);
    expect(reply.body.error).toContain('nest deeper than');
    await expectCorrectAnswer();
  });

  it.each([
    ['corrupt gzip', Buffer.from('not gzip at all'), 'gzip', 400, 'body: not valid gzip data ('],
    ['truncated gzip', gzipSync(Buffer.from(v2Body())).subarray(0, 20), 'gzip', 400, 'body: not valid gzip data ('],
    ['deflate that is gzip', gzipSync(Buffer.from(v2Body())), 'deflate', 400, 'body: not valid deflate data ('],
    ['brotli', Buffer.from(v2Body()), 'br', 415, 'body: Content-Encoding "br" is not supported; send the body uncompressed, gzip or deflate'],
    ['two encodings', Buffer.from(v2Body()), 'gzip, deflate', 415, 'body: Content-Encoding "gzip, deflate" is not supported'],
  ] as const)('%s: %d, then a correct answer', async (_name, body, encoding, status, error) => {
    const reply = await send(body, encoding);
    expect(reply.status).toBe(status);
    expect(reply.body.error as string).toContain(error);
    await expectCorrectAnswer();
  });

  it('identity is the uncompressed body', async () => {
    const reply = await send(Buffer.from(v2Body()), 'identity');
    expect(reply.status).toBe(200);
  });
});

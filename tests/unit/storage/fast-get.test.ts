/** fastGet against real loopback servers (http and https): what it streams, what it leaves to the full client. */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastGet } from '../../../src/storage/fast-get.js';

const big = randomBytes(5 * 1024 * 1024 + 11);
let dir = '';
let plain: http.Server;
let secure: https.Server;
let ca = '';
const seen: Array<http.IncomingHttpHeaders> = [];

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  seen.push(req.headers);
  switch (req.url) {
    case '/big':
      res.writeHead(200, { 'content-length': big.length, etag: '"e"' }).end(big);
      break;
    case '/empty':
      res.writeHead(200, { 'content-length': 0 }).end();
      break;
    case '/chunked':
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      res.end('abc');
      break;
    case '/denied':
      res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error><Code>AccessDenied</Code></Error>');
      break;
    case '/cut':
      res.writeHead(200, { 'content-length': big.length });
      res.write(big.subarray(0, 1024 * 1024), () => setTimeout(() => res.destroy(), 20));
      break;
    default:
      res.writeHead(404).end();
  }
}

async function listen(server: http.Server | https.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return String((server.address() as AddressInfo).port);
}

let httpBase = '';
let httpsBase = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-fastget-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
  plain = http.createServer(handler);
  secure = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: ca }, handler);
  httpBase = `http://127.0.0.1:${await listen(plain)}`;
  httpsBase = `https://127.0.0.1:${await listen(secure)}`;
});
afterAll(async () => {
  plain.closeAllConnections();
  secure.closeAllConnections();
  await Promise.all([new Promise((r) => plain.close(r)), new Promise((r) => secure.close(r))]);
  await rm(dir, { recursive: true, force: true });
});

async function drain(body: NodeJS.ReadableStream, recycle?: (chunk: Buffer) => void): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    recycle?.(chunk); // done with it at once: the next reads reuse its memory
  }
  return { sha256: hash.digest('hex'), bytes };
}

describe.each([
  ['http', () => httpBase, () => ({})],
  ['https', () => httpsBase, () => ({ ca })],
])('fastGet over %s', (_scheme, base, trust) => {
  it('streams a sized 2xx body, with its headers, sending ours', async () => {
    const answer = await fastGet(new URL(`${base()}/big`), { authorization: 'Bearer t' }, trust());
    expect(answer.status).toBe(200);
    expect(answer.size).toBe(big.length);
    expect(answer.headers.get('etag')).toBe('"e"');
    const body = answer.body!;
    expect(await drain(body, (chunk) => body.recycle(chunk))).toEqual({ sha256: createHash('sha256').update(big).digest('hex'), bytes: big.length });
    expect(seen.at(-1)).toMatchObject({ authorization: 'Bearer t', connection: 'close', 'accept-encoding': 'identity' });
  });

  it('an empty body ends at once', async () => {
    const answer = await fastGet(new URL(`${base()}/empty`), {}, trust());
    expect(await drain(answer.body!)).toMatchObject({ bytes: 0 });
  });

  it('leaves an error status, a chunked body or a 404 to the full client (no body)', async () => {
    for (const [path, status] of [['/denied', 403], ['/chunked', 200], ['/missing', 404]] as const) {
      const answer = await fastGet(new URL(`${base()}${path}`), {}, trust());
      expect(answer.status).toBe(status);
      expect(answer.body).toBeUndefined();
    }
  });

  it('a connection cut mid-body fails the body', async () => {
    const answer = await fastGet(new URL(`${base()}/cut`), {}, trust());
    await expect(drain(answer.body!)).rejects.toMatchObject({ code: expect.stringMatching(/ERR_STREAM_PREMATURE_CLOSE|ECONNRESET/) });
  });

  it('a cancelled GET rejects with AbortError', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(fastGet(new URL(`${base()}/big`), {}, { ...trust(), signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

it('a refused connection rejects (the caller then asks its full client)', async () => {
  const closed = http.createServer();
  const port = await listen(closed);
  await new Promise((r) => closed.close(r));
  await expect(fastGet(new URL(`http://127.0.0.1:${port}/x`), {})).rejects.toMatchObject({ code: 'ECONNREFUSED' });
});

it('an untrusted certificate rejects', async () => {
  await expect(fastGet(new URL(`${httpsBase}/big`), {})).rejects.toThrow(/self-signed|certificate/);
});

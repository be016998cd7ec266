/**
 * Storage over https against a real loopback https server (self-signed certificate): read, stat and fetch with
 * credentials; 401 -> AccessDenied, 404 -> NotFound; a body cut short -> Interrupted with nothing left; a
 * redirect to another origin does not carry the credentials; https is read-only; `cairn fetch` as a child.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStorage, fetchVerified, type Storage } from '../../../src/storage/index.js';
import { startHttpsFileServer, type HttpsFileServer } from './https-server.js';
import { cairn, reasonOf, sha } from './support.js';

const TOKEN = 'tok-3f9c2a';
let dir = '';
let server: HttpsFileServer;
let other: HttpsFileServer;
let storage: Storage;
const data = randomBytes(3 * 1024 * 1024 + 17);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-https-'));
  await Promise.all([mkdtemp(join(dir, 'a-')), mkdtemp(join(dir, 'b-'))]).then(async ([a, b]) => {
    [server, other] = await Promise.all([startHttpsFileServer(a), startHttpsFileServer(b)]);
  });
  server.put('/public/data.bin', data);
  server.put('/private/data.bin', data, `Bearer ${TOKEN}`);
  server.put('/basic/data.bin', data, `Basic ${Buffer.from('ann:pw').toString('base64')}`);
  server.cut('/cut/data.bin', data, 1024 * 1024);
  server.redirect('/moved/data.bin', '/public/data.bin');
  server.redirect('/away/data.bin', `${other.origin}/public/data.bin`);
  other.put('/public/data.bin', data);
  storage = createStorage({ allowFileUrls: false, http: { bearerToken: TOKEN, ca: server.ca + other.ca } });
});

afterAll(async () => {
  storage?.close();
  await Promise.all([server?.close(), other?.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('https storage', () => {
  it('reads with the sha256 computed on the way, and stats size, etag and the announced sha256', async () => {
    const { stream, size } = await storage.read(`${server.origin}/private/data.bin`);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(size).toBe(data.length);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    expect(stream.sha256).toBe(sha(data));
    expect(await storage.stat(`${server.origin}/private/data.bin`)).toMatchObject({ size: data.length, etag: sha(data).slice(0, 16), sha256: sha(data) });
  });

  it('fetchVerified writes the file only when it matches', async () => {
    const to = join(dir, 'ok', 'data.bin');
    await expect(fetchVerified(storage, `${server.origin}/private/data.bin`, { sha256: sha(data), to })).resolves.toMatchObject({ size: data.length });
    expect(readFileSync(to).equals(data)).toBe(true);
    const bad = join(dir, 'bad', 'data.bin');
    await expect(reasonOf(fetchVerified(storage, `${server.origin}/private/data.bin`, { sha256: sha('other'), to: bad }))).resolves.toMatchObject({ reason: 'ChecksumMismatch' });
    expect(readdirSync(join(dir, 'bad'))).toEqual([]);
  });

  it('basic credentials', async () => {
    const basic = createStorage({ allowFileUrls: false, http: { username: 'ann', password: 'pw', ca: server.ca } });
    try {
      expect((await basic.stat(`${server.origin}/basic/data.bin`)).size).toBe(data.length);
    } finally {
      basic.close();
    }
  });

  it('a wrong token is AccessDenied, and the message holds no credential', async () => {
    const wrong = createStorage({ allowFileUrls: false, http: { bearerToken: 'nope-secret', ca: server.ca } });
    try {
      const { reason, message } = await reasonOf(wrong.read(`${server.origin}/private/data.bin`));
      expect(reason).toBe('AccessDenied');
      expect(message).toMatch(/HTTP 401/);
      expect(message).not.toContain('nope-secret');
    } finally {
      wrong.close();
    }
  });

  it('404 is NotFound', async () => {
    await expect(reasonOf(storage.read(`${server.origin}/nothing/here.bin`))).resolves.toMatchObject({ reason: 'NotFound' });
    await expect(reasonOf(storage.stat(`${server.origin}/nothing/here.bin`))).resolves.toMatchObject({ reason: 'NotFound' });
  });

  it('a connection destroyed mid-body is Interrupted and leaves nothing at the target', async () => {
    const to = join(dir, 'cut', 'data.bin');
    const { reason, message } = await reasonOf(fetchVerified(storage, `${server.origin}/cut/data.bin`, { sha256: sha(data), to }));
    expect(reason).toBe('Interrupted');
    expect(message).toMatch(/interrupted|ended after/);
    expect(readdirSync(join(dir, 'cut'))).toEqual([]);
  });

  it('a server that is gone is Unreachable', async () => {
    const gone = await startHttpsFileServer(await mkdtemp(join(dir, 'gone-')));
    const origin = gone.origin;
    await gone.close();
    await expect(reasonOf(storage.stat(`${origin}/public/data.bin`))).resolves.toMatchObject({ reason: 'Unreachable' });
  });

  it('follows redirects; credentials go to the same origin only', async () => {
    expect((await storage.stat(`${server.origin}/moved/data.bin`)).size).toBe(data.length);
    const before = other.authorizations.length;
    expect((await storage.stat(`${server.origin}/away/data.bin`)).size).toBe(data.length);
    expect(other.authorizations.slice(before)).toEqual([undefined]);
  });

  it('is read-only and has no listing', async () => {
    await expect(reasonOf(storage.write(`${server.origin}/public/new.bin`, Readable.from([Buffer.from('x')])))).resolves.toMatchObject({ reason: 'InvalidUri', message: expect.stringMatching(/read-only/) });
    const listing = async (): Promise<void> => {
      for await (const _ of storage.list(`${server.origin}/public/`)) void _;
    };
    await expect(reasonOf(listing())).resolves.toMatchObject({ reason: 'InvalidUri' });
  });

  it('cairn fetch over https with a bearer token from the environment', async () => {
    const env = { CAIRN_HTTP_BEARER_TOKEN: TOKEN, NODE_EXTRA_CA_CERTS: server.caFile };
    const ok = await cairn(['fetch', `${server.origin}/private/data.bin`, '--sha256', sha(data), '--to', join(dir, 'cli')], env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ size: data.length, sha256: sha(data) });
    expect(readFileSync(join(dir, 'cli', 'data.bin')).equals(data)).toBe(true);

    const log = join(dir, 'termination-log');
    const denied = await cairn(['fetch', `${server.origin}/private/data.bin`, '--sha256', sha(data), '--to', join(dir, 'cli-denied')], { ...env, CAIRN_HTTP_BEARER_TOKEN: 'wrong', CAIRN_TERMINATION_LOG: log });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^cairn fetch: AccessDenied: Access denied to https:\/\/127\.0\.0\.1:\d+\/private\/data\.bin \(HTTP 401\)[^\n]*\n$/);
    expect(JSON.parse(readFileSync(log, 'utf8'))).toMatchObject({ reason: 'AccessDenied' });
  });
});

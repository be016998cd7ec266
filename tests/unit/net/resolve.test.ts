/**
 * `<svc>.<ns>.svc` for Cairn's own code: the service hosts file (parse, format) and the lookup in front of
 * dns.lookup, through real clients (node:http and fetch) against a server on loopback.
 */
import dns from 'node:dns';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installServiceResolver, resolveService, serviceLookup, uninstallServiceResolver } from '../../../src/net/resolve.js';
import { formatServiceHosts, isServiceHostname, parseServiceHosts, serviceName } from '../../../src/net/service-hosts.js';

describe('service names', () => {
  it.each([
    ['eta-canary.ml.svc', 'eta-canary.ml.svc'],
    ['eta-canary.ml.svc.cluster.local', 'eta-canary.ml.svc'],
    ['ETA-Canary.ML.svc.cluster.local.', 'eta-canary.ml.svc'],
    ['eta-canary.ml.svc.', 'eta-canary.ml.svc'],
    ['ml.svc', undefined],
    ['a.b.ml.svc', undefined],
    ['eta-canary.ml', undefined],
    ['example.com', undefined],
    ['-bad.ml.svc', undefined],
  ])('%s -> %s', (hostname, expected) => {
    expect(serviceName(hostname)).toBe(expected);
  });

  it.each([
    ['eta.ml.svc', true],
    ['eta.ml.svc.cluster.local', true],
    ['a.b.ml.svc', true],
    ['eta.ml', false],
    ['svc.example.com', false],
  ])('%s is answered by the service resolver: %s', (hostname, expected) => {
    expect(isServiceHostname(hostname)).toBe(expected);
  });
});

describe('the service hosts file', () => {
  it('formats sorted, deduplicated lines with both names, and parses them back', () => {
    const text = formatServiceHosts([
      { ip: '127.0.64.9', service: 'eta', namespace: 'ml' },
      { ip: '127.0.1.3', service: 'db', namespace: 'ml' },
      { ip: '127.0.1.2', service: 'db', namespace: 'ml' },
      { ip: '127.0.64.9', service: 'eta', namespace: 'ml' },
    ]);
    expect(text.split('\n').slice(1)).toEqual(['127.0.1.2 db.ml.svc db.ml.svc.cluster.local', '127.0.1.3 db.ml.svc db.ml.svc.cluster.local', '127.0.64.9 eta.ml.svc eta.ml.svc.cluster.local', '']);
    expect(parseServiceHosts(text)).toEqual(
      new Map([
        ['db.ml.svc', ['127.0.1.2', '127.0.1.3']],
        ['eta.ml.svc', ['127.0.64.9']],
      ]),
    );
  });

  it.each([
    ['comments and blank lines', '# header\n\n127.0.64.2 a.b.svc # trailing\n', [['a.b.svc', ['127.0.64.2']]]],
    ['a long name only', '127.0.64.2 a.b.svc.cluster.local\n', [['a.b.svc', ['127.0.64.2']]]],
    ['names that are not Services are ignored', '127.0.64.2 localhost a.b.svc\n127.0.0.1 example.com\n', [['a.b.svc', ['127.0.64.2']]]],
    ['an address without names', '127.0.64.2\n', []],
  ])('%s', (_what, text, expected) => {
    expect([...parseServiceHosts(text)]).toEqual(expected);
  });
});

describe('the service lookup', () => {
  let dir = '';
  let file = '';
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-resolve-'));
    file = join(dir, 'service-hosts');
    server = createServer((req, res) => res.end(`host=${req.headers.host}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
    await writeFile(file, formatServiceHosts([{ ip: '127.0.0.1', service: 'eta-canary', namespace: 'ml' }]));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => uninstallServiceResolver());

  function httpGet(url: string): Promise<string> {
    return new Promise((resolve, reject) => {
      get(url, { agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
  }

  it('answers Service names from the file, in the callback shapes dns.lookup has', async () => {
    const lookup = serviceLookup(file);
    const one = await new Promise((resolve) => lookup('eta-canary.ml.svc.cluster.local', {}, (error, address, family) => resolve({ error, address, family })));
    expect(one).toEqual({ error: null, address: '127.0.0.1', family: 4 });
    const all = await new Promise((resolve) => lookup('eta-canary.ml.svc', { all: true }, (error, address) => resolve({ error, address })));
    expect(all).toEqual({ error: null, address: [{ address: '127.0.0.1', family: 4 }] });
    const missing = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('nope.ml.svc', 4, (error) => resolve(error)));
    expect(missing).toMatchObject({ code: 'ENOTFOUND', hostname: 'nope.ml.svc' });
    const v6 = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('eta-canary.ml.svc', { family: 6 }, (error) => resolve(error)));
    expect(v6?.code).toBe('ENOTFOUND');
    const other = await new Promise((resolve) => lookup('localhost', { family: 4 }, (error, address) => resolve({ error, address })));
    expect(other).toEqual({ error: null, address: '127.0.0.1' });
  });

  it('installed, node:http and fetch reach http://eta-canary.ml.svc:<port>; a rewrite of the file is seen at once', async () => {
    expect(installServiceResolver({})).toBe(false);
    expect(installServiceResolver({ CAIRN_SERVICE_HOSTS: file })).toBe(true);
    expect(await httpGet(`http://eta-canary.ml.svc:${port}/`)).toBe(`host=eta-canary.ml.svc:${port}`);
    expect(await (await fetch(`http://eta-canary.ml.svc.cluster.local:${port}/`)).text()).toBe(`host=eta-canary.ml.svc.cluster.local:${port}`);
    await expect(httpGet(`http://late.ml.svc:${port}/`)).rejects.toMatchObject({ code: 'ENOTFOUND' });
    const next = `${file}.new`;
    await writeFile(next, formatServiceHosts([{ ip: '127.0.0.1', service: 'eta-canary', namespace: 'ml' }, { ip: '127.0.0.1', service: 'late', namespace: 'ml' }]));
    await rename(next, file);
    expect(await httpGet(`http://late.ml.svc:${port}/`)).toBe(`host=late.ml.svc:${port}`);
    expect(await dns.promises.lookup('late.ml.svc')).toEqual({ address: '127.0.0.1', family: 4 });
    expect(await resolveService('late.ml.svc', file)).toEqual(['127.0.0.1']);
  });

  it('without the file every Service name is ENOTFOUND (never sent to a DNS server); other names resolve as before', async () => {
    installServiceResolver({ CAIRN_SERVICE_HOSTS: join(dir, 'missing') });
    await expect(httpGet(`http://eta-canary.ml.svc:${port}/`)).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(await httpGet(`http://localhost:${port}/`)).toBe(`host=localhost:${port}`);
    uninstallServiceResolver();
    expect(await dns.promises.lookup('localhost', { family: 4 })).toEqual({ address: '127.0.0.1', family: 4 });
  });
});

/**
 * What HttpKubeClient sends for each kind of credentials, seen by a local HTTP server that only records requests
 * (the client's API behaviour is tested against a real API server in tests/integration/runtime). Also: the
 * operator's module graph and a token request never load @kubernetes/client-node; an exec user does, lazily.
 */
import '../../../src/runtime/kube/node-compat.js'; // before client-node (used here to build KubeConfigs)
import { KubeConfig } from '@kubernetes/client-node';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../../src/runtime/kube/auth.js';
import { restConfigFromClientNode } from '../../../src/runtime/kube/client-node-config.js';
import { loadRestConfig } from '../../../src/runtime/kube/config.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import type { RestConfig } from '../../../src/runtime/kube/rest-config.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const run = promisify(execFile);

describe('HttpKubeClient credentials', () => {
  let server: Server;
  let url = '';
  let dir = '';
  const seen: Array<{ url: string; headers: IncomingHttpHeaders; socket: number }> = [];
  const sockets: unknown[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-kubeauth-'));
    server = createServer((req, res) => {
      if (!sockets.includes(req.socket)) sockets.push(req.socket);
      seen.push({ url: req.url ?? '', headers: req.headers, socket: sockets.indexOf(req.socket) });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  async function headersOf(config: RestConfig | KubeConfig): Promise<IncomingHttpHeaders> {
    const before = seen.length;
    expect(await new HttpKubeClient(config).get(builtin.namespace, 'default')).toMatchObject({ metadata: { name: 'default' } });
    return seen[before]!.headers;
  }

  const base = (credentials: RestConfig['credentials'], extra: Partial<RestConfig> = {}): RestConfig => ({ server: url, tls: { insecure: false }, credentials, ...extra });

  it.each([
    { name: 'a token', config: () => base({ type: 'token', token: 't0k' }), authorization: 'Bearer t0k' },
    { name: 'basic auth', config: () => base({ type: 'basic', username: 'admin', password: 'pw' }), authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}` },
    { name: 'no credentials', config: () => base({ type: 'none' }), authorization: undefined },
  ])('sends $name', async ({ config, authorization }) => {
    const headers = await headersOf(config());
    expect(headers.authorization).toBe(authorization);
    expect(headers['user-agent']).toBe('cairn');
    expect(headers.accept).toBe('application/json');
  });

  it('sends the token of a token file and impersonation headers', async () => {
    writeFileSync(join(dir, 'token'), 'from-file\n');
    const headers = await headersOf(base({ type: 'tokenFile', path: join(dir, 'token') }, { impersonate: { user: 'jane', groups: ['a', 'b'] } }));
    expect(headers.authorization).toBe('Bearer from-file');
    expect(headers['impersonate-user']).toBe('jane');
    expect(headers['impersonate-group']).toBe('a, b');
  });

  it('reuses one connection for sequential requests', async () => {
    const kube = new HttpKubeClient(base({ type: 'none' }));
    const before = seen.length;
    for (let i = 0; i < 5; i++) await kube.get(builtin.namespace, 'default');
    expect(new Set(seen.slice(before).map((s) => s.socket)).size).toBe(1);
  });

  it('gets headers from @kubernetes/client-node for an exec plugin user', async () => {
    const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-exec' } });
    const file = join(dir, 'exec.kubeconfig');
    writeFileSync(
      file,
      JSON.stringify({
        'current-context': 'x',
        clusters: [{ name: 'c', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', `echo '${credential}'`], interactiveMode: 'Never' } } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      }),
    );
    const config = loadRestConfig({ kubeconfig: file });
    expect(config.credentials).toMatchObject({ type: 'clientNode', reason: 'exec plugin sh' });
    expect((await headersOf(config)).authorization).toBe('Bearer from-exec');
  });

  it('takes a client-node KubeConfig, read through its exported fields', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: `${url}/`, skipTLSVerify: false, caData: Buffer.from('CA').toString('base64'), tlsServerName: 'k8s' }],
      users: [{ name: 'u', token: 'kc-token', impersonateUser: 'bob' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    expect(restConfigFromClientNode(kc, () => Buffer.from(''))).toEqual({
      server: url,
      tls: { ca: Buffer.from('CA'), serverName: 'k8s', insecure: false },
      credentials: { type: 'token', token: 'kc-token' },
      impersonate: { user: 'bob' },
    });
    const headers = await headersOf(kc);
    expect(headers.authorization).toBe('Bearer kc-token');
    expect(headers['impersonate-user']).toBe('bob');

    const inCluster = new KubeConfig();
    inCluster.loadFromClusterAndUser({ name: 'c', server: url, skipTLSVerify: false }, { name: 'u', authProvider: { name: 'tokenFile', config: { tokenFile: '/sa/token' } } });
    expect(restConfigFromClientNode(inCluster, () => Buffer.from('')).credentials).toEqual({ type: 'tokenFile', path: '/sa/token' });
  });

  it('never loads @kubernetes/client-node for the operator and a token user (a fresh process refuses to resolve it)', async () => {
    const refuse = `export async function resolve(s, c, next) { if (s.startsWith('@kubernetes/client-node')) throw new Error('loaded ' + s); return next(s, c); }`;
    const script = `
      import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(refuse)}));
      await import(${JSON.stringify(join(root, 'src/operator/operator.ts'))});
      const { HttpKubeClient } = await import(${JSON.stringify(join(root, 'src/runtime/kube/http-client.ts'))});
      const config = { server: ${JSON.stringify(url)}, tls: { insecure: false }, credentials: { type: 'token', token: 't' } };
      const ns = await new HttpKubeClient(config).get({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false }, 'default');
      const exec = { ...config, credentials: { type: 'clientNode', reason: 'exec', kubeConfig: { cluster: { name: 'c', server: config.server, skipTLSVerify: true }, user: { name: 'u' } } } };
      const refused = await new HttpKubeClient(exec).get({ group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false }, 'default').catch((e) => e.message);
      process.stdout.write(JSON.stringify({ name: ns.metadata.name, refused }));
    `;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root });
    expect(JSON.parse(stdout)).toEqual({ name: 'default', refused: expect.stringContaining('loaded @kubernetes/client-node') });
  });
});

describe('HttpKubeClient over TLS', () => {
  let dir = '';
  let server: HttpsServer;
  let url = '';
  let pem: Buffer;
  let key: Buffer;
  /** TLS connections the server accepted, and the subject of the client certificate of each request. */
  let handshakes = 0;
  const clients: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-kubetls-'));
    // One self-signed certificate for 127.0.0.1: the server's, the CA the client trusts, and the client's own.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    pem = readFileSync(join(dir, 'cert.pem'));
    key = readFileSync(join(dir, 'key.pem'));
    server = createHttpsServer({ key, cert: pem, ca: pem, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      clients.push(String((req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? ''));
      res.setHeader('content-type', 'application/json');
      // A little later, so that the requests of a burst overlap.
      setTimeout(() => res.end(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } })), 20);
    });
    server.on('secureConnection', () => handshakes++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the server with the CA, sends the client certificate, and reuses the connections of a burst for the next', async () => {
    const kube = new HttpKubeClient({ server: url, tls: { ca: pem, cert: pem, key, insecure: false }, credentials: { type: 'none' } });
    const burst = () => Promise.all(Array.from({ length: 4 }, () => kube.get(builtin.namespace, 'default')));
    const before = handshakes;
    expect((await burst()).every((ns) => ns?.metadata?.name === 'default')).toBe(true);
    const opened = handshakes - before;
    expect(opened).toBeGreaterThan(1); // the requests overlapped
    await burst();
    await burst();
    expect(handshakes - before).toBe(opened);
    expect(clients.slice(-12).every((cn) => cn === '127.0.0.1')).toBe(true);
  });

  it('builds the TLS context once per client, not once per connection', () => {
    const agent = createAgent({ server: url, tls: { ca: pem, cert: pem, key, insecure: false }, credentials: { type: 'none' } });
    expect((agent as unknown as { options: { secureContext?: object } }).options.secureContext?.constructor.name).toBe('SecureContext');
  });

  it('refuses a server its CA did not sign', async () => {
    const kube = new HttpKubeClient({ server: url, tls: { insecure: false }, credentials: { type: 'none' } });
    await expect(kube.get(builtin.namespace, 'default')).rejects.toThrow(/self-signed|certificate/);
  });
});

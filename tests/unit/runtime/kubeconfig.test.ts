/**
 * Cairn's own kubeconfig and in-cluster loading (src/runtime/kube): pure, files come from an in-memory map.
 */
import { describe, expect, it } from 'vitest';
import { loadRestConfig } from '../../../src/runtime/kube/config.js';
import { inClusterConfig } from '../../../src/runtime/kube/in-cluster.js';
import { mergeKubeconfigs, parseKubeconfig, restConfigFromKubeconfig, type ReadFile } from '../../../src/runtime/kube/kubeconfig.js';
import type { RestConfig } from '../../../src/runtime/kube/rest-config.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function files(map: Record<string, string>): ReadFile {
  return (path) => {
    if (!(path in map)) throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
    return Buffer.from(map[path]!);
  };
}

const disk = files({
  '/etc/kube/ca.pem': 'CA-FILE',
  '/etc/kube/pki/admin.crt': 'CERT-FILE',
  '/etc/kube/pki/admin.key': 'KEY-FILE',
});

/** A kubeconfig with one context `ctx` over `cluster` and `user` (YAML is JSON). */
function kubeconfig(cluster: Record<string, unknown>, user?: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'ctx',
    clusters: [{ name: 'c', cluster: { server: 'https://k8s.example:6443', ...cluster } }],
    users: user ? [{ name: 'u', user }] : [],
    contexts: [{ name: 'ctx', context: { cluster: 'c', ...(user ? { user: 'u' } : {}) } }],
    ...extra,
  });
}

function resolve(text: string, context?: string): RestConfig {
  return restConfigFromKubeconfig(parseKubeconfig(text, '/etc/kube'), { context, readFile: disk });
}

describe('restConfigFromKubeconfig', () => {
  const cases: Array<{ name: string; cluster?: Record<string, unknown>; user?: Record<string, unknown>; want: Partial<RestConfig> }> = [
    {
      name: 'certificate data (base64, inline)',
      cluster: { 'certificate-authority-data': b64('CA-DATA') },
      user: { 'client-certificate-data': b64('CERT-DATA'), 'client-key-data': b64('KEY-DATA') },
      want: { tls: { ca: Buffer.from('CA-DATA'), cert: Buffer.from('CERT-DATA'), key: Buffer.from('KEY-DATA'), insecure: false }, credentials: { type: 'none' } },
    },
    {
      name: 'certificate files, relative to the kubeconfig directory or absolute',
      cluster: { 'certificate-authority': '/etc/kube/ca.pem' },
      user: { 'client-certificate': 'pki/admin.crt', 'client-key': 'pki/admin.key' },
      want: { tls: { ca: Buffer.from('CA-FILE'), cert: Buffer.from('CERT-FILE'), key: Buffer.from('KEY-FILE'), insecure: false } },
    },
    {
      name: 'data wins over a file',
      cluster: { 'certificate-authority': 'missing.pem', 'certificate-authority-data': b64('CA-DATA') },
      want: { tls: { ca: Buffer.from('CA-DATA'), insecure: false } },
    },
    {
      name: 'a static token',
      user: { token: 'abc' },
      want: { credentials: { type: 'token', token: 'abc' } },
    },
    {
      name: 'tokenFile wins over token and is kept as a path (re-read while running)',
      user: { token: 'abc', tokenFile: 'tokens/t' },
      want: { credentials: { type: 'tokenFile', path: '/etc/kube/tokens/t' } },
    },
    {
      name: 'username and password',
      user: { username: 'admin', password: 's3cret' },
      want: { credentials: { type: 'basic', username: 'admin', password: 's3cret' } },
    },
    {
      name: 'insecure-skip-tls-verify and tls-server-name',
      cluster: { 'insecure-skip-tls-verify': true, 'tls-server-name': 'kubernetes.default' },
      want: { tls: { insecure: true, serverName: 'kubernetes.default' } },
    },
    {
      name: 'impersonation',
      user: { token: 't', as: 'jane', 'as-groups': ['dev', 'ops'] },
      want: { impersonate: { user: 'jane', groups: ['dev', 'ops'] } },
    },
    {
      name: 'a trailing slash of the server is dropped, a path prefix kept',
      cluster: { server: 'https://rancher.example/k8s/clusters/c-1/' },
      want: { server: 'https://rancher.example/k8s/clusters/c-1' },
    },
    {
      name: 'a context without a user has no credentials',
      want: { server: 'https://k8s.example:6443', tls: { insecure: false }, credentials: { type: 'none' } },
    },
  ];
  it.each(cases)('$name', ({ cluster, user, want }) => {
    expect(resolve(kubeconfig(cluster ?? {}, user))).toMatchObject(want);
  });

  it.each([
    { name: 'an exec plugin', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws', args: ['eks', 'get-token'] } }, reason: 'exec plugin aws' },
    { name: 'an auth-provider', user: { 'auth-provider': { name: 'oidc', config: { 'idp-issuer-url': 'https://idp' } } }, reason: 'auth-provider oidc' },
    { name: 'a proxy-url', cluster: { 'proxy-url': 'socks5://proxy:1080' }, user: { token: 't' }, reason: 'proxy-url' },
  ])('falls back to @kubernetes/client-node for $name, with absolute paths', ({ cluster, user, reason }) => {
    const config = resolve(kubeconfig({ 'certificate-authority': 'ca.pem', ...cluster }, { ...user, 'client-key': 'k.pem' }));
    expect(config.credentials).toMatchObject({
      type: 'clientNode',
      reason,
      kubeConfig: { cluster: { name: 'c', server: 'https://k8s.example:6443', caFile: '/etc/kube/ca.pem' }, user: { name: 'u', keyFile: '/etc/kube/k.pem' } },
    });
  });

  it('uses --context over current-context', () => {
    const text = JSON.stringify({
      'current-context': 'a',
      clusters: [
        { name: 'ca', cluster: { server: 'https://a:6443' } },
        { name: 'cb', cluster: { server: 'https://b:6443' } },
      ],
      contexts: [
        { name: 'a', context: { cluster: 'ca' } },
        { name: 'b', context: { cluster: 'cb' } },
      ],
    });
    expect(resolve(text).server).toBe('https://a:6443');
    expect(resolve(text, 'b').server).toBe('https://b:6443');
  });

  it.each([
    { name: 'a missing context', text: kubeconfig({}), context: 'prod', error: 'The kubeconfig has no context "prod" (it has: ctx)' },
    { name: 'no current-context', text: kubeconfig({}, undefined, { 'current-context': '' }), error: 'The kubeconfig has no current-context: choose one with --context' },
    {
      name: 'a context naming a missing cluster',
      text: JSON.stringify({ 'current-context': 'x', contexts: [{ name: 'x', context: { cluster: 'gone' } }] }),
      error: 'Context "x" refers to cluster "gone", which the kubeconfig does not define',
    },
    {
      name: 'a context naming a missing user',
      text: JSON.stringify({ 'current-context': 'x', clusters: [{ name: 'c', cluster: { server: 'https://k' } }], contexts: [{ name: 'x', context: { cluster: 'c', user: 'nobody' } }] }),
      error: 'Context "x" refers to user "nobody", which the kubeconfig does not define',
    },
    { name: 'a certificate without its key', text: kubeconfig({}, { 'client-certificate-data': b64('C') }), error: 'User "u" has a client certificate without a key' },
    { name: 'an unreadable file', text: kubeconfig({ 'certificate-authority': 'nope.pem' }), error: 'Cannot read the certificate authority of cluster "c" (/etc/kube/nope.pem)' },
    { name: 'a cluster without a server', text: kubeconfig({ server: '' }), error: 'Cluster "c" has no server' },
  ])('explains $name', ({ text, context, error }) => {
    expect(() => resolve(text, context)).toThrow(error);
  });

  it('refuses what is not a kubeconfig', () => {
    expect(() => parseKubeconfig('[1, 2]', '/')).toThrow('is not a kubeconfig');
    expect(() => parseKubeconfig('clusters: {a: 1}', '/')).toThrow('clusters is not a list');
    expect(() => parseKubeconfig('users: [{user: {}}]', '/')).toThrow('users[0] has no name');
    expect(() => parseKubeconfig('key: [unclosed', '/')).toThrow('is not valid YAML');
  });
});

describe('mergeKubeconfigs', () => {
  it('keeps the first definition of each name and the first current-context, with each entry relative to its own file', () => {
    const a = parseKubeconfig(JSON.stringify({ clusters: [{ name: 'c', cluster: { server: 'https://a', 'certificate-authority': 'ca.pem' } }] }), '/etc/kube');
    const b = parseKubeconfig(
      JSON.stringify({
        'current-context': 'ctx',
        clusters: [{ name: 'c', cluster: { server: 'https://b' } }],
        users: [{ name: 'u', user: { 'client-certificate': 'admin.crt', 'client-key': 'admin.key' } }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
      }),
      '/etc/kube/pki',
    );
    const config = restConfigFromKubeconfig(mergeKubeconfigs([a, b]), { readFile: disk });
    expect(config.server).toBe('https://a');
    expect(config.tls).toMatchObject({ ca: Buffer.from('CA-FILE'), cert: Buffer.from('CERT-FILE'), key: Buffer.from('KEY-FILE') });
  });
});

describe('inClusterConfig', () => {
  const sa = files({ '/sa/ca.crt': 'CLUSTER-CA' });

  it('reads the service account: server from the env, CA now, token file later', () => {
    expect(inClusterConfig({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, sa, '/sa')).toEqual({
      server: 'https://10.96.0.1:443',
      tls: { ca: Buffer.from('CLUSTER-CA'), insecure: false },
      credentials: { type: 'tokenFile', path: '/sa/token' },
    });
  });

  it('brackets an IPv6 host and explains a missing CA', () => {
    expect(inClusterConfig({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, sa, '/sa').server).toBe('https://[fd00::1]:443');
    expect(() => inClusterConfig({ KUBERNETES_SERVICE_HOST: 'h', KUBERNETES_SERVICE_PORT: '443' }, files({}), '/sa')).toThrow('Cannot read the service account CA (/sa/ca.crt)');
  });
});

describe('loadRestConfig', () => {
  const home = kubeconfig({ server: 'https://home:6443' });
  const explicit = kubeconfig({ server: 'https://explicit:6443' });
  const fs = files({ '/home/me/.kube/config': home, '/k/explicit': explicit, '/k/a': kubeconfig({ server: 'https://a:6443' }), '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt': 'CA' });
  const inPod = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443', HOME: '/home/me' };

  it('prefers --kubeconfig, then the service account, then KUBECONFIG, then ~/.kube/config', () => {
    expect(loadRestConfig({ kubeconfig: '/k/explicit' }, inPod, fs).server).toBe('https://explicit:6443');
    expect(loadRestConfig({}, inPod, fs).server).toBe('https://10.0.0.1:443');
    expect(loadRestConfig({}, { HOME: '/home/me', KUBECONFIG: '/k/missing:/k/a' }, fs).server).toBe('https://a:6443');
    expect(loadRestConfig({}, { HOME: '/home/me' }, fs).server).toBe('https://home:6443');
  });

  it('takes a --context from the kubeconfig files even in a pod', () => {
    expect(loadRestConfig({ context: 'ctx' }, inPod, fs).server).toBe('https://home:6443');
  });

  it('says what it tried when there is nothing to load', () => {
    expect(() => loadRestConfig({}, { HOME: '/nowhere' }, fs)).toThrow('No Kubernetes configuration: not in a cluster and no kubeconfig at /nowhere/.kube/config');
    expect(() => loadRestConfig({ kubeconfig: '/k/missing' }, {}, fs)).toThrow('Cannot read the kubeconfig /k/missing');
  });
});

import { describe, expect, it } from 'vitest';
import { gitWebhookRoutes, type GitWebhookCallbacks } from '../../../src/runtime/http/git-webhook.js';
import { buildServer } from '../../../src/runtime/http/server.js';
import { githubSignature } from '../../../src/runtime/http/signature.js';
import { captureLogger, metrics } from './helpers.js';

async function server(opts: { ready?: boolean; secret?: string; lookupFails?: boolean; triggerFails?: boolean; name?: string } = {}) {
  const m = metrics();
  const triggered: string[] = [];
  const callbacks: GitWebhookCallbacks = {
    lookupSecret: async (ns, name) => {
      if (opts.lookupFails) throw new Error('secrets "x" is forbidden');
      return ns === 'ml' && name === (opts.name ?? 'cfg') ? opts.secret : undefined;
    },
    triggerSync: async (ns, name) => {
      if (opts.triggerFails) throw new Error('the server could not find the requested resource (patch gitsources.cairn.dev cfg)');
      triggered.push(`${ns}/${name}`);
    },
  };
  const { log, lines } = captureLogger('info');
  m.metrics.reconcileTotal.inc({ controller: 'gitsource', result: 'success' });
  const app = await buildServer({
    registry: m.registry,
    log,
    health: { live: () => true, ready: () => ({ ready: opts.ready ?? true, informersSynced: opts.ready ?? true }) },
    routes: [gitWebhookRoutes({ callbacks, log, metrics: m.metrics })],
  });
  return { app, triggered, registry: m.registry, lines };
}

const payload = JSON.stringify({ ref: 'refs/heads/main', after: '3f2a' });

describe('operator HTTP server', () => {
  it('answers /healthz, /readyz and /metrics', async () => {
    const { app } = await server();
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/readyz' })).json()).toMatchObject({ ready: true });
    const metricsText = (await app.inject({ url: '/metrics' })).body;
    expect(metricsText).toContain('cairn_reconcile_total{controller="gitsource",result="success"} 1');
  });

  it('is not ready until the probe says so', async () => {
    const { app } = await server({ ready: false });
    const res = await app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ ready: false, informersSynced: false });
  });
});

describe('POST /hooks/git/{namespace}/{name}', () => {
  const post = (headers: Record<string, string>, url = '/hooks/git/ml/cfg', body = payload) =>
    ({ method: 'POST' as const, url, payload: body, headers: { 'content-type': 'application/json', ...headers } });

  it('triggers a sync for a good GitHub signature over the raw body', async () => {
    const { app, triggered } = await server({ secret: 's3cret' });
    const res = await app.inject(post({ 'x-hub-signature-256': githubSignature('s3cret', payload) }));
    expect(res.statusCode).toBe(202);
    expect(triggered).toEqual(['ml/cfg']);
  });

  it('triggers a sync for a good GitLab token, whatever the content type', async () => {
    const { app, triggered } = await server({ secret: 's3cret' });
    const res = await app.inject({ ...post({ 'x-gitlab-token': 's3cret' }), headers: { 'x-gitlab-token': 's3cret', 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.statusCode).toBe(202);
    expect(triggered).toEqual(['ml/cfg']);
  });

  it.each([
    ['a bad signature', { 'x-hub-signature-256': githubSignature('wrong', payload) }],
    ['a signature of a re-serialized body', { 'x-hub-signature-256': githubSignature('s3cret', JSON.stringify(JSON.parse(payload), null, 1)) }],
    ['a wrong GitLab token', { 'x-gitlab-token': 'guess' }],
    ['no signature', {}],
  ])('answers 401 and triggers nothing for %s', async (_name, headers) => {
    const { app, triggered, registry } = await server({ secret: 's3cret' });
    const res = await app.inject(post(headers));
    expect(res.statusCode).toBe(401);
    expect(triggered).toEqual([]);
    expect(await registry.getSingleMetricAsString('cairn_webhook_requests_total')).toContain('code="401"} 1');
  });

  it('answers 401 for an unknown GitSource, the same as a bad signature', async () => {
    const { app, triggered } = await server({ secret: 's3cret' });
    const res = await app.inject(post({ 'x-gitlab-token': 's3cret' }, '/hooks/git/ml/unknown'));
    expect(res.statusCode).toBe(401);
    expect(triggered).toEqual([]);
  });

  it('answers 400 for names that cannot be Kubernetes names, 503 when the secret cannot be read', async () => {
    const bad = await server({ secret: 's3cret' });
    expect((await bad.app.inject(post({ 'x-gitlab-token': 's3cret' }, '/hooks/git/ML_NS/cfg'))).statusCode).toBe(400);
    const down = await server({ lookupFails: true });
    expect((await down.app.inject(post({ 'x-gitlab-token': 's3cret' }))).statusCode).toBe(503);
    expect(down.triggered).toEqual([]);
  });

  it('a sync that cannot be triggered is a logged, counted 503 that tells the provider to retry, not a raw 500', async () => {
    const { app, registry, lines } = await server({ secret: 's3cret', triggerFails: true });
    const res = await app.inject(post({ 'x-gitlab-token': 's3cret' }));
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: 'could not trigger the sync; the provider will retry' });
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'Failed to trigger a sync of GitSource from a Git webhook', name: 'cfg' }));
    expect(await registry.metrics()).toContain('cairn_webhook_requests_total{code="503"} 1');
  });

  it('accepts a GitSource name of 253 characters (the longest Kubernetes allows)', async () => {
    const name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`;
    expect(name).toHaveLength(253);
    const { app, triggered } = await server({ secret: 's3cret', name });
    expect((await app.inject(post({ 'x-gitlab-token': 's3cret' }, `/hooks/git/ml/${name}`))).statusCode).toBe(202);
    expect(triggered).toEqual([`ml/${name}`]);
  });
});

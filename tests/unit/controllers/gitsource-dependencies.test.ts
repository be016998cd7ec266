/**
 * The GitSource's steps on the kit, over an in-memory API: what happens before any fetch (the Secret, file://
 * URLs) and when a fetch fails. The fetcher is a recording stand-in (Git itself is tested against real
 * repositories in tests/unit/gitops-git and tests/integration/gitsource).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitSourceController, gitSourceResource } from '../../../src/controllers/gitsource/index.js';
import type { CheckoutRequest } from '../../../src/gitops/git/fetcher.js';
import { GitOperationFailedError } from '../../../src/gitops/git/index.js';
import { isStalled, isWaiting } from '../../../src/runtime/errors.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { controllerDeps } from './deps.js';

type Fetch = (req: CheckoutRequest) => Promise<{ dir: string; commit: string; revision: string }>;

async function setup(opts: { url?: string; secret?: Record<string, string> | 'none'; allowFileUrls?: boolean; fetch?: Fetch } = {}) {
  const t = controllerDeps({ allowFileUrls: opts.allowFileUrls ?? false });
  const fetched: CheckoutRequest[] = [];
  const repo = mkdtempSync(join(tmpdir(), 'cairn-gitsource-unit-'));
  writeFileSync(join(repo, 'model.yaml'), 'apiVersion: cairn.dev/v1alpha1\nkind: ModelVersion\nmetadata: {name: eta-1}\nspec: {model: eta, version: 1, artifact: {uri: "s3://b/eta/1/model.onnx", sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae}}\n');
  const fetch: Fetch = opts.fetch ?? (async () => ({ dir: repo, commit: 'a'.repeat(40), revision: `main@sha1:${'a'.repeat(40)}` }));
  const controller = gitSourceController({
    fetcher: {
      checkout: async (req: CheckoutRequest) => {
        fetched.push(req);
        return fetch(req);
      },
    } as never,
  });
  const def = controller(t.deps);
  t.informers.start();
  await t.informers.waitForSync();
  if (opts.secret !== 'none' && opts.secret) {
    await t.kube.create(builtin.secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'git-auth', namespace: 'ml' }, data: Object.fromEntries(Object.entries(opts.secret).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) } as KubeObject);
  }
  await t.kube.create(gitSourceResource, {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'GitSource',
    metadata: { name: 'cfg', namespace: 'ml' },
    spec: { url: opts.url ?? 'https://git.example.com/ml.git', ref: { branch: 'main' }, interval: '1m', ...(opts.secret ? { secretRef: { name: 'git-auth' } } : {}) },
  } as KubeObject);
  const reconcile = async () => {
    await t.settle();
    try {
      return { result: await def.reconcile({ key: 'ml/cfg', namespace: 'ml', name: 'cfg' }, t.ctx) };
    } catch (error) {
      return { error };
    }
  };
  const conditions = async () => {
    const source = await t.kube.get<KubeObject & { status?: { conditions?: Array<{ type: string; status: string; reason: string; message: string }> } }>(gitSourceResource, 'cfg', 'ml');
    return source?.status?.conditions ?? [];
  };
  const brief = async () => (await conditions()).map((c) => `${c.type}=${c.status}/${c.reason}`);
  return { ...t, fetched, reconcile, conditions, brief };
}

describe('GitSource before the fetch', () => {
  it('a missing Secret: Ready=False DependencyNotReady, no fetch, looked at again after the interval', async () => {
    const t = await setup({ secret: 'none' });
    await t.kube.patch(gitSourceResource, 'cfg', 'ml', { spec: { secretRef: { name: 'git-auth' } } }, { type: 'merge' });
    const { error } = await t.reconcile();
    expect(isWaiting(error) && error.requeueAfterMs).toBe(60_000);
    expect(await t.brief()).toEqual(['Ready=False/DependencyNotReady', 'Reconciling=True/ProgressingWithRetry']);
    expect((await t.conditions())[0]!.message).toBe('Secret git-auth not found');
    expect(t.fetched).toHaveLength(0);
    expect(t.events.map((e) => `${e.type}/${e.reason}`)).toEqual(['Warning/DependencyNotReady']);
  });

  it('a malformed Secret (an ssh identity without known_hosts): Stalled InvalidSpec, no fetch, looked at again after the interval', async () => {
    const t = await setup({ secret: { identity: '-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n' } });
    const { error } = await t.reconcile();
    expect(isStalled(error) && error.retryAfterMs).toBe(60_000);
    expect(await t.brief()).toEqual(['Ready=False/InvalidSpec', 'Stalled=True/InvalidSpec']);
    expect((await t.conditions())[0]!.message).toBe('The Secret has an ssh identity but no known_hosts: host key checking cannot be turned off');
    expect((await t.conditions())[0]!.message).not.toContain('PRIVATE KEY');
    expect(t.fetched).toHaveLength(0);
  });

  it('the Secret fixed: the next look fetches and syncs, and the stall is gone', async () => {
    const t = await setup({ secret: { username: 'bot' } });
    expect(isStalled((await t.reconcile()).error)).toBe(true);
    const secret = await t.kube.get<KubeObject>(builtin.secret, 'git-auth', 'ml');
    await t.kube.replace(builtin.secret, { ...secret!, data: { username: Buffer.from('bot').toString('base64'), password: Buffer.from('s3cret').toString('base64') } } as KubeObject);
    expect((await t.reconcile()).error).toBeUndefined();
    expect(t.fetched).toHaveLength(1);
    expect(t.fetched[0]!.credentials).toEqual({ type: 'basic', username: 'bot', password: 's3cret' });
    expect(await t.brief()).toEqual(['Ready=True/Succeeded']);
  });

  it('file:// is refused without --allow-file-urls: Stalled InvalidSpec, no fetch', async () => {
    const t = await setup({ url: 'file:///srv/git/ml.git' });
    const { error } = await t.reconcile();
    expect(isStalled(error)).toBe(true);
    expect(await t.brief()).toEqual(['Ready=False/InvalidSpec', 'Stalled=True/InvalidSpec']);
    expect((await t.conditions())[0]!.message).toMatch(/file:\/\/ URLs are refused unless the operator runs with --allow-file-urls/);
    expect(t.fetched).toHaveLength(0);
  });

  it('file:// is fetched with --allow-file-urls', async () => {
    const t = await setup({ url: 'file:///srv/git/ml.git', allowFileUrls: true });
    expect((await t.reconcile()).error).toBeUndefined();
    expect(t.fetched.map((f) => f.url)).toEqual(['file:///srv/git/ml.git']);
    expect(await t.brief()).toEqual(['Ready=True/Succeeded']);
  });
});

describe('GitSource when the fetch fails', () => {
  it('FetchFailed with the Git reason; the last applied revision stays; requeued at the interval, not with backoff', async () => {
    let fail = false;
    const t = await setup({
      fetch: async () => {
        if (fail) throw new GitOperationFailedError('Could not reach git.example.com');
        return { dir: mkdtempSync(join(tmpdir(), 'cairn-empty-')), commit: 'b'.repeat(40), revision: `main@sha1:${'b'.repeat(40)}` };
      },
    });
    await t.kube.patch(gitSourceResource, 'cfg', 'ml', { spec: { allowEmpty: true } }, { type: 'merge' });
    expect((await t.reconcile()).error).toBeUndefined();
    fail = true;
    t.clock.advance(60_000);
    const { result, error } = await t.reconcile();
    expect(error).toBeUndefined();
    expect(result?.requeueAfterMs).toBeGreaterThan(50_000);
    expect(await t.brief()).toEqual(['Ready=False/GitOperationFailed', 'Reconciling=True/ProgressingWithRetry', 'FetchFailed=True/GitOperationFailed']);
    expect((await t.conditions())[0]!.message).toBe('Could not reach git.example.com; the last applied revision stays in place');
    const source = await t.kube.get<KubeObject & { status?: { revision?: string } }>(gitSourceResource, 'cfg', 'ml');
    expect(source?.status?.revision).toBe(`main@sha1:${'b'.repeat(40)}`);
    expect(t.events.map((e) => `${e.type}/${e.reason}`)).toEqual(['Normal/Succeeded', 'Warning/GitOperationFailed']);
  });
});

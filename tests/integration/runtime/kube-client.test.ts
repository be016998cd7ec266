/**
 * The runtime's HTTP Kubernetes client against the real API server: server-side apply (no write when nothing
 * changed), the status subresource, optimistic concurrency, 404s, label-selected lists, deletes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { isConflict, KubeApiError } from '../../../src/runtime/kube/errors.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { createNamespace, deleteNamespace, eventually } from '../../harness/kube.js';
import { adminClient, widgetCrd, widgets } from './support.js';

type Widget = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown>; metadata: { managedFields?: Array<{ manager: string; subresource?: string }> } };

describe('HttpKubeClient', () => {
  const kube = adminClient();
  let ns = '';

  beforeAll(async () => {
    await kube.apply(builtin.customResourceDefinition, widgetCrd, { fieldManager: 'cairn-tests', force: true });
    await eventually('CRD of Widgets Established', async () => {
      const crd = await kube.get<KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>(builtin.customResourceDefinition, widgetCrd.metadata.name);
      return crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
    ns = await createNamespace('rt-client');
  });
  afterAll(async () => {
    if (ns) await deleteNamespace(ns);
  });

  it('server-side applies a custom resource, and re-applying the same object writes nothing', async () => {
    const desired = { apiVersion: 'runtime.test.cairn.dev/v1', kind: 'Widget', metadata: { name: 'w1', namespace: ns, labels: { app: 'w' } }, spec: { size: 1 } };
    // CRD discovery can lag Established by a moment: retry the first apply until the resource is served.
    const created = await eventually('Widget applied once the CRD is served', async () => kube.apply<Widget>(widgets, desired, { fieldManager: 'cairn' }));
    expect(created.metadata.resourceVersion).toBeTruthy();
    const again = await kube.apply<Widget>(widgets, desired, { fieldManager: 'cairn' });
    expect(again.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const changed = await kube.apply<Widget>(widgets, { ...desired, spec: { size: 2 } }, { fieldManager: 'cairn' });
    expect(changed.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
    expect(changed.metadata.generation).toBe(2);
    expect(changed.metadata.managedFields?.map((f) => f.manager)).toContain('cairn');
  });

  it('applies status through the status subresource without touching spec or generation', async () => {
    const withStatus = await kube.applyStatus<Widget>(
      widgets,
      { apiVersion: 'runtime.test.cairn.dev/v1', kind: 'Widget', metadata: { name: 'w1', namespace: ns }, status: { observedGeneration: 2, ready: true } },
      { fieldManager: 'cairn' },
    );
    expect(withStatus.status).toEqual({ observedGeneration: 2, ready: true });
    expect(withStatus.spec).toEqual({ size: 2 });
    expect(withStatus.metadata.generation).toBe(2);
    expect(withStatus.metadata.managedFields?.some((f) => f.manager === 'cairn' && f.subresource === 'status')).toBe(true);
  });

  it('gets undefined for a missing object and lists by label selector', async () => {
    expect(await kube.get(widgets, 'missing', ns)).toBeUndefined();
    await kube.create(builtin.configMap, { metadata: { name: 'a', namespace: ns, labels: { pick: 'yes' } } });
    await kube.create(builtin.configMap, { metadata: { name: 'b', namespace: ns, labels: { pick: 'no' } } });
    const picked = await kube.list(builtin.configMap, { namespace: ns, labelSelector: 'pick=yes' });
    expect(picked.items.map((i) => i.metadata?.name)).toEqual(['a']);
    expect(picked.items[0]?.kind).toBe('ConfigMap');
    expect(picked.resourceVersion).toMatch(/^\d+$/);
  });

  it('refuses a replace with a stale resourceVersion (409) and merges patches', async () => {
    const cm = (await kube.get<KubeObject & { data?: Record<string, string> }>(builtin.configMap, 'a', ns))!;
    await kube.replace(builtin.configMap, { ...cm, data: { v: '1' } });
    const stale = await kube.replace(builtin.configMap, { ...cm, data: { v: 'stale' } }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    expect((stale as KubeApiError).reason).toBe('Conflict');
    const patched = await kube.patch<KubeObject & { data?: Record<string, string> }>(builtin.configMap, 'a', ns, { data: { w: '2' } }, { type: 'merge' });
    expect(patched.data).toEqual({ v: '1', w: '2' });
  });

  it('deletes, and reports an already deleted object as false', async () => {
    expect(await kube.delete(builtin.configMap, 'b', ns)).toBe(true);
    await eventually('ConfigMap b gone', async () => ((await kube.get(builtin.configMap, 'b', ns)) === undefined ? true : undefined));
    expect(await kube.delete(builtin.configMap, 'b', ns)).toBe(false);
  });

  it('turns API errors into KubeApiError with status and reason, and aborts on a signal', async () => {
    const bad = await kube.create(builtin.configMap, { metadata: { name: 'Not_A_Name', namespace: ns } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(KubeApiError);
    expect((bad as KubeApiError).status).toBe(422);
    const aborted = await kube.list(builtin.configMap, { namespace: ns, signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect((aborted as KubeApiError).reason).toBe('Aborted');
  });
});

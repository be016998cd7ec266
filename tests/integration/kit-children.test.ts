/**
 * applyChildren on the real API server: it creates an owner's children, writes nothing when nothing changed
 * (counted by the API server itself, apiserver_request_total), writes only the child that changed, re-applies
 * a hand edit, prunes what is no longer desired (and never another owner's child), and reports a bad child
 * without stopping the others. The children are a test CRD of their own, so no other test's writes are counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyChildren, childSelector, type ChildrenIO } from '../../src/controllers/kit/index.js';
import { systemClock } from '../../src/runtime/clock.js';
import { InformerFactory } from '../../src/runtime/informer-factory.js';
import type { KubeObject } from '../../src/runtime/kube/object.js';
import { builtin, type ResourceType } from '../../src/runtime/kube/resource.js';
import { createLogger } from '../../src/runtime/logger.js';
import { createNamespace, deleteNamespace, eventually, kubectlOk } from '../harness/kube.js';
import { adminClient } from './runtime/support.js';

const gadgets: ResourceType = { group: 'kit.test.cairn.dev', version: 'v1', kind: 'Gadget', plural: 'gadgets', namespaced: true };
const gadgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gadgets.kit.test.cairn.dev' },
  spec: {
    group: 'kit.test.cairn.dev',
    scope: 'Namespaced',
    names: { kind: 'Gadget', plural: 'gadgets', singular: 'gadget', listKind: 'GadgetList' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }],
  },
};

type Gadget = KubeObject & { spec?: Record<string, unknown> };

/** Writes to gadgets since the API server started, by `verb code`, from its own metrics. */
async function gadgetWrites(): Promise<Record<string, number>> {
  const text = await kubectlOk(['get', '--raw', '/metrics']);
  const writes: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{') || !line.includes('group="kit.test.cairn.dev"') || !line.includes('resource="gadgets"')) continue;
    const verb = /verb="([^"]*)"/.exec(line)?.[1] ?? '';
    const code = /code="([^"]*)"/.exec(line)?.[1] ?? '';
    // DELETEs are counted at the client (deletesSent): the garbage collector, the other client of gadgets, was
    // seen in CI deleting one on its own.
    if (['APPLY', 'PATCH', 'POST', 'PUT'].includes(verb)) writes[`${verb} ${code}`] = (writes[`${verb} ${code}`] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return writes;
}

const total = (writes: Record<string, number>) => Object.values(writes).reduce((a, b) => a + b, 0);

/** The writes by verb and code once they reached `n` in all (they may pass `n`: the caller checks them exactly). */
const writesReach = (n: number) =>
  eventually(`the API server to count ${n} gadget writes`, async () => {
    const writes = await gadgetWrites();
    return total(writes) >= n ? writes : undefined;
  });

describe('applyChildren on a real API server', () => {
  const admin = adminClient();
  let ns = '';
  let owner: KubeObject;
  let other: KubeObject;
  let informers: InformerFactory;
  let io: ChildrenIO;
  let deletesSent = 0;

  const gadget = (name: string, size: number, by: KubeObject = owner): Gadget => ({
    apiVersion: 'kit.test.cairn.dev/v1',
    kind: 'Gadget',
    metadata: {
      name,
      namespace: ns,
      labels: { 'app.kubernetes.io/managed-by': 'cairn', 'app.kubernetes.io/component': 'test' },
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: by.metadata!.name!, uid: by.metadata!.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: { size },
  });
  const live = (name: string) => admin.get<Gadget>(gadgets, name, ns);
  /** The cache shows every named gadget with the given sizes (or absent for undefined). */
  const cached = (want: Record<string, number | undefined>) =>
    eventually(`the gadget cache to show ${JSON.stringify(want)}`, () => {
      const cache = informers.for<Gadget>(gadgets, { labelSelector: childSelector });
      return Object.entries(want).every(([name, size]) => (cache.get(name, ns)?.spec?.size as number | undefined) === size) || undefined;
    });

  beforeAll(async () => {
    await admin.apply(builtin.customResourceDefinition, gadgetCrd as KubeObject, { fieldManager: 'kit-test', force: true });
    await eventually('the Gadget CRD to be served', () => admin.list(gadgets).then(() => true));
    ns = await createNamespace('kit-children');
    owner = await admin.create(builtin.configMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', namespace: ns } } as KubeObject);
    other = await admin.create(builtin.configMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other-owner', namespace: ns } } as KubeObject);
    informers = new InformerFactory({ kube: admin, clock: systemClock(), log: createLogger({ level: 'silent' }), namespaces: [ns] });
    informers.for(gadgets, { labelSelector: childSelector });
    informers.start();
    await informers.waitForSync();
    // Counts the DELETEs applyChildren sends, beside the API server's own count.
    const counting = new Proxy(admin, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (key === 'delete' && typeof value === 'function') return (...args: unknown[]) => (deletesSent++, (value as (...a: unknown[]) => unknown).apply(target, args));
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    io = { kube: counting, fieldManager: 'cairn', signal: new AbortController().signal, cache: (res) => informers.for(res, { labelSelector: childSelector }) };
  });
  afterAll(async () => {
    await informers?.stop();
    if (ns) await deleteNamespace(ns);
  });

  it('creates, then writes nothing on a no-op, only the changed child on a change, and prunes what left', async () => {
    const first = await applyChildren(io, owner, [gadget('a', 1), gadget('b', 1), gadget('c', 1)], [gadgets]);
    expect(first).toEqual({ applied: 3, unchanged: 0, pruned: 0, errors: [] });
    await cached({ a: 1, b: 1, c: 1 });
    expect((await live('a'))?.metadata?.annotations?.['cairn.dev/applied-digest']).toMatch(/^[0-9a-f]{32}$/);

    // The API server counts a request just after answering it: wait for each count, then check it is exact.
    // No gadget was written before this test, so the totals are absolute.
    expect(await writesReach(3)).toEqual({ 'APPLY 201': 3 });
    const noop = await applyChildren(io, owner, [gadget('a', 1), gadget('b', 1), gadget('c', 1)], [gadgets]);
    expect(noop).toEqual({ applied: 0, unchanged: 3, pruned: 0, errors: [] });

    const changed = await applyChildren(io, owner, [gadget('a', 1), gadget('b', 2), gadget('c', 1)], [gadgets]);
    expect(changed).toEqual({ applied: 1, unchanged: 2, pruned: 0, errors: [] });
    // 4, not 5: the no-op above wrote nothing, and the change wrote only b.
    expect(await writesReach(4)).toEqual({ 'APPLY 201': 3, 'APPLY 200': 1 });
    expect((await live('b'))?.spec).toEqual({ size: 2 });
    await cached({ b: 2 });

    const pruned = await applyChildren(io, owner, [gadget('a', 1), gadget('b', 2)], [gadgets]);
    expect(pruned).toEqual({ applied: 0, unchanged: 2, pruned: 1, errors: [] });
    // Exactly one DELETE sent, and no other write.
    expect(deletesSent).toBe(1);
    expect(await gadgetWrites()).toEqual({ 'APPLY 201': 3, 'APPLY 200': 1 });
    await eventually('gadget c to be deleted', async () => (await live('c')) === undefined || undefined);
  });

  it("re-applies a hand edit, and never prunes another owner's child", async () => {
    await applyChildren(io, owner, [gadget('d', 1)], [gadgets]);
    await applyChildren(io, other, [gadget('theirs', 1, other)], [gadgets]);
    await cached({ d: 1, theirs: 1 });
    await admin.patch(gadgets, 'd', ns, { spec: { size: 99 } }, { type: 'merge', fieldManager: 'kubectl-edit' });
    await cached({ d: 99 });
    const outcome = await applyChildren(io, owner, [gadget('d', 1)], [gadgets]);
    expect(outcome.applied).toBe(1);
    expect((await live('d'))?.spec).toEqual({ size: 1 });
    expect(await live('theirs')).toBeDefined();
  });

  it('a bad child is an error of its own; the others are applied', async () => {
    const orphan = gadget('orphan', 1);
    delete orphan.metadata!.ownerReferences;
    const elsewhere = { ...gadget('elsewhere', 1), metadata: { ...gadget('elsewhere', 1).metadata, namespace: 'default' } };
    const invalid = gadget('Not_A_Name', 1);
    const outcome = await applyChildren(io, owner, [gadget('e', 1), orphan, elsewhere, invalid], [gadgets]);
    expect(outcome.applied).toBe(1);
    expect(outcome.errors.map((e) => `${e.name}: ${e.action}`)).toEqual(['Not_A_Name: apply', 'elsewhere: apply', 'orphan: apply']);
    expect(outcome.errors.find((e) => e.name === 'orphan')?.message).toMatch(/no controller ownerReference/);
    expect(outcome.errors.find((e) => e.name === 'Not_A_Name')?.message).toMatch(/apply failed: .*Not_A_Name/);
    expect(await live('e')).toBeDefined();
    expect(await live('orphan')).toBeUndefined();
  });
});

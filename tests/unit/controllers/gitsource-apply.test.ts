/**
 * applyObjects: what a commit changed is applied before the objects whose only change is the revision
 * annotation, so a one-object edit in a large repository is applied at once; failures stay in file order.
 */
import { describe, expect, it } from 'vitest';
import { applyObjects, type WriteContext } from '../../../src/controllers/gitsource/apply.js';
import { desiredObject, differsOnlyInRevision, type DesiredObject } from '../../../src/gitops/desired.js';
import type { KubeClient } from '../../../src/runtime/kube/client.js';
import type { LoadedObject } from '../../../src/manifests/check.js';

const source = { name: 'ml-config', namespace: 'ml' };
const r1 = 'main@sha1:1111111111111111111111111111111111111111';
const r2 = 'main@sha1:2222222222222222222222222222222222222222';

function loaded(name: string, version: number): LoadedObject {
  return {
    file: `models/${name}.yaml`,
    line: 1,
    kind: 'ModelVersion',
    name,
    object: { apiVersion: 'cairn.dev/v1alpha1', kind: 'ModelVersion', metadata: { name }, spec: { model: 'eta', version } },
  };
}

/** The object as the API server holds it after an apply of `desired`. */
const stored = (desired: DesiredObject) => ({ ...structuredClone(desired), metadata: { ...structuredClone(desired.metadata), uid: 'u', resourceVersion: '1', generation: 1 } });

function context(live: Map<string, unknown>, fail: Set<string> = new Set()): { ctx: WriteContext; applied: string[] } {
  const applied: string[] = [];
  const kube = {
    apply: async (_res: unknown, obj: DesiredObject) => {
      applied.push(obj.metadata.name);
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (fail.has(obj.metadata.name)) throw new Error('admission webhook said no');
      return obj;
    },
  } as unknown as KubeClient;
  const ctx: WriteContext = {
    kube,
    fieldManager: 'cairn',
    signal: new AbortController().signal,
    live: (_res, name) => live.get(name),
    source: source.name,
    sourceExists: () => true,
  };
  return { ctx, applied };
}

const origin = (o: DesiredObject) => ({ file: o.metadata.annotations['cairn.dev/path']!, line: 1 });

describe('applyObjects order', () => {
  it('applies what the commit changed first, then objects whose only change is the revision', async () => {
    // 20 objects applied at r1; at r2 the last one changed, one is new, the rest only move to r2.
    const names = Array.from({ length: 20 }, (_, i) => `m-${i}`);
    const live = new Map<string, unknown>(names.map((n) => [n, stored(desiredObject(loaded(n, 1), source, r1))]));
    const desired = [...names.map((n, i) => desiredObject(loaded(n, i === 19 ? 2 : 1), source, r2)), desiredObject(loaded('m-new', 1), source, r2)];
    const { ctx, applied } = context(live);
    const outcome = await applyObjects(ctx, desired, origin);
    expect(applied.slice(0, 2)).toEqual(['m-19', 'm-new']);
    expect(applied.slice(2)).toEqual(names.slice(0, 19));
    expect(outcome).toEqual({ applied: 21, unchanged: 0, errors: [] });
  });

  it('skips unchanged objects and reports failures in file order, whatever order they were applied in', async () => {
    const live = new Map<string, unknown>([
      ['a', stored(desiredObject(loaded('a', 1), source, r1))],
      ['b', stored(desiredObject(loaded('b', 1), source, r2))],
    ]);
    const desired = [desiredObject(loaded('a', 1), source, r2), desiredObject(loaded('b', 1), source, r2), desiredObject(loaded('c', 1), source, r2)];
    const { ctx, applied } = context(live, new Set(['a', 'c']));
    const outcome = await applyObjects(ctx, desired, origin);
    expect(applied).toEqual(['c', 'a']); // b is up to date; c is new, a only moves to r2
    expect(outcome.unchanged).toBe(1);
    expect(outcome.errors.map((e) => e.file)).toEqual(['models/a.yaml', 'models/c.yaml']);
  });
});

describe('differsOnlyInRevision', () => {
  const before = stored(desiredObject(loaded('a', 1), source, r1));
  it.each([
    ['the same object at a new revision', desiredObject(loaded('a', 1), source, r2), before, true],
    ['a changed field', desiredObject(loaded('a', 2), source, r2), before, false],
    ['an object not in the cluster', desiredObject(loaded('a', 1), source, r2), undefined, false],
  ] as const)('%s', (_what, desired, live, expected) => {
    expect(differsOnlyInRevision(desired, live)).toBe(expected);
  });

  it('sees a hand edit of a Git-managed field as a change', () => {
    const edited = structuredClone(before);
    (edited.spec as { version: number }).version = 7;
    expect(differsOnlyInRevision(desiredObject(loaded('a', 1), source, r2), edited)).toBe(false);
  });
});

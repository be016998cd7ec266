/**
 * Pruning against what the API server holds, not only the cache: an object the (lagging) cache does not show
 * yet is confirmed with a GET before it counts as gone, and then deleted; one labelled for another source is
 * released, never deleted.
 */
import { describe, expect, it } from 'vitest';
import { pruneObjects, type WriteContext } from '../../../src/controllers/gitsource/apply.js';
import { cairnResource } from '../../../src/controllers/resources.js';
import { FakeKube } from '../../support/index.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';

const model = (name: string, source: string): KubeObject =>
  ({ apiVersion: 'cairn.dev/v1alpha1', kind: 'ModelVersion', metadata: { name, namespace: 'ml', labels: { 'cairn.dev/source': source } }, spec: { model: 'eta', version: 1 } }) as KubeObject;

function context(kube: FakeKube): WriteContext {
  return { kube, fieldManager: 'cairn', signal: new AbortController().signal, live: () => undefined, source: 'cfg', sourceExists: () => true };
}

describe('pruneObjects', () => {
  it('an object the cache has not seen yet is looked up, then deleted, not dropped as already gone', async () => {
    const kube = new FakeKube();
    const res = cairnResource('ModelVersion');
    await kube.create(res, model('fresh', 'cfg'));
    await kube.create(res, model('theirs', 'other'));
    const entries = ['fresh', 'theirs', 'gone'].map((name) => ({ kind: 'ModelVersion', namespace: 'ml', name }));
    const outcome = await pruneObjects(context(kube), entries, 'cfg');
    expect(outcome.pruned.map((e) => e.name)).toEqual(['fresh', 'gone']);
    expect(outcome.released.map((e) => e.name)).toEqual(['theirs']);
    expect(await kube.get(res, 'fresh', 'ml')).toBeUndefined();
    expect(await kube.get(res, 'theirs', 'ml')).toBeDefined();
    expect(kube.writes().map((a) => `${a.verb} ${a.name}`)).toEqual(['create fresh', 'create theirs', 'delete fresh']);
  });

  it('when the lookup fails, the entry stays in the inventory (failed), to be pruned next time', async () => {
    const kube = new FakeKube();
    kube.beforeRequest = (action) => {
      if (action.verb === 'get') throw new Error('connection reset');
    };
    const outcome = await pruneObjects(context(kube), [{ kind: 'ModelVersion', namespace: 'ml', name: 'maybe' }], 'cfg');
    expect(outcome.pruned).toEqual([]);
    expect(outcome.failed.map((e) => e.name)).toEqual(['maybe']);
    expect(outcome.errors[0]?.message).toMatch(/^ModelVersion\/maybe: prune failed: /);
  });
});

import { describe, expect, it } from 'vitest';
import { desiredObject, isUpToDate } from '../../../src/gitops/desired.js';
import { desiredSet, planSync, type InventoryEntry, type SyncInput } from '../../../src/gitops/plan.js';
import type { LoadedObject, Problem } from '../../../src/manifests/check.js';

const source = { name: 'ml-config', namespace: 'ml' };

function loaded(kind: string, name: string, extra: Record<string, unknown> = {}, namespace?: string): LoadedObject {
  return {
    file: `${name}.yaml`,
    line: 1,
    kind,
    name,
    ...(namespace ? { namespace } : {}),
    object: { apiVersion: 'cairn.dev/v1alpha1', kind, metadata: { name, ...(namespace ? { namespace } : {}) }, spec: { model: 'eta', ...extra } },
  };
}

const entry = (kind: string, name: string): InventoryEntry => ({ kind, namespace: 'ml', name });
const problem: Problem = { severity: 'error', file: 'bad.yaml', line: 4, object: 'Dataset/x', field: 'spec.source', message: 'Required value' };

function plan(overrides: Partial<SyncInput>) {
  return planSync({ source, revision: 'main@sha1:abc', objects: [], problems: [], previous: [], prune: true, allowEmpty: false, ...overrides });
}

describe('planSync', () => {
  it.each([
    {
      name: 'applies every object and records it',
      input: { objects: [loaded('Deployment', 'eta'), loaded('Dataset', 'd')] },
      apply: ['Deployment/eta', 'Dataset/d'],
      prune: [],
      inventory: ['Deployment/eta', 'Dataset/d'],
      blocked: undefined,
    },
    {
      name: 'prunes what left Git',
      input: { objects: [loaded('Deployment', 'eta')], previous: [entry('Deployment', 'eta'), entry('Dataset', 'old')] },
      apply: ['Deployment/eta'],
      prune: ['Dataset/old'],
      inventory: ['Deployment/eta'],
      blocked: undefined,
    },
    {
      name: 'prune: false releases what left Git without deleting it',
      input: { objects: [loaded('Deployment', 'eta')], previous: [entry('Deployment', 'eta'), entry('Dataset', 'old')], prune: false },
      apply: ['Deployment/eta'],
      prune: [],
      inventory: ['Deployment/eta'],
      blocked: undefined,
    },
    {
      name: 'a revision with a problem applies the valid objects and prunes nothing',
      input: { objects: [loaded('Deployment', 'eta')], problems: [problem], previous: [entry('Deployment', 'eta'), entry('Dataset', 'x')] },
      apply: ['Deployment/eta'],
      prune: [],
      inventory: ['Deployment/eta', 'Dataset/x'],
      blocked: 'not pruning 1 object(s): the revision has 1 problem(s)',
    },
    {
      name: 'an empty revision prunes nothing unless allowed',
      input: { previous: [entry('Deployment', 'eta')] },
      apply: [],
      prune: [],
      inventory: ['Deployment/eta'],
      blocked: 'not pruning 1 object(s): the revision has no objects at all; set spec.allowEmpty to allow it',
    },
    {
      name: 'an empty revision prunes everything when allowEmpty',
      input: { previous: [entry('Deployment', 'eta')], allowEmpty: true },
      apply: [],
      prune: ['Deployment/eta'],
      inventory: [],
      blocked: undefined,
    },
    {
      name: 'ignored documents (other API groups) do not block pruning',
      input: { objects: [loaded('Deployment', 'eta')], problems: [{ ...problem, severity: 'ignored' as const }], previous: [entry('Dataset', 'old')] },
      apply: ['Deployment/eta'],
      prune: ['Dataset/old'],
      inventory: ['Deployment/eta'],
      blocked: undefined,
    },
  ])('$name', ({ input, apply, prune, inventory, blocked }) => {
    const result = plan(input);
    expect(result.apply.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(apply);
    expect(result.prune.map((e) => `${e.kind}/${e.name}`)).toEqual(prune);
    expect(result.inventory.map((e) => `${e.kind}/${e.name}`)).toEqual(inventory);
    expect(result.pruneBlocked).toBe(blocked);
  });

  it('refuses objects aimed at another namespace, with file and line, and then prunes nothing', () => {
    const result = plan({ objects: [loaded('Deployment', 'eta', {}, 'kube-system')], previous: [entry('Dataset', 'x')] });
    expect(result.apply).toEqual([]);
    expect(result.errors).toEqual([{ file: 'eta.yaml', line: 1, message: 'Deployment/eta: metadata.namespace: "kube-system" differs from the GitSource\'s namespace "ml"; not applied' }]);
    expect(result.prune).toEqual([]);
  });

  it('plans from a kept desired set exactly as from the documents, refusals included', () => {
    const objects = [loaded('Deployment', 'eta'), loaded('Dataset', 'd', {}, 'kube-system')];
    const input = { objects, previous: [entry('Dataset', 'old')] };
    const kept = desiredSet(source, 'main@sha1:abc', objects);
    expect(kept.apply.map((o) => o.metadata.name)).toEqual(['eta']);
    expect(kept.errors).toHaveLength(1);
    const fromKept = planSync({ source, revision: 'main@sha1:abc', problems: [], prune: true, allowEmpty: false, ...input }, kept);
    expect(fromKept).toEqual(plan(input));
    expect(fromKept.apply[0]).toBe(kept.apply[0]); // the kept objects themselves, not rebuilt
    expect(fromKept.prune).toEqual([]); // the refusal blocks pruning either way
  });

  it('reports problems as file, line and message', () => {
    expect(plan({ problems: [problem] }).errors).toEqual([{ file: 'bad.yaml', line: 4, message: 'Dataset/x: spec.source: Required value' }]);
  });
});

describe('desiredObject', () => {
  it('sets namespace, source label, path and revision annotations, and drops status and server fields', () => {
    const doc = loaded('Deployment', 'eta');
    (doc.object as Record<string, unknown>).status = { phase: 'Healthy' };
    (doc.object.metadata as Record<string, unknown>).resourceVersion = '42';
    (doc.object.metadata as Record<string, unknown>).labels = { team: 'eta' };
    const desired = desiredObject(doc, source, 'main@sha1:abc');
    expect(desired.status).toBeUndefined();
    expect(desired.metadata).toEqual({
      name: 'eta',
      namespace: 'ml',
      labels: { team: 'eta', 'cairn.dev/source': 'ml-config', 'app.kubernetes.io/managed-by': 'cairn' },
      annotations: { 'cairn.dev/path': 'eta.yaml', 'cairn.dev/revision': 'main@sha1:abc', 'cairn.dev/applied-digest': expect.stringMatching(/^[0-9a-f]{32}$/) },
    });
  });

  it('the digest depends on content, not on key order', () => {
    const a = loaded('Deployment', 'eta', { x: 1, y: 2 });
    const b = loaded('Deployment', 'eta', { y: 2, x: 1 });
    const c = loaded('Deployment', 'eta', { x: 1, y: 3 });
    const digest = (l: LoadedObject) => desiredObject(l, source, 'r').metadata.annotations['cairn.dev/applied-digest'];
    expect(digest(a)).toBe(digest(b));
    expect(digest(a)).not.toBe(digest(c));
  });
});

describe('isUpToDate', () => {
  const desired = desiredObject(loaded('Deployment', 'eta', { replicas: 2 }), source, 'r1');
  const live = () => ({ ...structuredClone(desired), metadata: { ...structuredClone(desired.metadata), uid: 'u', resourceVersion: '7' }, status: { phase: 'Healthy' } });

  it('is true when the live object holds every desired value and the same digest', () => {
    expect(isUpToDate(desired, live())).toBe(true);
  });

  it('is false after a hand edit of a Git-managed field (self-heal)', () => {
    const edited = live();
    (edited.spec as Record<string, unknown>).replicas = 5;
    expect(isUpToDate(desired, edited)).toBe(false);
  });

  it('is false when a field was removed in Git (the digest differs)', () => {
    const previous = desiredObject(loaded('Deployment', 'eta', { replicas: 2, extra: true }), source, 'r1');
    const liveOfPrevious = { ...structuredClone(previous), metadata: { ...structuredClone(previous.metadata), uid: 'u' } };
    expect(isUpToDate(desired, liveOfPrevious)).toBe(false);
  });

  it('is false when the object does not exist', () => {
    expect(isUpToDate(desired, undefined)).toBe(false);
  });
});

/**
 * The profile snapshots a Dataset keeps (src/controllers/dataset/snapshots.ts, src/render/profile-snapshot.ts):
 * the current version's, the newest few, and every version a ModelVersion's lineage names.
 */
import { describe, expect, it } from 'vitest';
import { asSnapshot, KEPT_NEWEST, keptSnapshots, type LiveSnapshot } from '../../../src/controllers/dataset/snapshots.js';
import { profileSnapshotName, renderProfileSnapshot } from '../../../src/render/profile-snapshot.js';

const v = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const snap = (n: number, created: string): LiveSnapshot => ({ name: profileSnapshotName('rides', v(n)), version: v(n), created, data: { 'profile.json': `{"v":${n}}` } });
const versions = (kept: ReturnType<typeof keptSnapshots>) => kept.map((k) => k.version);

describe('keptSnapshots', () => {
  const live = [snap(1, '2026-11-01T00:00:00Z'), snap(2, '2026-11-02T00:00:00Z'), snap(3, '2026-11-03T00:00:00Z'), snap(4, '2026-11-04T00:00:00Z'), snap(5, '2026-11-05T00:00:00Z')];
  it.each([
    ['the current version is made from the written profile', [], { version: v(6), data: { 'profile.json': '{}' } }, [], [v(6)]],
    ['the newest others are kept, the oldest pruned', live, undefined, [], [v(3), v(4), v(5)]],
    ['the current one does not count among the newest', live, { version: v(5), data: {} }, [], [v(2), v(3), v(4), v(5)]],
    ['a version a ModelVersion names is kept however old', live, { version: v(6), data: {} }, [v(1)], [v(1), v(3), v(4), v(5), v(6)]],
    ['a named version with no snapshot is not made up', [], undefined, [v(1)], []],
  ])('%s', (_name, liveSnapshots, current, named, expected) => {
    expect(versions(keptSnapshots({ dataset: 'rides', live: liveSnapshots, ...(current ? { current } : {}), namedByModels: new Set(named) }))).toEqual(expected);
  });

  it('an existing snapshot keeps its own data (written once, never rewritten from a newer profile)', () => {
    const kept = keptSnapshots({ dataset: 'rides', live: [snap(1, 'x')], current: { version: v(1), data: { 'profile.json': 'newer' } }, namedByModels: new Set() });
    expect(kept).toEqual([{ version: v(1), data: { 'profile.json': '{"v":1}' } }]);
    expect(KEPT_NEWEST).toBe(3);
  });
});

describe('profile snapshot ConfigMaps', () => {
  const dataset = { apiVersion: 'cairn.dev/v1alpha1', kind: 'Dataset', metadata: { name: 'rides', namespace: 'ml', uid: 'u1' } };
  it('are named <dataset>-profile-<12 hex>, owned by the Dataset, labelled and annotated with their version', () => {
    const cm = renderProfileSnapshot(dataset, v(7), { 'profile.json': '{}' });
    expect(cm.metadata.name).toBe('rides-profile-777777777777');
    expect(cm.metadata.annotations).toEqual({ 'cairn.dev/profile-version': v(7) });
    expect(cm.metadata.labels['cairn.dev/profile-snapshot']).toBe('true');
    expect(cm.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Dataset', name: 'rides', uid: 'u1', controller: true })]);
    expect(asSnapshot('rides', { ...cm, metadata: { ...cm.metadata, creationTimestamp: 't' } })).toEqual({ name: cm.metadata.name, version: v(7), created: 't', data: { 'profile.json': '{}' } });
  });
  it.each([
    ['not a sha256', 'sha256:00', 'a Dataset version is sha256:<64 hex>'],
    ['a name past 253 characters', v(1), 'would be longer than 253 characters'],
  ])('refuse %s', (_name, version, message) => {
    expect(() => profileSnapshotName(_name.startsWith('a name') ? 'r'.repeat(240) : 'rides', version)).toThrow(message);
  });
  it('another ConfigMap is not a snapshot: no label, another Dataset\'s name, no profile', () => {
    const cm = renderProfileSnapshot(dataset, v(7), { 'profile.json': '{}' });
    expect(asSnapshot('rides', { ...cm, metadata: { ...cm.metadata, labels: {} } })).toBeUndefined();
    expect(asSnapshot('other', cm)).toBeUndefined();
    expect(asSnapshot('rides', { ...cm, data: {} })).toBeUndefined();
  });
});

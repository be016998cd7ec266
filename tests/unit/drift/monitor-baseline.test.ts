/**
 * Which Dataset is a DriftMonitor's baseline (src/controllers/driftmonitor/baseline.ts): the spec's, else the one
 * the stable model version was trained on; and which profile: the snapshot of the data version the stable
 * model was trained on, not the Dataset's latest.
 */
import { describe, expect, it } from 'vitest';
import { baselineDataset, baselineProfile, driftedFrom, modelVersionNumbered, profileConfigMapName, resolveBaseline, stableModelVersion, type DeploymentObject, type ModelVersionObject } from '../../../src/controllers/driftmonitor/baseline.js';

const deployment = (stable?: number) => ({ metadata: { name: 'eta', namespace: 'ml' }, spec: { model: 'eta' }, ...(stable ? { status: { stable: { version: stable, weight: 100 } } } : {}) }) as unknown as DeploymentObject;
const version = (model: string, n: number, dataset?: string) => ({ metadata: { name: `${model}-${n}` }, spec: { model, version: n, artifact: { uri: 's3://b/m', sha256: 'a'.repeat(64) }, ...(dataset ? { lineage: { dataset: { name: dataset, version: 'sha256:00' } } } : {}) } }) as unknown as ModelVersionObject;
const versions = [version('eta', 1, 'rides-v1'), version('eta', 2, 'rides-v2'), version('other', 2, 'elsewhere'), version('eta', 3)];

describe('the baseline Dataset', () => {
  it.each([
    ['the spec names it', 'pinned', 2, { name: 'pinned', from: 'spec' }],
    ['else the stable version was trained on it', undefined, 2, { name: 'rides-v2', from: 'stableVersion' }],
    ['no stable version yet', undefined, undefined, undefined],
    ['a stable version without lineage', undefined, 3, undefined],
    ['a stable version that does not exist', undefined, 9, undefined],
  ])('%s', (_name, ref, stable, expected) => {
    expect(baselineDataset(ref, stableModelVersion(deployment(stable), versions))).toEqual(expected);
  });

  it('the profile ConfigMap: what the Dataset status names, else <dataset>-profile', () => {
    expect(profileConfigMapName({ metadata: { name: 'rides' }, status: { profile: { configMapRef: { name: 'custom' } } } })).toBe('custom');
    expect(profileConfigMapName({ metadata: { name: 'rides' } })).toBe('rides-profile');
  });
});

describe('the baseline profile: the data version the stable model was trained on', () => {
  const v1 = `sha256:${'1'.repeat(64)}`;
  const v2 = `sha256:${'2'.repeat(64)}`;
  const dataset = (version?: string) => ({ metadata: { name: 'rides' }, ...(version ? { status: { version, profile: { configMapRef: { name: 'rides-profile' } } } } : {}) });
  const trainedOn = (name: string, v: string) => ({ metadata: { name: 'eta-1' }, spec: { model: 'eta', version: 1, artifact: { uri: 's3://b/m', sha256: 'a'.repeat(64) }, lineage: { dataset: { name, version: v } } } }) as unknown as ModelVersionObject;
  it.each([
    ['the stable version was trained on an older version than the current', dataset(v2), trainedOn('rides', v1), { dataset: 'rides', version: v1, configMap: 'rides-profile-111111111111', from: 'stableVersion', modelVersion: 'eta-1' }],
    ['the stable version was trained on the current version', dataset(v2), trainedOn('rides', v2), { dataset: 'rides', version: v2, configMap: 'rides-profile-222222222222', from: 'stableVersion', modelVersion: 'eta-1' }],
    ['no stable version: the current version', dataset(v2), undefined, { dataset: 'rides', version: v2, configMap: 'rides-profile-222222222222', from: 'datasetVersion' }],
    ['a stable version trained on another Dataset: this one\'s current version', dataset(v2), trainedOn('elsewhere', v1), { dataset: 'rides', version: v2, configMap: 'rides-profile-222222222222', from: 'datasetVersion' }],
    ['a Dataset not profiled yet: its current profile ConfigMap', dataset(), undefined, { dataset: 'rides', configMap: 'rides-profile', from: 'datasetVersion' }],
    ['a version that is not a sha256: the current profile ConfigMap', dataset(), trainedOn('rides', 'sha256:00'), { dataset: 'rides', version: 'sha256:00', configMap: 'rides-profile', from: 'stableVersion', modelVersion: 'eta-1' }],
  ])('%s', (_name, d, stable, expected) => {
    expect(baselineProfile(d, stable)).toEqual(expected);
  });

  it('the rerun request names the drifted data only when the baseline is the stable version\'s', () => {
    expect(driftedFrom(baselineProfile(dataset(v2), trainedOn('rides', v1)))).toBe(v1);
    expect(driftedFrom(baselineProfile(dataset(v2), undefined))).toBeUndefined();
    expect(driftedFrom(undefined)).toBeUndefined();
  });
});

describe('resolving the baseline over the cached Datasets (both the DriftMonitor and the Deployment controller)', () => {
  const v1 = `sha256:${'1'.repeat(64)}`;
  const datasets = new Map([['rides-v1', { metadata: { name: 'rides-v1' }, status: { version: v1 } }]]);
  const lookup = (name: string) => datasets.get(name);
  const trained = { ...version('eta', 1, 'rides-v1'), spec: { ...version('eta', 1).spec, lineage: { dataset: { name: 'rides-v1', version: v1 } } } } as unknown as ModelVersionObject;
  it.each([
    ['the stable version\'s training data', undefined, trained, { dataset: 'rides-v1', version: v1, configMap: 'rides-v1-profile-111111111111', from: 'stableVersion', modelVersion: 'eta-1' }],
    ['no stable version and no spec: why', undefined, undefined, { missing: 'no stable version trained on a Dataset yet' }],
    ['the named Dataset is not in the cache: which', 'pinned', trained, { missing: 'Dataset pinned not found' }],
  ])('%s', (_name, ref, stable, expected) => {
    expect(resolveBaseline(ref, stable, lookup)).toEqual(expected);
  });

  it('a model version is found by model and number only', () => {
    expect(modelVersionNumbered('eta', 2, versions)?.spec.lineage?.dataset?.name).toBe('rides-v2');
    expect(modelVersionNumbered('other', 2, versions)?.spec.lineage?.dataset?.name).toBe('elsewhere');
    expect(modelVersionNumbered('eta', 9, versions)).toBeUndefined();
    expect(modelVersionNumbered('eta', undefined, versions)).toBeUndefined();
  });
});

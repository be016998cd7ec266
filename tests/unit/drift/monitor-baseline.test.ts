/**
 * Which Dataset is a DriftMonitor's baseline (src/controllers/driftmonitor/baseline.ts): the spec's, else the one
 * the stable model version was trained on; and where its profile is.
 */
import { describe, expect, it } from 'vitest';
import { baselineDataset, profileConfigMapName, stableModelVersion, type DeploymentObject, type ModelVersionObject } from '../../../src/controllers/driftmonitor/baseline.js';

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

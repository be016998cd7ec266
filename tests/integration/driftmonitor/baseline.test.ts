/**
 * The DriftMonitor's baseline on the real control plane is the profile of the data version the stable
 * ModelVersion was trained on, not the Dataset's latest: the Dataset has moved on to a second version (its
 * current profile ConfigMap holds other bins) while eta-1, trained on the first, serves. The monitor waits with
 * BaselineNotReady naming the version and the ModelVersion until that version's snapshot exists, then says in
 * status.baseline which profile it compares with, and scores real serving pods' traffic on those bins. When the
 * stable version moves to one trained on the second version, the baseline moves with it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cairnResource } from '../../../src/controllers/resources.js';
import { renderProfileSnapshot, profileSnapshotName } from '../../../src/render/profile-snapshot.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { createNamespace, deleteNamespace } from '../../harness/kube.js';
import { ensureModels } from '../../unit/serving/models.js';
import { createStorageSecret } from '../dataset/support.js';
import { installCrds } from '../gitsource/support.js';
import { conditionOf, createBaseline, createMonitor, kube, monitorWhere, PROFILE_PATH, profile, sendTraffic, servingUrls, startDriftOperator, startServing, trainingRows } from './support.js';

const TRAINED_ON = profile.version;
const NEWER = `sha256:${'e'.repeat(64)}`;
const manager = { fieldManager: 'cairn-test', force: true };

/** The first version's profile with every bin edge moved: what the Dataset's latest profile holds, on other bins. */
const newerProfile = JSON.stringify({ ...profile, version: NEWER, features: profile.features.map((f) => ({ ...f, bins: { ...(f as { bins: object }).bins, edges: (f as unknown as { bins: { edges: number[] } }).bins.edges.map((e) => e + 0.5) } })) });

function modelVersion(namespace: string, version: number, dataVersion: string): KubeObject {
  return {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'ModelVersion',
    metadata: { name: `eta-${version}`, namespace },
    spec: { model: 'driftcheck', version, artifact: { uri: 's3://cairn-test/eta/model.onnx', sha256: 'a'.repeat(64) }, lineage: { dataset: { name: 'driver-stats', version: dataVersion } } },
  } as KubeObject;
}

describe('DriftMonitor baseline: the stable version\'s training data', () => {
  let namespace = '';
  let operator: Awaited<ReturnType<typeof startDriftOperator>> | undefined;

  beforeAll(async () => {
    await ensureModels();
    await installCrds();
    namespace = await createNamespace('drift-baseline');
    await createStorageSecret(namespace);
    // The Dataset's current version is the newer one: driver-stats-profile holds its profile.
    await createBaseline(namespace, 'driver-stats');
    await kube.patch(builtin.configMap, 'driver-stats-profile', namespace, { data: { 'profile.json': newerProfile } }, { type: 'merge' });
    await kube.applyStatus(cairnResource('Dataset'), { apiVersion: 'cairn.dev/v1alpha1', kind: 'Dataset', metadata: { name: 'driver-stats', namespace }, status: { version: NEWER, profile: { configMapRef: { name: 'driver-stats-profile' }, features: 3 } } } as KubeObject, manager);
    await kube.create(cairnResource('ModelVersion'), modelVersion(namespace, 1, TRAINED_ON));
  });
  afterAll(async () => {
    await operator?.stop();
    if (namespace) await deleteNamespace(namespace);
  });

  test('waits for the snapshot of the trained-on version, compares with it, and moves with the stable version', { timeout: 300_000 }, async () => {
    const snapshot = profileSnapshotName('driver-stats', TRAINED_ON);
    const owner = await startServing(namespace, 1, snapshot);
    await kube.applyStatus(cairnResource('Deployment'), { apiVersion: 'cairn.dev/v1alpha1', kind: 'Deployment', metadata: { name: 'eta', namespace }, status: { stable: { version: 1, weight: 100 } } } as KubeObject, manager);
    operator = await startDriftOperator(namespace);
    await createMonitor(namespace, 'eta-drift', { deploymentRef: { name: 'eta' }, baseline: { datasetRef: { name: 'driver-stats' } }, interval: '2s', window: '30m', minSamples: 500 });

    const waiting = await monitorWhere(namespace, 'eta-drift', 'BaselineNotReady for the missing snapshot', (m) => {
      if (conditionOf(m, 'Ready')?.reason !== 'BaselineNotReady') throw new Error(JSON.stringify(conditionOf(m, 'Ready')));
    });
    expect(conditionOf(waiting, 'Ready')?.message).toBe(`Dataset driver-stats has no profile of ${TRAINED_ON} (the data ModelVersion eta-1 was trained on) yet (ConfigMap ${snapshot}, key profile.json)`);

    // The Dataset's snapshot of the trained-on version (as its controller keeps it), owned by the Dataset.
    const dataset = await kube.get<KubeObject>(cairnResource('Dataset'), 'driver-stats', namespace);
    await kube.create(builtin.configMap, renderProfileSnapshot(dataset!, TRAINED_ON, { 'profile.json': readFileSync(PROFILE_PATH, 'utf8') }) as unknown as KubeObject);

    const urls = await servingUrls(namespace, owner, 1);
    await sendTraffic(urls, trainingRows(1000, 11));
    const scored = await monitorWhere(namespace, 'eta-drift', 'Drifted=False over 1000 rows on the trained-on bins', (m) => {
      if (conditionOf(m, 'Drifted')?.status !== 'False' || m.status?.samples !== 1000) throw new Error(`samples ${m.status?.samples}, Drifted ${JSON.stringify(conditionOf(m, 'Drifted'))}`);
    });
    expect((scored.status as { baseline?: unknown }).baseline).toEqual({ dataset: 'driver-stats', version: TRAINED_ON, configMap: snapshot, from: 'stableVersion', modelVersion: 'eta-1' });
    expect(scored.status?.features?.map((f) => f.name)).toEqual(['conv_rate', 'acc_rate', 'avg_daily_trips']);

    // eta-2, trained on the newer version, becomes stable: the baseline follows it.
    await kube.create(cairnResource('ModelVersion'), modelVersion(namespace, 2, NEWER));
    await kube.applyStatus(cairnResource('Deployment'), { apiVersion: 'cairn.dev/v1alpha1', kind: 'Deployment', metadata: { name: 'eta', namespace }, status: { stable: { version: 2, weight: 100 } } } as KubeObject, manager);
    const moved = await monitorWhere(namespace, 'eta-drift', 'the baseline on eta-2\'s data', (m) => {
      if (conditionOf(m, 'Ready')?.reason !== 'BaselineNotReady') throw new Error(JSON.stringify(conditionOf(m, 'Ready')));
    });
    expect(conditionOf(moved, 'Ready')?.message).toContain(`ConfigMap ${profileSnapshotName('driver-stats', NEWER)}`);
    expect(conditionOf(moved, 'Ready')?.message).toContain('ModelVersion eta-2');
  });
});

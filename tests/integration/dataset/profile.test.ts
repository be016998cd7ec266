/**
 * The Dataset controller on the real control plane: the local node runs the real profile Job (`cairn fetch`
 * from the real S3 server or a PersistentVolumeClaim, then `cairn profile`, which fills the ConfigMap with the
 * Job's own ServiceAccount). The profile must equal tests/reference/profile.py's numpy computation on csv,
 * parquet and jsonl.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { builtin } from '../../../src/runtime/kube/resource.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import type { DatasetProfile } from '../../../src/profile/types.js';
import { createNamespace, deleteNamespace, testenv } from '../../harness/kube.js';
import { installCrds } from '../gitsource/support.js';
import { createDataset, createStorageSecret, datasetWhere, eventWhere, expectColumn, jobsPruned, kube, profileOf, putObject, referenceData, sha256, startDatasetOperator } from './support.js';

const formats = ['csv', 'parquet', 'jsonl'] as const;

describe('Dataset: the profile Job on the local node', () => {
  let namespace = '';
  let stop: (() => Promise<void>) | undefined;
  let data: Awaited<ReturnType<typeof referenceData>>;
  const pvDir = join(testenv().dir, `dataset-pv-${process.pid}`);
  let pvName = '';

  beforeAll(async () => {
    await installCrds();
    namespace = await createNamespace('dataset');
    await createStorageSecret(namespace);
    data = await referenceData(['--rows', '20000', '--nulls', '0.005', '--seed', '11']);
    const spec = (source: Record<string, unknown>) => ({ source, schema: data.schema, validation: { maxNullFraction: 0.01 }, profile: { bins: 10 } });
    for (const format of formats) {
      const { uri, sha256: digest } = await putObject(`${namespace}/drivers.${format}`, readFileSync(join(data.dir, `data.${format}`)));
      await createDataset(`drivers-${format}`, namespace, spec({ uri, format, sha256: digest }));
    }
    // A PersistentVolumeClaim bound to a hostPath volume that holds the csv.
    mkdirSync(join(pvDir, 'nov'), { recursive: true });
    const csv = readFileSync(join(data.dir, 'data.csv'));
    writeFileSync(join(pvDir, 'nov', 'drivers.csv'), csv);
    pvName = `${namespace}-data`;
    await kube.create(builtin.persistentVolume, {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pvName },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: pvDir, type: 'Directory' }, claimRef: { namespace, name: 'driver-data' } },
    } as KubeObject);
    await kube.create(builtin.persistentVolumeClaim, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'driver-data', namespace },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'manual', resources: { requests: { storage: '1Gi' } }, volumeName: pvName },
    } as KubeObject);
    await createDataset('drivers-pvc', namespace, spec({ uri: 'pvc://driver-data/nov/drivers.csv', format: 'csv', sha256: sha256(csv) }));
    ({ stop } = await startDatasetOperator(namespace));
  }, 900_000);

  afterAll(async () => {
    await stop?.();
    if (namespace) await deleteNamespace(namespace);
    if (pvName) await kube.delete(builtin.persistentVolume, pvName).catch(() => false);
    rmSync(pvDir, { recursive: true, force: true });
    if (data) rmSync(data.dir, { recursive: true, force: true });
  });

  test.each(formats)('%s from S3: Ready with the row count, and a profile equal to numpy', async (format) => {
    const name = `drivers-${format}`;
    const dataset = await datasetWhere(namespace, name, 'Ready', 'True');
    const digest = sha256(readFileSync(join(data.dir, `data.${format}`)));
    expect(dataset.status).toMatchObject({ version: `sha256:${digest}`, rows: 20000, profile: { configMapRef: { name: `${name}-profile` }, features: 5 } });
    expect(dataset.status?.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual(['Ready=True/Profiled', 'Verified=True/ChecksumMatched', 'Validated=True/GatesPassed']);
    // The figures are the measured shares of nulls: 0.5 % of each column the generator left empty.
    const nulls = dataset.status?.validation?.nullFraction ?? {};
    const profile: DatasetProfile = await profileOf(namespace, `${name}-profile`);
    expect(profile).toMatchObject({ dataset: name, version: `sha256:${digest}`, rows: data.reference.rows });
    for (const feature of profile.features) expect(nulls[feature.name], feature.name).toBe(feature.nulls / 20000);
    expect(profile.features.map((f) => f.name)).toEqual(data.reference.features.map((f) => f.name));
    profile.features.forEach((f, i) => expectColumn(f, data.reference.features[i]!));
    expectColumn(profile.target!, data.reference.target!);
    // Done: the Job is pruned once its result is recorded, and an Event says so.
    await jobsPruned(namespace, name);
    expect(await eventWhere(namespace, name, 'Normal/Profiled: ')).toBe('Normal/Profiled: Verified and profiled 20000 rows');
  });

  test('csv from a PersistentVolumeClaim: Ready with the same profile', async () => {
    const dataset = await datasetWhere(namespace, 'drivers-pvc', 'Ready', 'True');
    expect(dataset.status?.rows).toBe(20000);
    const profile = await profileOf(namespace, 'drivers-pvc-profile');
    profile.features.forEach((f, i) => expectColumn(f, data.reference.features[i]!));
  });
});

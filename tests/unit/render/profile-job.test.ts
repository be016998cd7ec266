import { describe, expect, it } from 'vitest';
import type { DatasetSpec } from '../../../src/api/kinds/dataset.js';
import { isRenderError } from '../../../src/render/index.js';
import { profileResourceName, renderProfileAccess } from '../../../src/render/profile-access.js';
import { PROFILE_HEAP_MB, profileJobName, renderProfileJob, type ProfileJobInput } from '../../../src/render/profile-job.js';
import { expectGolden } from './golden.js';
import { dataset as owner, longName } from './owners.js';

const SHA = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

const spec = (source: Partial<DatasetSpec['source']> = {}): DatasetSpec => ({
  source: { uri: 's3://ml-data/driver_stats/2026-11.parquet', format: 'parquet', sha256: SHA, ...source },
  schema: {
    features: [
      { name: 'conv_rate', type: 'number', min: 0, max: 1 },
      { name: 'city', type: 'categorical' },
    ],
    target: { name: 'trip_minutes', type: 'number', min: 0 },
  },
  validation: { maxNullFraction: 0.01 },
  profile: { bins: 10 },
});

const input = (overrides: Partial<ProfileJobInput> = {}, source: Partial<DatasetSpec['source']> = {}): ProfileJobInput => ({
  dataset: { ...owner, spec: spec(source) },
  cairnImage: 'ghcr.io/cairn-dev/cairn:0.1.0',
  ...overrides,
});

const failure = (f: () => unknown): { reason?: string; field?: string } => {
  try {
    f();
  } catch (err) {
    if (isRenderError(err)) return { reason: err.reason, field: err.field };
    throw err;
  }
  throw new Error('no RenderError');
};

describe('renderProfileJob', () => {
  it('golden: fetch verifies the version, profile writes its ConfigMap with the Dataset ServiceAccount, memory bounded', () => {
    expectGolden('profile-job', renderProfileJob(input()));
  });

  it('golden: a pvc:// source mounts its claim read-only where cairn fetch looks; placement goes into the pod', () => {
    expectGolden(
      'profile-job-pvc',
      renderProfileJob(
        input({ nodeSelector: { 'cairn.dev/local-node': 'true' }, tolerations: [{ key: 'cairn.dev/local-node', operator: 'Equal', value: 'true', effect: 'NoSchedule' }] }, { uri: 'pvc://driver-data/2026/11.csv', format: 'csv' }),
      ),
    );
  });

  it('the profile container reads the fetched file, and both containers have a memory limit above the heap limit', () => {
    const job = renderProfileJob(input({}, { format: 'jsonl', uri: 'https://data.example.com/d.jsonl' }));
    const pod = job.spec.template.spec;
    const [fetch] = pod.initContainers ?? [];
    const profile = pod.containers[0]!;
    expect(fetch?.args?.slice(0, 8)).toEqual(['fetch', 'https://data.example.com/d.jsonl', '--sha256', SHA, '--to', '/cairn/data', '--name', 'data.jsonl']);
    expect(profile.args?.slice(0, 5)).toEqual(['profile', '--data', '/cairn/data/data.jsonl', '--format', 'jsonl']);
    const arg = (flag: string) => profile.args?.[(profile.args?.indexOf(flag) ?? -2) + 1];
    expect(arg('--version')).toBe(`sha256:${SHA}`);
    expect(arg('--configmap')).toBe('driver-stats-profile');
    expect(arg('--namespace')).toBe('ml');
    expect(arg('--job')).toBe(job.metadata.name);
    expect(JSON.parse(arg('--dataset-json') ?? '')).toEqual({ apiVersion: owner.apiVersion, kind: 'Dataset', metadata: { name: 'driver-stats' }, spec: spec({ format: 'jsonl', uri: 'https://data.example.com/d.jsonl' }) });
    for (const c of [fetch!, profile]) {
      expect(c.resources?.limits?.memory).toBe('512Mi');
      expect(c.env).toContainEqual({ name: 'NODE_OPTIONS', value: `--max-old-space-size=${PROFILE_HEAP_MB}` });
    }
    expect(fetch?.envFrom).toEqual([{ secretRef: { name: 'cairn-storage', optional: true } }]);
    expect(profile.envFrom).toBeUndefined(); // storage credentials stay in the fetch container
    expect(pod.serviceAccountName).toBe('driver-stats-profile');
    expect(pod.automountServiceAccountToken).toBe(true);
  });

  it('a new sha256, schema, gate or bin count is a new Job name; the same input (whatever the image) the same name', () => {
    const base = profileJobName(input());
    expect(profileJobName(input())).toBe(base);
    expect(base).toMatch(/^driver-stats-profile-[0-9a-f]{10}$/);
    expect(profileJobName(input({}, { sha256: 'a'.repeat(64) }))).not.toBe(base);
    const other = input();
    other.dataset.spec.profile = { bins: 20 };
    expect(profileJobName(other)).not.toBe(base);
    const schema = input();
    schema.dataset.spec.schema.features.push({ name: 'acc_rate', type: 'number' });
    expect(profileJobName(schema)).not.toBe(base);
    // An operator upgrade (a new image) does not profile every Dataset again.
    expect(profileJobName(input({ cairnImage: 'ghcr.io/cairn-dev/cairn:0.2.0' }))).toBe(base);
  });

  it('a 235-character Dataset name with a dot gives a 63-character Job name without dots', () => {
    const long = input({ dataset: { ...owner, metadata: { ...owner.metadata, name: longName.slice(0, 235) }, spec: spec() } });
    const name = profileJobName(long);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(renderProfileJob(long).metadata.name).toBe(name);
  });

  it('refuses file:// unless the operator allows it, and passes the permission on to cairn fetch', () => {
    expect(failure(() => renderProfileJob(input({}, { uri: 'file:///data/d.csv' })))).toEqual({ reason: 'InvalidValue', field: 'spec.source.uri' });
    const job = renderProfileJob(input({ allowFileUrls: true }, { uri: 'file:///data/d.csv' }));
    expect(job.spec.template.spec.initContainers?.[0]?.args).toContain('--allow-file-urls');
  });

  it('refuses an owner without uid and a node selector the API server would reject', () => {
    const { uid: _uid, ...metadata } = owner.metadata;
    expect(failure(() => renderProfileJob(input({ dataset: { ...owner, metadata, spec: spec() } })))).toMatchObject({ reason: 'OwnerNotCreated' });
    expect(failure(() => renderProfileJob(input({ nodeSelector: { 'bad key!': 'x' } })))).toMatchObject({ reason: 'InvalidLabel', field: 'nodeSelector.bad key!' });
  });
});

describe('renderProfileAccess', () => {
  it('golden: the pending ConfigMap, and a ServiceAccount whose Role may get, update and patch that ConfigMap only', () => {
    expectGolden('profile-access', renderProfileAccess(owner));
  });

  it('every object is owned by the Dataset and named <dataset>-profile', () => {
    const access = renderProfileAccess(owner);
    for (const object of Object.values(access)) {
      expect(object.metadata.name).toBe('driver-stats-profile');
      expect(object.metadata.ownerReferences).toEqual([{ apiVersion: owner.apiVersion, kind: 'Dataset', name: 'driver-stats', uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true }]);
      expect(object.metadata.labels['app.kubernetes.io/managed-by']).toBe('cairn');
    }
    expect(access.role.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['driver-stats-profile'], verbs: ['get', 'patch', 'update'] }]);
    expect(access.configMap.data).toBeUndefined();
  });

  it('refuses a name whose <name>-profile would pass 253 characters', () => {
    expect(failure(() => profileResourceName({ metadata: { name: longName } }))).toMatchObject({ reason: 'InvalidName' });
  });
});

/** `cairn profile --configmap`: the Job's one write into the ConfigMap the operator created, whole or not at all. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/command.js';
import { parseProfileArgs } from '../../../src/cli/profile.js';
import { runProfile } from '../../../src/cli/profile-run.js';
import { PROFILE_FIELD_MANAGER, writeProfileConfigMap } from '../../../src/profile/configmap-write.js';
import { ProfileError } from '../../../src/profile/errors.js';
import type { DatasetProfile } from '../../../src/profile/types.js';
import type { KubeClient } from '../../../src/runtime/kube/client.js';
import { KubeApiError } from '../../../src/runtime/kube/errors.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { FakeKube } from '../../support/index.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-profile-cm-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const datasetJson = (validation: object = {}) =>
  JSON.stringify({
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'Dataset',
    metadata: { name: 'driver-stats' },
    spec: {
      source: { uri: 's3://b/d.csv', format: 'csv', sha256: 'a'.repeat(64) },
      schema: { features: [{ name: 'conv_rate', type: 'number', min: 0, max: 1 }, { name: 'city', type: 'categorical' }], target: { name: 'trip_minutes', type: 'number' } },
      validation,
      profile: { bins: 2 },
    },
  });

const VERSION = `sha256:${'a'.repeat(64)}`;

async function pendingConfigMap(): Promise<FakeKube> {
  const kube = new FakeKube();
  await kube.create(builtin.configMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'driver-stats-profile', namespace: 'ml', annotations: { 'cairn.dev/applied-digest': 'x' } } });
  return kube;
}

async function runJob(kube: KubeClient, csv: string, validation: object = {}) {
  await writeFile(join(dir, 'data.csv'), csv);
  const options = parseProfileArgs(['--data', join(dir, 'data.csv'), '--format', 'csv', '--dataset-json', datasetJson(validation), '--version', VERSION, '--configmap', 'driver-stats-profile', '--namespace', 'ml', '--job', 'driver-stats-profile-0123456789']);
  if (options === 'help') throw new Error('help');
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const log = join(dir, 'termination-log');
  const code = await runProfile(options, { CAIRN_TERMINATION_LOG: log }, out, async () => kube);
  return { code, out: text, termination: JSON.parse(await readFile(log, 'utf8')) as Record<string, unknown> };
}

describe('cairn profile --configmap', () => {
  it('fills the pending ConfigMap in one patch: profile.json, validation.json with rows, the version and the Job', async () => {
    const kube = await pendingConfigMap();
    const { code, out, termination } = await runJob(kube, 'conv_rate,city,trip_minutes\n0.5,hanoi,10\n0.25,hcm,12\n');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ configMap: 'ml/driver-stats-profile', rows: 2, version: VERSION });
    expect(termination).toMatchObject({ reason: 'Succeeded', rows: 2, version: VERSION });
    const patches = kube.actions.filter((a) => a.verb === 'patch');
    expect(patches).toHaveLength(1);
    const cm = (await kube.get<{ data?: Record<string, string>; metadata: { annotations?: Record<string, string> } } & { apiVersion: string; kind: string }>(builtin.configMap, 'driver-stats-profile', 'ml'))!;
    expect(cm.metadata.annotations).toEqual({ 'cairn.dev/applied-digest': 'x', 'cairn.dev/profile-version': VERSION, 'cairn.dev/profile-job': 'driver-stats-profile-0123456789' });
    const profile = JSON.parse(cm.data!['profile.json']!) as DatasetProfile;
    expect(profile).toMatchObject({ dataset: 'driver-stats', version: VERSION, rows: 2 });
    expect(JSON.parse(cm.data!['validation.json']!)).toEqual({ rows: 2, nullFraction: { conv_rate: 0, city: 0, trip_minutes: 0 }, outOfRange: { conv_rate: 0 } });
  });

  it('a failed gate writes nothing and leaves the reason with the fraction', async () => {
    const kube = await pendingConfigMap();
    const { code, termination } = await runJob(kube, 'conv_rate,city,trip_minutes\n,hanoi,10\n0.25,hcm,12\n', { maxNullFraction: 0.1 });
    expect(code).toBe(1);
    expect(termination).toMatchObject({ reason: 'NullsOverLimit', validation: { nullFraction: { conv_rate: 0.5 } } });
    expect(kube.actions.filter((a) => a.verb === 'patch')).toHaveLength(0);
  });

  it('no ConfigMap to fill (RBAC cannot let the Job create one): WriteFailed after the retries', async () => {
    const kube = new FakeKube();
    const sleeps: number[] = [];
    const profile: DatasetProfile = { dataset: 'd', version: VERSION, rows: 1, features: [] };
    const error = await writeProfileConfigMap(kube, { name: 'd-profile', namespace: 'ml' }, profile, { nullFraction: {}, outOfRange: {} }, { attempts: 3, delayMs: 10, sleep: async (ms) => void sleeps.push(ms) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProfileError);
    expect(error).toMatchObject({ reason: 'WriteFailed', message: expect.stringMatching(/^could not write ConfigMap ml\/d-profile: /) });
    expect(sleeps).toEqual([10, 20]);
  });

  it('a 403 while the RoleBinding propagates is retried; a 413 is ProfileTooLarge at once; a patch uses its own field manager', async () => {
    const kube = await pendingConfigMap();
    const answers: unknown[] = [new KubeApiError(403, 'Forbidden', 'configmaps "driver-stats-profile" is forbidden')];
    const managers: Array<string | undefined> = [];
    const flaky: KubeClient = Object.assign(Object.create(kube) as KubeClient, {
      patch: async (...args: Parameters<KubeClient['patch']>) => {
        managers.push(args[4].fieldManager);
        const next = answers.shift();
        if (next) throw next;
        return kube.patch(...args);
      },
    });
    const profile: DatasetProfile = { dataset: 'd', version: VERSION, rows: 1, features: [] };
    const figures = { nullFraction: {}, outOfRange: {} };
    await writeProfileConfigMap(flaky, { name: 'driver-stats-profile', namespace: 'ml' }, profile, figures, { sleep: async () => undefined });
    expect(managers).toEqual([PROFILE_FIELD_MANAGER, PROFILE_FIELD_MANAGER]);
    answers.push(new KubeApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
    await expect(writeProfileConfigMap(flaky, { name: 'driver-stats-profile', namespace: 'ml' }, profile, figures, { sleep: async () => undefined })).rejects.toMatchObject({ reason: 'ProfileTooLarge' });
  });

  it('a profile too large for a ConfigMap is refused before anything is sent', async () => {
    const kube = await pendingConfigMap();
    const categories = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`${i}-${'x'.repeat(20_000)}`, 1]));
    const big: DatasetProfile = { dataset: 'd', version: VERSION, rows: 1, features: [{ name: 'c', type: 'categorical', nulls: 0, categories, otherCount: 0 }] };
    await expect(writeProfileConfigMap(kube, { name: 'driver-stats-profile', namespace: 'ml' }, big, { nullFraction: {}, outOfRange: {} })).rejects.toMatchObject({ reason: 'ProfileTooLarge' });
    expect(kube.actions.filter((a) => a.verb === 'patch')).toHaveLength(0);
  });

  it('usage: --configmap needs --namespace and excludes --out; --dataset-json must be a valid Dataset', async () => {
    const base = ['--data', 'x', '--format', 'csv', '--dataset-json', datasetJson()];
    expect(() => parseProfileArgs([...base, '--configmap', 'c'])).toThrow('--configmap and --namespace go together');
    expect(() => parseProfileArgs([...base, '--configmap', 'c', '--namespace', 'n', '--out', 'f'])).toThrow(UsageError);
    const options = parseProfileArgs(['--data', 'x', '--format', 'csv', '--dataset-json', '{"kind":"Dataset"}']);
    if (options === 'help') throw new Error('help');
    await expect(runProfile(options, {}, new PassThrough())).rejects.toThrow(/--dataset-json is not a valid Dataset/);
  });
});

/**
 * The Dataset's step on the kit, over an in-memory API: the profile Job's access objects first, then the Job,
 * then each way it can end (a pod's terminated state as the kubelet reports it) into conditions, status,
 * Events and what is kept or pruned. The real Job on the real control plane: tests/integration/dataset/.
 */
import { describe, expect, it } from 'vitest';
import { datasetController, datasetResource } from '../../../src/controllers/dataset/index.js';
import { isStalled, isWaiting, TransientError } from '../../../src/runtime/errors.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { controllerDeps } from './deps.js';

const SHA = 'ab'.repeat(32);
type Condition = { type: string; status: string; reason: string; message: string };
type DatasetLike = KubeObject & { status?: Record<string, unknown> & { conditions?: Condition[] } };

async function setup(opts: { uri?: string; allowFileUrls?: boolean } = {}) {
  const t = controllerDeps({ allowFileUrls: opts.allowFileUrls ?? false });
  const def = datasetController({ cairnImage: 'ghcr.io/cairn-dev/cairn:0.1.0' })(t.deps);
  t.informers.start();
  await t.informers.waitForSync();
  await t.kube.create(datasetResource, {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'Dataset',
    metadata: { name: 'drivers', namespace: 'ml' },
    spec: {
      source: { uri: opts.uri ?? 's3://data/drivers.csv', format: 'csv', sha256: SHA },
      schema: { features: [{ name: 'conv_rate', type: 'number' }, { name: 'city', type: 'categorical' }] },
      validation: { maxNullFraction: 0.1 },
    },
  } as KubeObject);
  const reconcile = async () => {
    await t.settle();
    try {
      return { result: await def.reconcile({ key: 'ml/drivers', namespace: 'ml', name: 'drivers' }, t.ctx) };
    } catch (error) {
      return { error };
    }
  };
  const dataset = async () => (await t.kube.get<DatasetLike>(datasetResource, 'drivers', 'ml'))!;
  const brief = async () => ((await dataset()).status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);
  const condition = async (type: string) => ((await dataset()).status?.conditions ?? []).find((c) => c.type === type);
  const jobs = async () => (await t.kube.list(builtin.job, { namespace: 'ml' })).items;
  /** The Job started: access objects seen, then the Job created. */
  const started = async () => {
    await reconcile();
    await reconcile();
    const [job] = await jobs();
    if (!job) throw new Error('no Job');
    return job;
  };
  /** The Job ends as the kubelet and the Job controller report it. */
  const end = async (job: KubeObject, how: { exitCode: number; container?: 'fetch' | 'profile'; message?: string; reason?: string }) => {
    const container = how.container ?? 'profile';
    const terminated = { exitCode: how.exitCode, reason: how.reason ?? (how.exitCode === 0 ? 'Completed' : 'Error'), ...(how.message ? { message: how.message } : {}) };
    const waiting = { waiting: { reason: 'PodInitializing' } };
    await t.kube.create(builtin.pod, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${job.metadata!.name}-x1`, namespace: 'ml', labels: { 'app.kubernetes.io/managed-by': 'cairn' }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata!.name!, uid: job.metadata!.uid!, controller: true }] },
      spec: { initContainers: [{ name: 'fetch' }], containers: [{ name: 'profile' }] },
      status: {
        phase: how.exitCode === 0 ? 'Succeeded' : 'Failed',
        initContainerStatuses: [{ name: 'fetch', state: { terminated: container === 'fetch' ? terminated : { exitCode: 0, reason: 'Completed' } } }],
        containerStatuses: [{ name: 'profile', state: container === 'fetch' ? waiting : { terminated } }],
      },
    } as KubeObject);
    const type = how.exitCode === 0 ? 'Complete' : 'Failed';
    await t.kube.patch(builtin.job, job.metadata!.name!, 'ml', { status: { conditions: [{ type, status: 'True', reason: how.exitCode === 0 ? undefined : 'BackoffLimitExceeded' }] } }, { type: 'merge', subresource: 'status' });
  };
  /** What `cairn profile --configmap` writes. */
  const writeProfile = async (jobName: string, rows: number) => {
    await t.kube.patch(
      builtin.configMap,
      'drivers-profile',
      'ml',
      {
        metadata: { annotations: { 'cairn.dev/profile-version': `sha256:${SHA}`, 'cairn.dev/profile-job': jobName } },
        data: { 'profile.json': '{}', 'validation.json': JSON.stringify({ rows, nullFraction: { conv_rate: 0.05, city: 0 }, outOfRange: {} }) },
      },
      { type: 'merge' },
    );
  };
  return { ...t, def, reconcile, dataset, brief, condition, jobs, started, end, writeProfile };
}

describe('Dataset controller', () => {
  it('creates the ConfigMap, ServiceAccount, Role and RoleBinding first, then the Job; Reconciling while it runs', async () => {
    const t = await setup();
    await t.reconcile();
    expect(await t.jobs()).toHaveLength(0);
    for (const res of [builtin.configMap, builtin.serviceAccount]) expect(await t.kube.get(res, 'drivers-profile', 'ml')).toBeDefined();
    const job = await t.started();
    expect(job.metadata?.name).toMatch(/^drivers-profile-[0-9a-f]{10}$/);
    expect(await t.brief()).toEqual(['Ready=Unknown/Progressing', 'Reconciling=True/Progressing', 'Verified=Unknown/Profiling', 'Validated=Unknown/Profiling']);
  });

  it('success: Ready with version, rows, figures and the ConfigMap; the Job is pruned; the next reconcile writes nothing', async () => {
    const t = await setup();
    const job = await t.started();
    await t.writeProfile(job.metadata!.name!, 48210);
    await t.end(job, { exitCode: 0, message: JSON.stringify({ reason: 'Succeeded', message: 'Profiled 48210 rows' }) });
    await t.reconcile();
    expect(await t.brief()).toEqual(['Ready=True/Profiled', 'Verified=True/ChecksumMatched', 'Validated=True/GatesPassed']);
    const status = (await t.dataset()).status!;
    expect(status).toMatchObject({
      version: `sha256:${SHA}`,
      rows: 48210,
      profile: { configMapRef: { name: 'drivers-profile' }, features: 2 },
      validation: { nullFraction: { conv_rate: 0.05, city: 0 }, outOfRange: {} },
      profileJob: { name: job.metadata!.name, result: 'Succeeded' },
    });
    expect((await t.condition('Ready'))?.message).toBe('Verified and profiled 48210 rows');
    // kept until the cache shows the recorded result, then pruned
    expect(await t.jobs()).toHaveLength(1);
    await t.reconcile();
    expect(await t.jobs()).toHaveLength(0);
    const writes = t.kube.actions.length;
    await t.reconcile();
    await t.reconcile();
    expect(t.kube.actions.slice(writes).filter((a) => a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch')).toEqual([]);
    expect(t.events.map((e) => `${e.type}/${e.reason}`)).toContain('Normal/Profiled');
  });

  it('a Job that succeeded before its ConfigMap update reached the cache: waits, records nothing yet', async () => {
    const t = await setup();
    const job = await t.started();
    await t.end(job, { exitCode: 0 });
    const { error } = await t.reconcile();
    expect(isWaiting(error) && error.reason).toBe('ProfilePending');
    expect((await t.dataset()).status?.profileJob).toBeUndefined();
    expect(await t.jobs()).toHaveLength(1);
  });

  it('sha256 mismatch: Verified=False ChecksumMismatch, a Warning Event, no retry (the Job is pruned)', async () => {
    const t = await setup();
    const job = await t.started();
    const message = `s3://data/drivers.csv: expected sha256 ${SHA}, got ${'cd'.repeat(32)}`;
    await t.end(job, { exitCode: 1, container: 'fetch', message: JSON.stringify({ reason: 'ChecksumMismatch', message }) });
    await t.reconcile();
    expect(await t.brief()).toEqual(['Ready=False/ChecksumMismatch', 'Verified=False/ChecksumMismatch', 'Validated=Unknown/ChecksumMismatch']);
    expect((await t.condition('Verified'))?.message).toBe(message);
    expect(t.events).toContainEqual({ type: 'Warning', reason: 'ChecksumMismatch', note: message });
    expect((await t.dataset()).status?.profileJob).toMatchObject({ result: 'Failed' });
    // kept until the cache shows the recorded result, then pruned
    expect(await t.jobs()).toHaveLength(1);
    await t.reconcile();
    expect(await t.jobs()).toHaveLength(0);
    await t.reconcile();
    expect(await t.jobs()).toHaveLength(0);
  });

  it('fetch failed without a termination message (a cluster without CAIRN_TERMINATION_LOG): the reason comes from its log line', async () => {
    const t = await setup();
    const job = await t.started();
    await t.end(job, { exitCode: 1, container: 'fetch', message: 'some progress\ncairn fetch: Unreachable: s3://data/drivers.csv: connect ECONNREFUSED 127.0.0.1:9\n' });
    await t.reconcile();
    expect(await t.brief()).toEqual(['Ready=False/SourceUnreachable', 'Reconciling=True/ProgressingWithRetry', 'Verified=False/SourceUnreachable', 'Validated=Unknown/SourceUnreachable']);
    // may pass: the failed Job stays until it expires, then a new one runs
    expect((await t.dataset()).status?.profileJob).toMatchObject({ result: 'Retrying' });
    expect(await t.jobs()).toHaveLength(1);
  });

  it('a failure that may pass is tried again by a new Job once the failed one expired (its TTL deleted it)', async () => {
    const t = await setup();
    const job = await t.started();
    await t.end(job, { exitCode: 1, container: 'fetch', message: JSON.stringify({ reason: 'AccessDenied', message: 's3://data/drivers.csv: access denied' }) });
    await t.reconcile();
    expect((await t.condition('Verified'))?.reason).toBe('AccessDenied');
    await t.kube.delete(builtin.job, job.metadata!.name!, 'ml');
    await t.reconcile();
    const [again] = await t.jobs();
    expect(again?.metadata?.name).toBe(job.metadata?.name);
    expect(again?.metadata?.uid).not.toBe(job.metadata?.uid);
  });

  it('a pod that cannot start (an image that cannot be pulled): Ready=False with the kubelet\'s reason, looked at again', async () => {
    const t = await setup();
    const job = await t.started();
    await t.kube.create(builtin.pod, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${job.metadata!.name}-x1`, namespace: 'ml', labels: { 'app.kubernetes.io/managed-by': 'cairn' }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata!.name!, uid: job.metadata!.uid!, controller: true }] },
      spec: { initContainers: [{ name: 'fetch' }], containers: [{ name: 'profile' }] },
      status: { phase: 'Pending', initContainerStatuses: [{ name: 'fetch', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "ghcr.io/cairn-dev/cairn:0.1.0"' } } }] },
    } as KubeObject);
    const { error } = await t.reconcile();
    expect(isWaiting(error) && error.reason).toBe('ImagePullBackOff');
    expect(await t.brief()).toEqual(['Ready=False/ImagePullBackOff', 'Reconciling=True/ProgressingWithRetry', 'Verified=Unknown/Profiling', 'Validated=Unknown/Profiling']);
    expect((await t.condition('Ready'))?.message).toContain('Back-off pulling image');
    expect(await t.jobs()).toHaveLength(1);
  });

  it('nulls over the limit: Verified=True, Validated=False NullsOverLimit with the fraction, the figures in status', async () => {
    const t = await setup();
    const job = await t.started();
    const message = 'column conv_rate has 50% nulls (1 of 2 rows), over the limit of 10%';
    await t.end(job, { exitCode: 1, message: JSON.stringify({ reason: 'NullsOverLimit', message, validation: { nullFraction: { conv_rate: 0.5, city: 0 }, outOfRange: {} } }) });
    await t.reconcile();
    expect(await t.brief()).toEqual(['Ready=False/NullsOverLimit', 'Verified=True/ChecksumMatched', 'Validated=False/NullsOverLimit']);
    expect((await t.condition('Ready'))?.message).toBe(message);
    expect((await t.dataset()).status?.validation).toEqual({ nullFraction: { conv_rate: 0.5, city: 0 }, outOfRange: {} });
    expect((await t.dataset()).status?.version).toBeUndefined();
    // kept until the cache shows the recorded result, then pruned
    expect(await t.jobs()).toHaveLength(1);
    await t.reconcile();
    expect(await t.jobs()).toHaveLength(0);
  });

  it('out of memory: Ready=False OOMKilled, retried (the error is transient), the Job kept until it expires', async () => {
    const t = await setup();
    const job = await t.started();
    await t.end(job, { exitCode: 137, reason: 'OOMKilled' });
    const { error } = await t.reconcile();
    expect(error instanceof TransientError && error.reason).toBe('OOMKilled');
    expect(await t.brief()).toEqual(['Ready=False/OOMKilled', 'Reconciling=True/ProgressingWithRetry', 'Verified=Unknown/Profiling', 'Validated=Unknown/Profiling']);
    expect(await t.jobs()).toHaveLength(1);
  });

  it('a new sha256 is a new Job; the old verdicts turn Unknown while it runs', async () => {
    const t = await setup();
    const first = await t.started();
    await t.writeProfile(first.metadata!.name!, 10);
    await t.end(first, { exitCode: 0 });
    await t.reconcile();
    await t.kube.patch(datasetResource, 'drivers', 'ml', { spec: { source: { sha256: 'ef'.repeat(32) } } }, { type: 'merge' });
    const second = await t.started();
    expect(second.metadata?.name).not.toBe(first.metadata?.name);
    expect(await t.brief()).toEqual(['Ready=Unknown/Progressing', 'Reconciling=True/Progressing', 'Verified=Unknown/Profiling', 'Validated=Unknown/Profiling']);
  });

  it('an operator upgraded to a new image while a Job runs leaves that Job as it is (its pod template is immutable)', async () => {
    const t = await setup();
    const job = await t.started();
    const upgraded = datasetController({ cairnImage: 'ghcr.io/cairn-dev/cairn:0.2.0' })(t.deps);
    await t.settle();
    await upgraded.reconcile({ key: 'ml/drivers', namespace: 'ml', name: 'drivers' }, t.ctx);
    const [same] = await t.jobs();
    expect(same?.metadata?.uid).toBe(job.metadata?.uid);
    expect((same as unknown as { spec: { template: { spec: { containers: Array<{ image: string }> } } } }).spec.template.spec.containers[0]?.image).toBe('ghcr.io/cairn-dev/cairn:0.1.0');
    expect(t.kube.actions.filter((a) => a.verb === 'apply' && a.resource === 'jobs.batch')).toHaveLength(1);
  });

  it('file:// without --allow-file-urls: Stalled InvalidSpec, nothing created', async () => {
    const t = await setup({ uri: 'file:///data/drivers.csv' });
    const { error } = await t.reconcile();
    expect(isStalled(error)).toBe(true);
    expect(await t.brief()).toEqual(['Ready=False/InvalidSpec', 'Stalled=True/InvalidSpec']);
    expect(await t.kube.get(builtin.configMap, 'drivers-profile', 'ml')).toBeUndefined();
  });
});

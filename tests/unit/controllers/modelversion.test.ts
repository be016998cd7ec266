/**
 * The ModelVersion's step on the kit, over an in-memory API: the inspect Job, then each way it can end (the
 * pod's terminated state as the kubelet reports it) into Verified, status.signature, Events and what is kept or
 * pruned. The real Job on the real control plane: tests/integration/modelversion/.
 */
import { describe, expect, it } from 'vitest';
import { modelVersionController, modelVersionResource } from '../../../src/controllers/modelversion/index.js';
import { isStalled, isWaiting } from '../../../src/runtime/errors.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { controllerDeps } from './deps.js';

const SHA = 'ab'.repeat(32);
type Condition = { type: string; status: string; reason: string; message: string };
type ModelVersionLike = KubeObject & { status?: Record<string, unknown> & { conditions?: Condition[] } };
const signature = { inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 3] }], outputs: [{ name: 'variable', datatype: 'FP32', shape: [-1, 1] }] };

async function setup(opts: { uri?: string; allowFileUrls?: boolean } = {}) {
  const t = controllerDeps({ allowFileUrls: opts.allowFileUrls ?? false });
  const def = modelVersionController({ cairnImage: 'ghcr.io/cairn-dev/cairn:0.1.0' })(t.deps);
  t.informers.start();
  await t.informers.waitForSync();
  await t.kube.create(modelVersionResource, {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'ModelVersion',
    metadata: { name: 'eta-7', namespace: 'ml' },
    spec: { model: 'eta', version: 7, artifact: { uri: opts.uri ?? 's3://models/eta/model.onnx', sha256: SHA } },
  } as KubeObject);
  const reconcile = async () => {
    await t.settle();
    try {
      return { result: await def.reconcile({ key: 'ml/eta-7', namespace: 'ml', name: 'eta-7' }, t.ctx) };
    } catch (error) {
      return { error };
    }
  };
  const object = async () => (await t.kube.get<ModelVersionLike>(modelVersionResource, 'eta-7', 'ml'))!;
  const brief = async () => ((await object()).status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);
  const condition = async (type: string) => ((await object()).status?.conditions ?? []).find((c) => c.type === type);
  const jobs = async () => (await t.kube.list(builtin.job, { namespace: 'ml' })).items;
  const started = async () => {
    await reconcile();
    const [job] = await jobs();
    if (!job) throw new Error('no Job');
    return job;
  };
  /** The Job ends as the kubelet and the Job controller report it; `pod: false` leaves the pod out (cache lag). */
  const end = async (job: KubeObject, how: { exitCode: number; message?: string; reason?: string; pod?: boolean; jobReason?: string }) => {
    const name = job.metadata!.name!;
    if (how.pod !== false) {
      const terminated = { exitCode: how.exitCode, reason: how.reason ?? (how.exitCode === 0 ? 'Completed' : 'Error'), ...(how.message ? { message: how.message } : {}) };
      await t.kube.create(builtin.pod, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${name}-x1`, namespace: 'ml', labels: { 'app.kubernetes.io/managed-by': 'cairn' }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: job.metadata!.uid!, controller: true }] },
        spec: { containers: [{ name: 'inspect' }] },
        status: { phase: how.exitCode === 0 ? 'Succeeded' : 'Failed', containerStatuses: [{ name: 'inspect', state: { terminated } }] },
      } as KubeObject);
    }
    const type = how.exitCode === 0 ? 'Complete' : 'Failed';
    await t.kube.patch(builtin.job, name, 'ml', { status: { conditions: [{ type, status: 'True', reason: how.exitCode === 0 ? undefined : (how.jobReason ?? 'BackoffLimitExceeded') }] } }, { type: 'merge', subresource: 'status' });
  };
  return { ...t, def, reconcile, object, brief, condition, jobs, started, end };
}

const writes = (actions: Array<{ verb: string }>) => actions.filter((a) => a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch');

describe('ModelVersion controller', () => {
  it('starts cairn model inspect as a Job; Verified Unknown and Reconciling while it runs', async () => {
    const t = await setup();
    const job = await t.started();
    expect(job.metadata?.name).toMatch(/^eta-7-inspect-[0-9a-f]{10}$/);
    expect((job as unknown as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } }).spec.template.spec.containers[0]!.args).toEqual(['model', 'inspect', 's3://models/eta/model.onnx', '--sha256', SHA]);
    expect(await t.brief()).toEqual(['Ready=Unknown/Progressing', 'Reconciling=True/Progressing', 'Verified=Unknown/Inspecting']);
  });

  it('verified: the signature in status, Ready with the model and version, a Normal Event, the Job pruned, then no writes', async () => {
    const t = await setup();
    const job = await t.started();
    await t.end(job, { exitCode: 0, message: JSON.stringify({ sha256: SHA, size: 253, signature }) });
    await t.reconcile();
    expect(await t.brief()).toEqual(['Ready=True/Verified', 'Verified=True/Verified']);
    expect((await t.object()).status?.signature).toEqual(signature);
    expect((await t.condition('Ready'))?.message).toBe('Model eta version 7: sha256 matched and ONNX Runtime loaded the model: 1 input, 1 output');
    expect(t.events).toContainEqual({ type: 'Normal', reason: 'Verified', note: 'Model eta version 7: sha256 matched and ONNX Runtime loaded the model: 1 input, 1 output' });
    // Pruned by the next reconcile, which reads the verdict back (a prune in the same reconcile could race the cache).
    expect(await t.jobs()).toHaveLength(1);
    await t.reconcile();
    expect(await t.jobs()).toHaveLength(0);
    const before = t.kube.actions.length;
    await t.reconcile();
    await t.reconcile();
    expect(writes(t.kube.actions.slice(before))).toEqual([]);
  });

  it.each([
    ['ChecksumMismatch', 'ChecksumMismatch', `sha256 of s3://models/eta/model.onnx is ${'cd'.repeat(32)}, expected ${SHA}; the bytes were discarded`],
    ['ModelUnloadable', 'ModelUnloadable', 'ONNX Runtime could not load s3://models/eta/model.onnx (corrupt, truncated, or not an ONNX model): Protobuf parsing failed.'],
    ['UnsupportedSignature', 'UnsupportedSignature', 'output "probabilities" is not a tensor (a sequence or a map), which the Open Inference Protocol cannot carry'],
    ['TooLarge', 'ArtifactTooLarge', 's3://models/eta/model.onnx is larger than 4294967296 bytes'],
  ])('%s: Verified=False %s, a Warning Event, no signature, the Job pruned once recorded and never run again', async (reported, reason, message) => {
    const t = await setup();
    const job = await t.started();
    await t.end(job, { exitCode: 1, message: JSON.stringify({ reason: reported, message }) });
    await t.reconcile();
    expect(await t.brief()).toEqual([`Ready=False/${reason}`, `Verified=False/${reason}`]);
    expect((await t.condition('Verified'))?.message).toBe(message);
    expect((await t.object()).status?.signature).toBeUndefined();
    expect(t.events).toContainEqual({ type: 'Warning', reason, note: message });
    await t.reconcile();
    expect(await t.jobs()).toHaveLength(0);
    await t.reconcile();
    expect(await t.jobs()).toHaveLength(0);
    expect(await t.brief()).toEqual([`Ready=False/${reason}`, `Verified=False/${reason}`]);
  });

  it('NotFound: Verified=False ArtifactNotFound, retrying; the failed Job is kept until it expires, then a new one runs and can verify', async () => {
    const t = await setup();
    const job = await t.started();
    await t.end(job, { exitCode: 1, message: JSON.stringify({ reason: 'NotFound', message: 's3://models/eta/model.onnx does not exist' }) });
    const { result } = await t.reconcile();
    expect(await t.brief()).toEqual(['Ready=False/ArtifactNotFound', 'Reconciling=True/ProgressingWithRetry', 'Verified=False/ArtifactNotFound']);
    // A safety net beside the Job's deletion event: the retry delay plus 30 s, less the runner's jitter.
    const requeue = (result as { requeueAfterMs: number }).requeueAfterMs;
    expect(requeue).toBeGreaterThan(130_000);
    expect(requeue).toBeLessThanOrEqual(150_000);
    expect(await t.jobs()).toHaveLength(1);
    // The TTL controller deletes the expired Job; the next reconcile starts it again.
    await t.kube.delete(builtin.job, job.metadata!.name!, 'ml');
    await t.kube.delete(builtin.pod, `${job.metadata!.name!}-x1`, 'ml');
    const again = await t.started();
    expect(again.metadata?.uid).not.toBe(job.metadata?.uid);
    expect(await t.brief()).toEqual(['Ready=False/ArtifactNotFound', 'Reconciling=True/Progressing', 'Verified=False/ArtifactNotFound']);
    await t.end(again, { exitCode: 0, message: JSON.stringify({ sha256: SHA, size: 253, signature }) });
    await t.reconcile();
    expect(await t.brief()).toEqual(['Ready=True/Verified', 'Verified=True/Verified']);
  });

  it('a Job that failed without a message (out of memory) is InspectFailed with the kubelet\'s reason, retried', async () => {
    const t = await setup();
    const job = await t.started();
    await t.end(job, { exitCode: 137, reason: 'OOMKilled' });
    await t.reconcile();
    expect(await t.brief()).toEqual(['Ready=False/InspectFailed', 'Reconciling=True/ProgressingWithRetry', 'Verified=False/InspectFailed']);
    expect((await t.condition('Verified'))?.message).toMatch(/^Job eta-7-inspect-[0-9a-f]{10} failed \(OOMKilled/);
  });

  it('a success message that is not a signature of this file (another sha256, a bad shape) is never written to status', async () => {
    for (const message of [JSON.stringify({ sha256: 'cd'.repeat(32), size: 1, signature }), JSON.stringify({ sha256: SHA, signature: { inputs: [{ name: 'x', datatype: 'FP8', shape: [1] }], outputs: [] } }), 'not json']) {
      const t = await setup();
      const job = await t.started();
      await t.end(job, { exitCode: 0, message });
      await t.reconcile();
      expect(await t.brief()).toEqual(['Ready=False/InspectFailed', 'Reconciling=True/ProgressingWithRetry', 'Verified=False/InspectFailed']);
      expect((await t.object()).status?.signature).toBeUndefined();
    }
  });

  it('a Job that ended before its pod reached the cache: waits, records nothing', async () => {
    const t = await setup();
    const job = await t.started();
    await t.end(job, { exitCode: 0, pod: false });
    await t.kube.create(builtin.pod, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `${job.metadata!.name}-x1`, namespace: 'ml', labels: { 'app.kubernetes.io/managed-by': 'cairn' }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: job.metadata!.name!, uid: job.metadata!.uid!, controller: true }] },
      spec: { containers: [{ name: 'inspect' }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'inspect', state: { running: {} } }] },
    } as KubeObject);
    const { error } = await t.reconcile();
    expect(isWaiting(error) && error.reason).toBe('InspectPending');
    expect((await t.condition('Verified'))?.status).toBe('Unknown');
  });

  it('file:// without --allow-file-urls stalls with InvalidSpec and creates no Job; with it the Job passes the flag on', async () => {
    const t = await setup({ uri: 'file:///models/eta.onnx' });
    const { error } = await t.reconcile();
    expect(isStalled(error) && error.reason).toBe('InvalidSpec');
    expect(await t.brief()).toEqual(['Ready=False/InvalidSpec', 'Stalled=True/InvalidSpec']);
    expect(await t.jobs()).toHaveLength(0);
    const allowed = await setup({ uri: 'file:///models/eta.onnx', allowFileUrls: true });
    const job = (await allowed.started()) as unknown as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
    expect(job.spec.template.spec.containers[0]!.args).toContain('--allow-file-urls');
  });
});

/**
 * The ModelVersion controller on the real control plane: the local node runs the real `cairn model inspect` Job,
 * which reads the model from the real S3 server or from a PersistentVolumeClaim and loads it in ONNX Runtime.
 * The signature in status is the one read from the file; a wrong sha256 or a corrupt file is never Verified.
 * The spec's immutability is the API server's own CEL rule.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { modelVersionController, modelVersionResource } from '../../../src/controllers/modelversion/index.js';
import { startOperator, type RunningOperator } from '../../../src/operator/operator.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { createNamespace, deleteNamespace, eventually, kubectl, kubectlOk, testenv } from '../../harness/kube.js';
import { ensureModels, modelPath } from '../../unit/serving/models.js';
import { createStorageSecret, kube, putObject, sha256 } from '../dataset/support.js';
import { s3Env } from '../storage/support.js';
import { installCrds } from '../gitsource/support.js';
import { memoryLogger } from '../runtime/support.js';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
type ModelVersionObject = KubeObject & { spec: Record<string, unknown>; status?: { observedGeneration?: number; signature?: unknown; conditions?: Condition[] } };


async function createModelVersion(namespace: string, name: string, version: number, artifact: { uri: string; sha256: string }): Promise<void> {
  await kube.create(modelVersionResource, { apiVersion: 'cairn.dev/v1alpha1', kind: 'ModelVersion', metadata: { name, namespace }, spec: { model: 'eta', version, artifact } } as KubeObject);
}

const brief = (mv: ModelVersionObject | undefined) => (mv?.status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);

/** Waits until the ModelVersion's condition `type` has `status` (and, when given, `reason`). */
async function modelVersionWhere(namespace: string, name: string, type: string, status: string, reason?: string): Promise<ModelVersionObject> {
  return eventually(
    `ModelVersion ${name} ${type}=${status}${reason ? `/${reason}` : ''}`,
    async () => {
      const mv = await kube.get<ModelVersionObject>(modelVersionResource, name, namespace);
      const c = mv?.status?.conditions?.find((x) => x.type === type);
      if (c?.status !== status || (reason !== undefined && c.reason !== reason)) throw new Error(`${type} is ${c ? `${c.status}/${c.reason}: ${c.message}` : 'absent'}`);
      return mv!;
    },
    { timeoutMs: 170_000 },
  );
}

async function eventsOf(namespace: string, name: string): Promise<string[]> {
  const { items } = await kube.list<KubeObject & { type?: string; reason?: string; note?: string; regarding?: { name?: string; kind?: string } }>(builtin.event, { namespace });
  return items.filter((e) => e.regarding?.kind === 'ModelVersion' && e.regarding.name === name).map((e) => `${e.type}/${e.reason}: ${e.note}`);
}

describe('ModelVersion: the inspect Job on the local node', () => {
  let namespace = '';
  /** A namespace whose Secret cairn-storage holds a wrong secret key. */
  let wrongKeys = '';
  let operator: RunningOperator | undefined;
  const pvDir = join(testenv().dir, `modelversion-pv-${process.pid}`);
  let pvName = '';
  const elasticnet = () => readFileSync(modelPath('driver_elasticnet'));
  const multiIo = () => readFileSync(modelPath('multi_io'));

  beforeAll(async () => {
    ensureModels();
    await installCrds();
    namespace = await createNamespace('modelversion');
    await createStorageSecret(namespace);
    const good = await putObject(`${namespace}/eta/model.onnx`, elasticnet());
    await createModelVersion(namespace, 'eta-1', 1, good);
    await createModelVersion(namespace, 'eta-2', 2, { uri: good.uri, sha256: 'ab'.repeat(32) });
    const corrupt = await putObject(`${namespace}/eta/corrupt.onnx`, elasticnet().subarray(0, 100));
    await createModelVersion(namespace, 'eta-3', 3, corrupt);
    await createModelVersion(namespace, 'eta-4', 4, { uri: `s3://cairn-test/${namespace}/eta/never-uploaded.onnx`, sha256: 'cd'.repeat(32) });
    // A PersistentVolumeClaim bound to a hostPath volume that holds a model with six inputs of six datatypes.
    mkdirSync(join(pvDir, 'eta'), { recursive: true });
    writeFileSync(join(pvDir, 'eta', 'multi_io.onnx'), multiIo());
    pvName = `${namespace}-models`;
    await kube.create(builtin.persistentVolume, {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pvName },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: pvDir, type: 'Directory' }, claimRef: { namespace, name: 'ml-models' } },
    } as KubeObject);
    await kube.create(builtin.persistentVolumeClaim, {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'ml-models', namespace },
      spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'manual', resources: { requests: { storage: '1Gi' } }, volumeName: pvName },
    } as KubeObject);
    await createModelVersion(namespace, 'eta-5', 5, { uri: 'pvc://ml-models/eta/multi_io.onnx', sha256: sha256(multiIo()) });
    wrongKeys = await createNamespace('modelversion-keys');
    await kube.create(builtin.secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cairn-storage', namespace: wrongKeys }, stringData: { ...s3Env(), AWS_SECRET_ACCESS_KEY: 'not-the-secret-key' } } as KubeObject);
    await createModelVersion(wrongKeys, 'eta-6', 6, good);
    const { log } = memoryLogger('info');
    operator = await startOperator(
      { namespaces: [namespace, wrongKeys], host: '127.0.0.1', port: 0, leaderElect: false, leaseNamespace: namespace, leaseName: 'cairn-operator', allowFileUrls: false, gitCacheDir: join(testenv().dir, `mv-git-${process.pid}`), logLevel: 'info', drainTimeoutMs: 5_000 },
      { log, kube, components: { controllers: [modelVersionController()] } },
    );
  }, 900_000);

  afterAll(async () => {
    await operator?.stop();
    if (namespace) await deleteNamespace(namespace);
    if (wrongKeys) await deleteNamespace(wrongKeys);
    if (pvName) await kube.delete(builtin.persistentVolume, pvName).catch(() => false);
    rmSync(pvDir, { recursive: true, force: true });
  });

  test('from S3: Ready with the signature read from the file, a Normal Event, the Job pruned; kubectl get shows it verified', async () => {
    const mv = await modelVersionWhere(namespace, 'eta-1', 'Ready', 'True');
    expect(brief(mv)).toEqual(['Ready=True/Verified', 'Verified=True/Verified']);
    expect(mv.status?.signature).toEqual({ inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 3] }], outputs: [{ name: 'variable', datatype: 'FP32', shape: [-1, 1] }] });
    // Events are recorded a moment after the status is written.
    await eventually('the Normal Event of eta-1', async () => {
      const events = await eventsOf(namespace, 'eta-1');
      if (!events.includes('Normal/Verified: Model eta version 1: sha256 matched and ONNX Runtime loaded the model: 1 input, 1 output')) throw new Error(events.join('\n'));
      return true;
    });
    await eventually('the inspect Job of eta-1 pruned', async () => {
      const { items } = await kube.list(builtin.job, { namespace });
      if (items.some((j) => j.metadata?.name?.startsWith('eta-1-inspect-'))) throw new Error('still there');
      return true;
    });
    const table = await kubectlOk(['-n', namespace, 'get', 'mlver', 'eta-1']);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+MODEL\s+VERSION\s+VERIFIED\s+READY\s+AGE$/);
    expect(table.split('\n')[1]).toMatch(/^eta-1\s+eta\s+1\s+True\s+True\s+\S+$/);
    const wide = await kubectlOk(['-n', namespace, 'get', 'mlver', 'eta-1', '-o', 'wide']);
    expect(wide.split('\n')[1]).toMatch(/^eta-1\s+eta\s+1\s+True\s+True\s+Model eta version 1: sha256 matched/);
  });

  test('a wrong sha256: Verified=False ChecksumMismatch naming both digests, a Warning Event, no signature', async () => {
    const mv = await modelVersionWhere(namespace, 'eta-2', 'Verified', 'False');
    expect(brief(mv)).toEqual(['Ready=False/ChecksumMismatch', 'Verified=False/ChecksumMismatch']);
    const verified = mv.status?.conditions?.find((c) => c.type === 'Verified');
    expect(verified?.message).toBe(`sha256 of s3://cairn-test/${namespace}/eta/model.onnx is ${sha256(elasticnet())}, expected ${'ab'.repeat(32)}; the bytes were discarded`);
    expect(mv.status?.signature).toBeUndefined();
    await eventually('the Warning Event of eta-2', async () => {
      const events = await eventsOf(namespace, 'eta-2');
      if (!events.some((e) => e.startsWith('Warning/ChecksumMismatch: sha256 of'))) throw new Error(events.join('\n'));
      return true;
    });
  });

  test('a corrupt file with its own sha256: Verified=False ModelUnloadable', async () => {
    const mv = await modelVersionWhere(namespace, 'eta-3', 'Verified', 'False');
    expect(brief(mv)).toEqual(['Ready=False/ModelUnloadable', 'Verified=False/ModelUnloadable']);
    expect(mv.status?.conditions?.find((c) => c.type === 'Verified')?.message).toMatch(/^ONNX Runtime could not load s3:\/\/cairn-test\/.*corrupt\.onnx \(corrupt, truncated, or not an ONNX model\)/);
  });

  test('an object not uploaded yet: Verified=False ArtifactNotFound, retried (Reconciling)', async () => {
    const mv = await modelVersionWhere(namespace, 'eta-4', 'Verified', 'False', 'ArtifactNotFound');
    expect(brief(mv)).toEqual(['Ready=False/ArtifactNotFound', 'Reconciling=True/ProgressingWithRetry', 'Verified=False/ArtifactNotFound']);
  });

  test('wrong storage credentials: Verified=False AccessDenied, retried; no credential in the message', async () => {
    const mv = await modelVersionWhere(wrongKeys, 'eta-6', 'Verified', 'False', 'AccessDenied');
    expect(brief(mv)).toEqual(['Ready=False/AccessDenied', 'Reconciling=True/ProgressingWithRetry', 'Verified=False/AccessDenied']);
    expect(JSON.stringify(mv.status)).not.toContain('not-the-secret-key');
  });

  test('from a PersistentVolumeClaim: Ready with the six inputs of six datatypes', async () => {
    const mv = await modelVersionWhere(namespace, 'eta-5', 'Ready', 'True');
    const signature = mv.status?.signature as { inputs: Array<{ name: string; datatype: string }>; outputs: unknown[] };
    expect(signature.inputs.map((i) => `${i.name}:${i.datatype}`)).toEqual(['x:FP32', 'count:INT64', 'flag:BOOL', 'scale:FP64', 'level:INT32', 'city:BYTES']);
    expect(signature.outputs).toHaveLength(6);
  });

  test('spec is immutable once set: the API server refuses a change of it, and metadata may still change', async () => {
    await modelVersionWhere(namespace, 'eta-1', 'Ready', 'True');
    const patch = await kubectl(['-n', namespace, 'patch', 'mlver', 'eta-1', '--type=merge', '-p', JSON.stringify({ spec: { artifact: { sha256: 'ef'.repeat(32) } } })]);
    expect(patch.code).not.toBe(0);
    expect(patch.stderr).toContain('spec is immutable; create a new ModelVersion instead');
    const version = await kubectl(['-n', namespace, 'patch', 'mlver', 'eta-1', '--type=merge', '-p', '{"spec":{"version":99}}']);
    expect(version.stderr).toContain('spec is immutable');
    await kubectlOk(['-n', namespace, 'label', 'mlver', 'eta-1', 'stage=production']);
    const mv = await kube.get<ModelVersionObject>(modelVersionResource, 'eta-1', namespace);
    expect((mv?.spec.artifact as { sha256: string }).sha256).toBe(sha256(elasticnet()));
  });
});

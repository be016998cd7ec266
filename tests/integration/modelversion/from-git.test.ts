/**
 * A ModelVersion committed straight to Git (a model trained elsewhere) is verified exactly like one an Experiment
 * registers: the GitSource applies it, the ModelVersion controller inspects it. A later commit that changes its
 * spec is refused by the API server (the spec is immutable) and reported by the GitSource, while the version
 * in the cluster stays as it was, verified.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { gitSourceComponents } from '../../../src/controllers/gitsource/index.js';
import { modelVersionController, modelVersionResource } from '../../../src/controllers/modelversion/index.js';
import { startOperator, type RunningOperator } from '../../../src/operator/operator.js';
import { cairnResource } from '../../../src/controllers/resources.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { createNamespace, deleteNamespace, eventually, testenv } from '../../harness/kube.js';
import { ensureModels, modelPath } from '../../unit/serving/models.js';
import { createStorageSecret, kube, putObject } from '../dataset/support.js';
import { installCrds, makeRepo, type TestRepo } from '../gitsource/support.js';
import { memoryLogger } from '../runtime/support.js';
import { join } from 'node:path';

type Condition = { type: string; status: string; reason: string; message: string };
type ModelVersionObject = KubeObject & { spec: Record<string, unknown>; status?: { signature?: unknown; conditions?: Condition[] } };
const gitSources = cairnResource('GitSource');

describe('ModelVersion from Git', () => {
  let namespace = '';
  let repo: TestRepo | undefined;
  let operator: RunningOperator | undefined;
  let artifact: { uri: string; sha256: string };

  const yaml = (sha256: string) => `apiVersion: cairn.dev/v1alpha1
kind: ModelVersion
metadata:
  name: eta-12
spec:
  model: eta
  version: 12
  artifact: {uri: "${artifact.uri}", sha256: ${sha256}}
  lineage: {experiment: trained-elsewhere}
`;

  beforeAll(async () => {
    ensureModels();
    await installCrds();
    namespace = await createNamespace('mv-git');
    await createStorageSecret(namespace);
    artifact = await putObject(`${namespace}/eta/12/model.onnx`, readFileSync(modelPath('driver_elasticnet')));
    repo = await makeRepo();
    await repo.commit({ 'models/eta-12.yaml': yaml(artifact.sha256) }, 'eta 12, trained elsewhere');
    const { log } = memoryLogger('info');
    const cacheDir = join(testenv().dir, `mv-git-cache-${process.pid}`);
    const git = gitSourceComponents({ gitCacheDir: cacheDir, allowFileUrls: true });
    operator = await startOperator(
      { namespaces: [namespace], host: '127.0.0.1', port: 0, leaderElect: false, leaseNamespace: namespace, leaseName: 'cairn-operator', allowFileUrls: true, gitCacheDir: cacheDir, logLevel: 'info', drainTimeoutMs: 5_000 },
      { log, kube, components: { controllers: [git.controller, modelVersionController()], gitWebhook: git.webhook } },
    );
    await kube.create(gitSources, { apiVersion: 'cairn.dev/v1alpha1', kind: 'GitSource', metadata: { name: 'models', namespace }, spec: { url: repo.url, ref: { branch: 'main' }, path: 'models', interval: '2s' } } as KubeObject);
  }, 900_000);

  afterAll(async () => {
    await operator?.stop();
    if (namespace) await deleteNamespace(namespace);
    repo?.cleanup();
  });

  test('applied by the GitSource, then Ready with the signature read from the file', async () => {
    const mv = await eventually(
      'ModelVersion eta-12 from Git Ready',
      async () => {
        const object = await kube.get<ModelVersionObject>(modelVersionResource, 'eta-12', namespace);
        const ready = object?.status?.conditions?.find((c) => c.type === 'Ready');
        if (ready?.status !== 'True') throw new Error(ready ? `${ready.reason}: ${ready.message}` : 'not yet');
        return object!;
      },
      { timeoutMs: 170_000 },
    );
    expect(mv.metadata?.labels?.['cairn.dev/source']).toBe('models');
    expect(mv.status?.signature).toEqual({ inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 3] }], outputs: [{ name: 'variable', datatype: 'FP32', shape: [-1, 1] }] });
  });

  test('a commit that changes the spec is refused by the API server and reported by the GitSource; the version stays verified', async () => {
    await repo!.commit({ 'models/eta-12.yaml': yaml('ef'.repeat(32)) }, 'rewrite eta 12');
    await eventually(
      'GitSource models reports the refused change',
      async () => {
        const source = await kube.get<ModelVersionObject>(gitSources, 'models', namespace);
        const text = JSON.stringify(source?.status ?? {});
        if (!text.includes('spec is immutable')) throw new Error(text.slice(0, 500));
        return true;
      },
      { timeoutMs: 120_000 },
    );
    const mv = await kube.get<ModelVersionObject>(modelVersionResource, 'eta-12', namespace);
    expect((mv?.spec.artifact as { sha256: string }).sha256).toBe(artifact.sha256);
    expect(mv?.status?.conditions?.find((c) => c.type === 'Verified')?.status).toBe('True');
  });
});

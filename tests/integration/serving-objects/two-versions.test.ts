/**
 * The serving renderers against the real control plane and the local node: the objects of two model versions
 * (Deployments running the real `cairn fetch` and `cairn serve` with the model on the real S3 server, their
 * Services, the route Service, PDBs, an HPA) are accepted by the API server as rendered, their pods become
 * Ready, and V2 requests through the route Service's ClusterIP are answered by both versions.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cairnResource } from '../../../src/controllers/resources.js';
import {
  renderHorizontalPodAutoscaler,
  renderPodDisruptionBudget,
  renderRouteService,
  renderServingDeployment,
  renderVersionService,
  type ServingOwner,
} from '../../../src/render/serving.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { httpRequest } from '../../harness/http.js';
import { createNamespace, deleteNamespace, eventually } from '../../harness/kube.js';
import { ensureModels, modelPath } from '../../unit/serving/models.js';
import { createStorageSecret, kube, putObject } from '../dataset/support.js';
import { installCrds } from '../gitsource/support.js';

const fieldManager = 'cairn-test';

interface InferAnswer {
  model_name: string;
  model_version: string;
  outputs: Array<{ name: string; data: number[] }>;
}

/** One V2 inference over a new connection (no keep-alive: the Service spreads connections, not requests). */
async function infer(url: string): Promise<InferAnswer> {
  const body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [[0.5, 0.9, 280]] }] });
  const answer = await httpRequest(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  if (answer.status !== 200) throw new Error(`${url} answered ${answer.status}: ${answer.body}`);
  return JSON.parse(answer.body) as InferAnswer;
}

describe('serving objects of two model versions', () => {
  let namespace = '';
  beforeAll(async () => {
    await ensureModels();
    await installCrds();
    namespace = await createNamespace('serving-objects');
    await createStorageSecret(namespace);
  });
  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  test('applied as rendered; both versions Ready; the route Service answers from both', async () => {
    const model = await putObject(`serving-objects/${namespace}/model.onnx`, readFileSync(modelPath('driver_elasticnet')));
    // The owner: a real cairn.dev Deployment (no controller runs in this test), so ownerReferences carry its uid.
    const owner = (await kube.create<KubeObject>(cairnResource('Deployment'), {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'Deployment',
      metadata: { name: 'eta', namespace },
      spec: { model: 'eta', version: { pinned: 2 }, serving: { replicas: 1 } },
    } as KubeObject)) as KubeObject & ServingOwner;
    const objects: Array<{ type: typeof builtin.service; object: object }> = [1, 2].flatMap((number) => [
      { type: builtin.deployment, object: renderServingDeployment({ deployment: owner, version: { number, ...model }, replicas: 1, cairnImage: 'cairn' }) },
      { type: builtin.service, object: renderVersionService(owner, number) },
      { type: builtin.podDisruptionBudget, object: renderPodDisruptionBudget(owner, number) },
    ]);
    objects.push({ type: builtin.service, object: renderRouteService(owner) });
    const autoscaled = { ...owner, spec: { ...owner.spec, serving: { autoscaling: { minReplicas: 1, maxReplicas: 2 } } } };
    objects.push({ type: builtin.horizontalPodAutoscaler, object: renderHorizontalPodAutoscaler(autoscaled, 1)! });
    for (const { type, object } of objects) await kube.apply(type, object as unknown as KubeObject, { fieldManager, force: true });

    for (const name of ['eta-v1', 'eta-v2']) {
      await eventually(
        `Deployment ${name} available`,
        async () => {
          const d = await kube.get<KubeObject & { status?: { availableReplicas?: number } }>(builtin.deployment, name, namespace);
          if (d?.status?.availableReplicas !== 1) throw new Error(`available: ${d?.status?.availableReplicas ?? 0}`);
          return true;
        },
        { timeoutMs: 120_000 },
      );
    }
    // each version's Service reaches that version only
    for (const number of [1, 2]) {
      const service = await kube.get<KubeObject & { spec: { clusterIP: string } }>(builtin.service, `eta-v${number}`, namespace);
      const answer = await eventually(`eta-v${number} answers`, () => infer(`http://${service!.spec.clusterIP}/v2/models/eta/infer`), { timeoutMs: 30_000 });
      expect(answer.model_version).toBe(String(number));
    }
    const route = await kube.get<KubeObject & { spec: { clusterIP: string } }>(builtin.service, 'eta', namespace);
    const url = `http://${route!.spec.clusterIP}/v2/models/eta/infer`;
    const seen = new Set<string>();
    await eventually(
      'answers from both versions through the route Service',
      async () => {
        const answer = await infer(url);
        expect(answer.model_name).toBe('eta');
        expect(answer.outputs[0]!.data[0]).toBeCloseTo(27.3464, 3);
        seen.add(answer.model_version);
        if (seen.size < 2) throw new Error(`versions seen: ${[...seen].join(', ')}`);
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    expect([...seen].sort()).toEqual(['1', '2']);
  });
});

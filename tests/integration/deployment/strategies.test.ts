/**
 * The other routers and strategies of the Deployment controller, end to end on the real control plane with
 * real serving pods on the local node:
 * - gatewayAPI: the HTTPRoute (real Gateway API CRDs) follows each canary step's weight, then the promotion;
 * - BlueGreen: the new version answers on the preview Service while the route keeps stable, until promoted;
 * - Shadow: requests through the route are answered by stable and copied to the new version (its pods count
 *   them; the stable pods compare the answers and the status reports the agreement), until an abort rolls it back;
 * - the progress deadline: a new version whose pods can never start is rolled back once it runs out.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ABORT_ANNOTATION, deploymentResource, PROMOTE_ANNOTATION } from '../../../src/controllers/deployment/index.js';
import { modelVersionResource } from '../../../src/controllers/modelversion/index.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { httpRequest } from '../../harness/http.js';
import { createNamespace, deleteNamespace, eventually } from '../../harness/kube.js';
import { ensureModels } from '../../unit/serving/models.js';
import { createStorageSecret, putObject } from '../dataset/support.js';
import { installCrds } from '../gitsource/support.js';
import { installGatewayApiCrds } from '../serving-objects/gateway-api.js';
import { condition, createDeployment, deploymentWhere, exampleModel, inferThroughRoute, kube, registerModel, startServingOperator, type Operator } from './support.js';

type Route = KubeObject & { spec: { rules: Array<{ backendRefs: Array<{ name: string; weight?: number }> }> } };

const annotate = (namespace: string, name: string, key: string, value: string) =>
  kube.patch(deploymentResource, name, namespace, { metadata: { annotations: { [key]: value } } }, { type: 'merge' });

/** `name -> weight` of the HTTPRoute's backends. */
async function routeWeights(namespace: string, name: string): Promise<Record<string, number | undefined>> {
  const route = await kube.get<Route>(builtin.httpRoute, name, namespace);
  return Object.fromEntries((route?.spec.rules[0]?.backendRefs ?? []).map((b) => [b.name, b.weight]));
}

/** The version answering a V2 request through the Service `service` (a new connection each time). */
async function versionVia(namespace: string, service: string, model: string): Promise<string | undefined> {
  const svc = await kube.get<KubeObject & { spec: { clusterIP: string } }>(builtin.service, service, namespace);
  if (!svc) return undefined;
  const body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [[0.5, 0.9, 280]] }] });
  const answer = await httpRequest(`http://${svc.spec.clusterIP}/v2/models/${model}/infer`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, timeoutMs: 5_000 });
  return answer.status === 200 ? (JSON.parse(answer.body) as { model_version: string }).model_version : undefined;
}

/** Requests of `model` version `version` the pods of that version counted, from their own /metrics. */
async function requestsCounted(namespace: string, deployment: string, version: number): Promise<number> {
  const pods = await kube.list<KubeObject & { status?: { podIP?: string; phase?: string } }>(builtin.pod, { namespace, labelSelector: `cairn.dev/owner-name=${deployment},cairn.dev/model-version=${version}` });
  let total = 0;
  for (const pod of pods.items) {
    if (pod.status?.phase !== 'Running' || !pod.status.podIP) continue;
    const text = await httpRequest(`http://${pod.status.podIP}:8080/metrics`, { timeoutMs: 3_000 }).then((a) => a.body, () => '');
    for (const m of text.matchAll(/^cairn_inference_requests_total\{([^}]*)\} (\d+)/gm)) if (m[1]!.includes(`version="${version}"`)) total += Number(m[2]);
  }
  return total;
}

describe('Deployment routers and strategies', () => {
  let namespace = '';
  let operator: Operator | undefined;
  beforeAll(async () => {
    ensureModels();
    await installCrds();
    await installGatewayApiCrds();
    namespace = await createNamespace('strategies');
    await createStorageSecret(namespace);
    operator = await startServingOperator(namespace);
  }, 600_000);
  afterAll(async () => {
    await operator?.stop();
    if (namespace) await deleteNamespace(namespace);
  });

  test('gatewayAPI: the HTTPRoute follows the canary weight, then the promotion', async () => {
    await registerModel(namespace, 'gw', 1, exampleModel());
    await createDeployment(namespace, 'gw', {
      model: 'gw',
      version: { policy: 'latestReady' },
      serving: { replicas: 1 },
      traffic: { router: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: 'public' }] } },
      strategy: { type: 'Canary', canary: { steps: [{ setWeight: 30 }, { pause: {} }] } },
    });
    await deploymentWhere(namespace, 'gw', 'version 1 stable', (d) => d.status?.stable?.version === 1 && condition(d, 'Available')?.status === 'True');
    expect(await routeWeights(namespace, 'gw')).toEqual({ 'gw-v1': 100 });

    await registerModel(namespace, 'gw', 2, exampleModel());
    const paused = await deploymentWhere(namespace, 'gw', 'paused at 30%', (d) => d.status?.phase === 'Paused' && d.status.canary?.weight === 30);
    expect(paused.status?.stable).toEqual({ version: 1, weight: 70 });
    expect(await routeWeights(namespace, 'gw')).toEqual({ 'gw-v1': 70, 'gw-v2': 30 });
    // A mesh or Gateway splits traffic: each version runs its full replica count.
    for (const name of ['gw-v1', 'gw-v2']) expect((await kube.get<KubeObject & { spec: { replicas: number } }>(builtin.deployment, name, namespace))?.spec.replicas).toBe(1);

    await annotate(namespace, 'gw', PROMOTE_ANNOTATION, 'go');
    await deploymentWhere(namespace, 'gw', 'version 2 stable', (d) => d.status?.stable?.version === 2 && d.status.canary === undefined);
    await eventually('the HTTPRoute sends everything to version 2', async () => (JSON.stringify(await routeWeights(namespace, 'gw')) === JSON.stringify({ 'gw-v2': 100 }) ? true : undefined));
  }, 900_000);

  test('BlueGreen: the new version answers on the preview Service until promoted', async () => {
    await registerModel(namespace, 'blue', 1, exampleModel());
    await createDeployment(namespace, 'blue', { model: 'blue', version: { policy: 'latestReady' }, serving: { replicas: 1 }, strategy: { type: 'BlueGreen', blueGreen: { autoPromote: false } } });
    await deploymentWhere(namespace, 'blue', 'version 1 stable', (d) => d.status?.stable?.version === 1 && condition(d, 'Available')?.status === 'True');
    await registerModel(namespace, 'blue', 2, exampleModel());
    await deploymentWhere(namespace, 'blue', 'version 2 on the preview', (d) => d.status?.phase === 'Paused' && d.status.canary?.version === 2);
    await eventually('the preview Service answers with version 2', async () => ((await versionVia(namespace, 'blue-preview', 'blue')) === '2' ? true : undefined));
    for (let i = 0; i < 5; i++) expect(await versionVia(namespace, 'blue', 'blue')).toBe('1');

    await annotate(namespace, 'blue', PROMOTE_ANNOTATION, 'go');
    await deploymentWhere(namespace, 'blue', 'version 2 stable', (d) => d.status?.stable?.version === 2 && d.status.canary === undefined);
    await eventually('the route answers with version 2', async () => ((await versionVia(namespace, 'blue', 'blue')) === '2' ? true : undefined));
    await eventually('the preview Service removed', async () => ((await kube.get(builtin.service, 'blue-preview', namespace)) === undefined ? true : undefined));
  }, 900_000);

  test('Shadow: stable answers, the new version gets a copy of each request, and an abort rolls it back', async () => {
    await registerModel(namespace, 'shade', 1, exampleModel());
    await createDeployment(namespace, 'shade', { model: 'shade', version: { policy: 'latestReady' }, serving: { replicas: 1 }, strategy: { type: 'Shadow', shadow: { percent: 100 } } });
    await deploymentWhere(namespace, 'shade', 'version 1 stable', (d) => d.status?.stable?.version === 1 && condition(d, 'Available')?.status === 'True');
    await registerModel(namespace, 'shade', 2, exampleModel());
    const shadowing = await deploymentWhere(namespace, 'shade', 'mirroring to version 2', (d) => d.status?.phase === 'Paused' && d.status.canary?.version === 2);
    expect(shadowing.status?.rollout?.mirror).toBe(100);
    expect(shadowing.status?.canary?.weight).toBe(0);
    // Every answer through the route is stable's; version 2's pods count the copies.
    await eventually(
      'version 2 counted mirrored requests',
      async () => {
        expect((await inferThroughRoute(namespace, 'shade')).version).toBe('1');
        return (await requestsCounted(namespace, 'shade', 2)) > 0 ? true : undefined;
      },
      { timeoutMs: 180_000 },
    );
    // The stable pods compared each copy's answer with their own: the same model, so every one agrees.
    const compared = await deploymentWhere(namespace, 'shade', 'the shadow agreement reported', (d) => (d.status?.shadow?.compared ?? 0) > 0);
    expect(compared.status?.shadow).toMatchObject({ version: 2, agreement: '100.0%', meanAbsoluteDifference: 0 });
    expect(compared.status?.shadow?.agreed).toBe(compared.status?.shadow?.compared);
    expect(compared.status?.shadow?.incomparable).toBeUndefined();

    await annotate(namespace, 'shade', ABORT_ANNOTATION, 'stop');
    const aborted = await deploymentWhere(namespace, 'shade', 'rolled back', (d) => d.status?.phase === 'RolledBack');
    expect(condition(aborted, 'RolledBack')?.message).toContain('aborted by the cairn.dev/abort annotation');
    expect(aborted.status?.stable).toEqual({ version: 1, weight: 100 });
    expect(aborted.status?.shadow).toBeUndefined();
    await eventually('the pods of version 2 removed', async () => ((await kube.get(builtin.deployment, 'shade-v2', namespace)) === undefined ? true : undefined));
  }, 900_000);

  test('a new version whose pods never become available is rolled back at the progress deadline', async () => {
    await registerModel(namespace, 'stuck', 1, exampleModel());
    await registerModel(namespace, 'stuck', 2, exampleModel());
    await createDeployment(namespace, 'stuck', { model: 'stuck', version: { pinned: 1 }, serving: { replicas: 1 }, strategy: { type: 'Canary', canary: { steps: [{ setWeight: 50 }] }, progressDeadline: '20s' } });
    await deploymentWhere(namespace, 'stuck', 'version 1 stable', (d) => d.status?.stable?.version === 1 && condition(d, 'Available')?.status === 'True');
    await eventually('ModelVersion stuck-2 verified and Ready', async () => {
      const mv = await kube.get<KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>(modelVersionResource, 'stuck-2', namespace);
      return mv?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    });
    // Version 2 was verified; now its file changes under it, so its pods' fetch fails the sha256 check for ever.
    await putObject(`${namespace}/stuck/2/model.onnx`, Buffer.from('not the model that was verified'));
    await kube.patch(deploymentResource, 'stuck', namespace, { spec: { version: { pinned: 2 } } }, { type: 'merge' });
    const waiting = await deploymentWhere(namespace, 'stuck', 'waiting for version 2', (d) => d.status?.canary?.version === 2);
    expect(waiting.status?.message).toMatch(/^waiting for the pods of version 2 \(rolled back if not available by /);
    const rolledBack = await deploymentWhere(namespace, 'stuck', 'rolled back at the deadline', (d) => d.status?.phase === 'RolledBack');
    expect(condition(rolledBack, 'RolledBack')?.message).toContain('its pods were not available within the progress deadline of 20s');
    expect(rolledBack.status?.stable).toEqual({ version: 1, weight: 100 });
    expect(condition(rolledBack, 'Available')?.status).toBe('True');
    await eventually('the pods of version 2 removed', async () => ((await kube.get(builtin.deployment, 'stuck-v2', namespace)) === undefined ? true : undefined));
  }, 600_000);
});

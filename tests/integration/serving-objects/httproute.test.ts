/**
 * The gatewayAPI router's HTTPRoutes against the real Gateway API schema and CEL rules: the upstream CRDs
 * (standard channel, v1.6.1, from ../shared/fixtures/ or their Go module) are installed into the control plane,
 * and every route the renderer gives for a rollout (stable only, weighted canary, shadow mirror) is accepted as
 * rendered and reads back with its weights.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cairnResource } from '../../../src/controllers/resources.js';
import { httpRouteWeight, renderHttpRoute } from '../../../src/render/traffic.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { createNamespace, deleteNamespace } from '../../harness/kube.js';
import { kube } from '../dataset/support.js';
import { installCrds } from '../gitsource/support.js';
import { installGatewayApiCrds } from './gateway-api.js';

const fieldManager = 'cairn-test';
describe('HTTPRoutes of the gatewayAPI router on the real Gateway API CRDs', () => {
  let namespace = '';
  beforeAll(async () => {
    await installCrds();
    await installGatewayApiCrds();
    namespace = await createNamespace('httproute');
  });
  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  test('stable only, a weighted canary and a shadow mirror are accepted as rendered and read back', async () => {
    const owner = await kube.create<KubeObject>(cairnResource('Deployment'), {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'Deployment',
      metadata: { name: 'eta', namespace },
      spec: { model: 'eta', version: { pinned: 2 }, traffic: { router: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: 'public' }] } } },
    } as KubeObject);
    const gateway = { parentRefs: [{ name: 'public', sectionName: 'http' }], hostnames: ['eta.example.com'] };
    const splits = [
      { stable: 1, weight: 0, mirror: 0 },
      { stable: 1, canary: 2, weight: 10, mirror: 0 },
      { stable: 1, canary: 2, weight: 50, mirror: 0 },
      { stable: 1, canary: 2, weight: 0, mirror: 25 },
      { stable: 2, weight: 0, mirror: 0 },
    ];
    for (const split of splits) {
      const route = renderHttpRoute(owner, gateway, split);
      await kube.apply(builtin.httpRoute, route as KubeObject, { fieldManager, force: true });
      const stored = await kube.get<KubeObject & { spec: { rules: Array<{ filters?: Array<{ type: string; requestMirror?: { percent?: number } }> }> } }>(builtin.httpRoute, 'eta', namespace);
      if (split.canary !== undefined) expect(httpRouteWeight(stored, owner, split.canary)).toBe(split.weight);
      const mirror = stored!.spec.rules[0]!.filters?.find((f) => f.type === 'RequestMirror');
      expect(mirror?.requestMirror?.percent).toBe(split.mirror > 0 ? split.mirror : undefined);
      expect(stored!.metadata?.ownerReferences?.[0]?.uid).toBe(owner.metadata?.uid);
    }
  });

  test('the real schema refuses what the renderer must never give (a mirror percent over 100)', async () => {
    const owner = (await kube.get<KubeObject>(cairnResource('Deployment'), 'eta', namespace))!;
    const route = renderHttpRoute(owner, { parentRefs: [{ name: 'public' }] }, { stable: 1, canary: 2, weight: 0, mirror: 101 });
    await expect(kube.apply(builtin.httpRoute, route as KubeObject, { fieldManager, force: true })).rejects.toThrow(/percent/);
  });
});

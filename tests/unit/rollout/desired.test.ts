/** What a rollout state asks of the cluster (src/rollout/desired.ts), per router and strategy: table cases. */
import { describe, expect, test } from 'vitest';
import { API_VERSION } from '../../../src/api/kind.js';
import type { DeploymentSpec } from '../../../src/api/kinds/deployment.js';
import { desiredObjects, type DesiredInput } from '../../../src/rollout/desired.js';
import { initialState, type RolloutState } from '../../../src/rollout/machine.js';

const sha = (n: number) => String(n).repeat(64);
const artifacts = new Map([1, 2, 3].map((n) => [n, { number: n, uri: `s3://models/eta/${n}/model.onnx`, sha256: sha(n) }]));

function input(spec: Partial<DeploymentSpec>, state: Partial<RolloutState>, extra: Partial<DesiredInput> = {}): DesiredInput {
  return {
    deployment: { apiVersion: API_VERSION, kind: 'Deployment', metadata: { name: 'eta', namespace: 'ml', uid: 'u-1' }, spec: { model: 'eta', version: { policy: 'latestReady' }, serving: { replicas: 2 }, ...spec } as DeploymentSpec },
    state: { ...initialState(), ...state },
    artifacts,
    cairnImage: 'cairn',
    ...extra,
  };
}

type Obj = { kind: string; metadata: { name: string }; spec: { replicas?: number; selector?: Record<string, string>; template?: { spec: { containers: Array<{ args: string[] }> } } } };
const objects = (i: DesiredInput) => desiredObjects(i).children as unknown as Obj[];
const names = (i: DesiredInput) => objects(i).map((o) => `${o.kind}/${o.metadata.name}`).sort();
const replicasOf = (i: DesiredInput, name: string) => objects(i).find((o) => o.kind === 'Deployment' && o.metadata.name === name)?.spec.replicas;
const routeSelector = (i: DesiredInput) => objects(i).find((o) => o.kind === 'Service' && o.metadata.name === 'eta')?.spec.selector;
const canaryStrategy = { type: 'Canary', canary: { steps: [{ setWeight: 50 }] } } as DeploymentSpec['strategy'];

describe('desiredObjects', () => {
  test('nothing stable yet: no objects to serve, and no route', () => {
    expect(names(input({}, {}))).toEqual([]);
  });

  test('stable only: its Deployment, Service and PDB, and the route Service on it', () => {
    const i = input({}, { stable: 1 });
    expect(names(i)).toEqual(['Deployment/eta-v1', 'PodDisruptionBudget/eta-v1', 'Service/eta', 'Service/eta-v1']);
    expect(replicasOf(i, 'eta-v1')).toBe(2);
    expect(routeSelector(i)).toMatchObject({ 'cairn.dev/model-version': '1' });
    expect(desiredObjects(i).url).toBe('http://eta.ml.svc:80');
  });

  test.each([
    // weight -> stable pods, canary pods, route selects every version, achieved weight
    [0, 2, 1, false, 0],
    [50, 1, 1, true, 50],
    [100, 0, 2, true, 100],
  ])('replicas router, canary at %i%%: stable %i pods, canary %i, route over all: %s', (weight, stable, canary, all, achieved) => {
    const i = input({ strategy: canaryStrategy }, { stable: 1, canary: 2, weight });
    expect(replicasOf(i, 'eta-v1')).toBe(stable);
    expect(replicasOf(i, 'eta-v2')).toBe(canary);
    expect('cairn.dev/model-version' in (routeSelector(i) ?? {})).toBe(!all);
    expect(desiredObjects(i).achievedWeight).toBe(achieved);
  });

  test('gatewayAPI: each version at its full count, the route Service on stable, the HTTPRoute with the weights', () => {
    const i = input({ strategy: canaryStrategy, traffic: { router: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: 'public' }] } } }, { stable: 1, canary: 2, weight: 30 });
    expect(replicasOf(i, 'eta-v1')).toBe(2);
    expect(replicasOf(i, 'eta-v2')).toBe(2);
    expect(routeSelector(i)).toMatchObject({ 'cairn.dev/model-version': '1' });
    const route = desiredObjects(i).route as { kind: string; spec: { rules: Array<{ backendRefs: Array<{ name: string; weight: number }> }> } };
    expect(route.kind).toBe('HTTPRoute');
    expect(route.spec.rules[0]!.backendRefs.map((b) => [b.name, b.weight])).toEqual([['eta-v1', 70], ['eta-v2', 30]]);
    expect(desiredObjects(i).achievedWeight).toBe(30);
  });

  test('istio: a VirtualService; replicas: no route object', () => {
    expect((desiredObjects(input({ traffic: { router: 'istio' } }, { stable: 1 })).route as { kind: string }).kind).toBe('VirtualService');
    expect(desiredObjects(input({}, { stable: 1, canary: 2, weight: 50 })).route).toBeUndefined();
  });

  test('BlueGreen: the new version at full count behind the preview Service; the route keeps stable', () => {
    const i = input({ strategy: { type: 'BlueGreen' } }, { stable: 1, canary: 2 });
    expect(names(i)).toContain('Service/eta-preview');
    expect(replicasOf(i, 'eta-v2')).toBe(2);
    expect(routeSelector(i)).toMatchObject({ 'cairn.dev/model-version': '1' });
  });

  test('Shadow under the replicas router: the stable pods mirror to the canary Service', () => {
    const i = input({ strategy: { type: 'Shadow', shadow: { percent: 25 } } }, { stable: 1, canary: 2, mirror: 25 });
    const args = objects(i).find((o) => o.metadata.name === 'eta-v1' && o.kind === 'Deployment')!.spec.template!.spec.containers[0]!.args;
    expect(args.join(' ')).toContain('--mirror-url http://eta-v2.ml.svc:80 --mirror-percent 25');
    const canaryArgs = objects(i).find((o) => o.metadata.name === 'eta-v2' && o.kind === 'Deployment')!.spec.template!.spec.containers[0]!.args;
    expect(canaryArgs).not.toContain('--mirror-url');
  });

  const argsOf = (i: DesiredInput, name: string) => objects(i).find((o) => o.metadata.name === name && o.kind === 'Deployment')!.spec.template!.spec.containers[0]!.args.join(' ');
  type Mirrored = { spec: { rules?: Array<{ filters?: unknown[] }>; http?: Array<{ mirror?: unknown }> } };
  const gateway: DeploymentSpec['traffic'] = { router: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: 'public' }] } };
  test.each([
    // router, shadow options -> the stable pods mirror (and compare), the route mirrors
    ['replicas', {}, true, false],
    ['replicas', { compare: false }, true, false],
    ['gatewayAPI', {}, true, false],
    ['gatewayAPI', { compare: false }, false, true],
    ['istio', {}, true, false],
    ['istio', { compare: false }, false, true],
  ] as const)('Shadow under %s with %j: the stable pods mirror: %s; the route mirrors: %s', (router, options, byPods, byRoute) => {
    const traffic: DeploymentSpec['traffic'] = router === 'gatewayAPI' ? gateway : { router };
    const i = input({ strategy: { type: 'Shadow', shadow: { percent: 25, ...options } }, traffic }, { stable: 1, canary: 2, mirror: 25 });
    expect(argsOf(i, 'eta-v1').includes('--mirror-url')).toBe(byPods);
    const route = desiredObjects(i).route as Mirrored | undefined;
    const routeMirrors = JSON.stringify(route?.spec ?? {}).includes('"mirror') || JSON.stringify(route?.spec ?? {}).includes('RequestMirror');
    expect(routeMirrors).toBe(byRoute);
  });

  test("a Shadow's tolerance reaches the stable pods' mirror; none means exact (no flag)", () => {
    const tolerant = input({ strategy: { type: 'Shadow', shadow: { percent: 10, tolerance: 0.05 } } }, { stable: 1, canary: 2, mirror: 10 });
    expect(argsOf(tolerant, 'eta-v1')).toContain('--mirror-url http://eta-v2.ml.svc:80 --mirror-percent 10 --mirror-tolerance 0.05');
    const exact = input({ strategy: { type: 'Shadow', shadow: { percent: 10 } } }, { stable: 1, canary: 2, mirror: 10 });
    expect(argsOf(exact, 'eta-v1')).not.toContain('--mirror-tolerance');
  });

  test('a retiring version keeps its pods, behind the route Service, until the new stable one is available', () => {
    const i = input({}, { stable: 2 }, { retiring: 1 });
    expect(replicasOf(i, 'eta-v1')).toBe(2);
    expect(replicasOf(i, 'eta-v2')).toBe(2);
    expect('cairn.dev/model-version' in (routeSelector(i) ?? {})).toBe(false);
  });

  test('autoscaling: an HPA per version, no replica count in the Deployment', () => {
    const i = input({ serving: { autoscaling: { minReplicas: 1, maxReplicas: 4 } } }, { stable: 1 });
    expect(names(i)).toContain('HorizontalPodAutoscaler/eta-v1');
    expect(replicasOf(i, 'eta-v1')).toBeUndefined();
  });

  test('the drift profile is mounted in every serving pod', () => {
    const i = input({}, { stable: 1, canary: 2, weight: 50 }, { profile: { configMap: 'drivers-profile', key: 'profile.json' } });
    for (const name of ['eta-v1', 'eta-v2']) {
      const args = objects(i).find((o) => o.metadata.name === name && o.kind === 'Deployment')!.spec.template!.spec.containers[0]!.args;
      expect(args.join(' ')).toContain('--profile /etc/cairn/profile/profile.json');
    }
  });
});

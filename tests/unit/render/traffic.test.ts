import { describe, expect, test } from 'vitest';
import { API_VERSION } from '../../../src/api/kind.js';
import { httpRouteWeight, renderHttpRoute, renderVirtualService, replicaSplit, virtualServiceWeight } from '../../../src/render/traffic.js';
import { expectGolden } from './golden.js';

const deployment = { apiVersion: API_VERSION, kind: 'Deployment', metadata: { name: 'eta', namespace: 'ml', uid: '8d7f3f1e-5b2a-4c55-9c61-1f0e2a3b4c5d' } };
const gateway = { parentRefs: [{ name: 'public', namespace: 'gateways', sectionName: 'http' }], hostnames: ['eta.example.com'] };

describe('replicaSplit', () => {
  test.each([
    // replicas, weight -> stable, canary, achieved weight
    [4, 0, 4, 0, 0],
    [4, 25, 3, 1, 25],
    [4, 50, 2, 2, 50],
    [4, 80, 1, 3, 75],
    [4, 100, 0, 4, 100],
    [10, 20, 8, 2, 20],
    [10, 5, 9, 1, 10], // at least one canary pod: 10% is the least 10 pods can give
    [10, 99, 1, 9, 90], // stable keeps a pod until the promotion
    [1, 20, 1, 1, 50], // one replica: a canary pod beside it, 50% is what two pods give
    [1, 100, 0, 1, 100],
    [0, 50, 0, 0, 0],
  ])('%i replicas at %i%% -> stable %i, canary %i (%i%%)', (replicas, weight, stable, canary, achieved) => {
    expect(replicaSplit(replicas, weight)).toEqual({ stable, canary, weight: achieved });
  });

  test.each([
    [-1, 10],
    [1.5, 10],
    [4, -1],
    [4, 101],
    [4, Number.NaN],
  ])('replicas %s, weight %s is refused', (replicas, weight) => {
    expect(() => replicaSplit(replicas, weight)).toThrow(RangeError);
  });
});

describe('gatewayAPI and istio', () => {
  test('HTTPRoute: stable only, a canary at 30%, and a shadow mirror', () => {
    const routes = {
      stableOnly: renderHttpRoute(deployment, gateway, { stable: 1, weight: 0, mirror: 0 }),
      canary: renderHttpRoute(deployment, gateway, { stable: 1, canary: 2, weight: 30, mirror: 0 }),
      shadow: renderHttpRoute(deployment, { parentRefs: [{ name: 'public' }] }, { stable: 1, canary: 2, weight: 0, mirror: 25 }),
    };
    expectGolden('traffic-httproute', routes);
    expect(httpRouteWeight(routes.canary, deployment, 2)).toBe(30);
    expect(httpRouteWeight(routes.shadow, deployment, 2)).toBe(0);
    expect(httpRouteWeight(routes.stableOnly, deployment, 2)).toBeUndefined();
    expect(httpRouteWeight({}, deployment, 2)).toBeUndefined();
  });

  test('VirtualService: weights and mirror', () => {
    const routes = {
      canary: renderVirtualService(deployment, { stable: 1, canary: 2, weight: 30, mirror: 0 }),
      shadow: renderVirtualService(deployment, { stable: 1, canary: 2, weight: 0, mirror: 10 }),
    };
    expectGolden('traffic-virtualservice', routes);
    expect(virtualServiceWeight(routes.canary, deployment, 2)).toBe(30);
    expect(virtualServiceWeight(routes.shadow, deployment, 2)).toBe(0);
    expect(virtualServiceWeight(renderVirtualService(deployment, { stable: 1, weight: 0, mirror: 0 }), deployment, 2)).toBeUndefined();
    expect(virtualServiceWeight({}, deployment, 2)).toBeUndefined();
  });
});

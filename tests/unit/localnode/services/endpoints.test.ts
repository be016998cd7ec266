/**
 * The local node's kube-proxy decisions, pure: which Pods back which Service port (selector, readiness,
 * terminating, loopback IPs only, named targetPorts), which listeners exist, and what `<svc>.<ns>.svc` maps to.
 */
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { hostEntries, podServes, proxyRules, selectorMatches, targetPortOf } from '../../../../src/localnode/services/endpoints.js';

function pod(name: string, options: { ip?: string; ready?: boolean; labels?: Record<string, string>; namespace?: string; deleting?: boolean; phase?: string; ports?: { name: string; containerPort: number; protocol?: string }[] } = {}): V1Pod {
  return {
    metadata: { name, namespace: options.namespace ?? 'ml', labels: options.labels ?? { app: 'eta' }, ...(options.deleting ? { deletionTimestamp: new Date() } : {}) },
    spec: { containers: [{ name: 'main', ports: options.ports ?? [{ name: 'http', containerPort: 8080 }] }] },
    status: {
      phase: options.phase ?? 'Running',
      ...(options.ip === '' ? {} : { podIP: options.ip ?? '127.0.1.1' }),
      conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }],
    },
  };
}

function service(name: string, spec: V1Service['spec'], namespace = 'ml'): V1Service {
  return { metadata: { name, namespace }, spec: { clusterIP: '127.0.64.10', selector: { app: 'eta' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }], ...spec } };
}

describe('selectorMatches', () => {
  it.each([
    [{ app: 'eta' }, { app: 'eta', tier: 'web' }, true],
    [{ app: 'eta', tier: 'web' }, { app: 'eta' }, false],
    [{ app: 'eta' }, { app: 'other' }, false],
    [{ app: 'eta' }, undefined, false],
  ])('selector %j on labels %j: %s', (selector, labels, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });
});

describe('podServes', () => {
  it.each([
    ['ready, running, with an IP', pod('a'), false, true],
    ['not ready', pod('a', { ready: false }), false, false],
    ['not ready, publishNotReadyAddresses', pod('a', { ready: false }), true, true],
    ['terminating', pod('a', { deleting: true }), false, false],
    ['terminating, publishNotReadyAddresses', pod('a', { deleting: true }), true, false],
    ['no IP yet', pod('a', { ip: '' }), false, false],
    ['succeeded', pod('a', { phase: 'Succeeded' }), false, false],
  ])('%s', (_what, p, includeNotReady, expected) => {
    expect(podServes(p, includeNotReady)).toBe(expected);
  });
});

describe('targetPortOf', () => {
  const p = pod('a', { ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'grpc', containerPort: 9000 }] });
  it.each([
    ['a number', { port: 80, targetPort: 8080 }, 8080],
    ['a number as text', { port: 80, targetPort: '8081' }, 8081],
    ['none: the Service port', { port: 80 }, 80],
    ['a name', { port: 80, targetPort: 'grpc' }, 9000],
    ['a name of another protocol', { port: 80, targetPort: 'dns' }, undefined],
    ['an unknown name', { port: 80, targetPort: 'metrics' }, undefined],
  ])('%s', (_what, servicePort, expected) => {
    expect(targetPortOf(servicePort, p)).toBe(expected);
  });
});

describe('proxyRules', () => {
  it('one listener per TCP port, endpoints = ready loopback Pods of the namespace matching the selector, in order', () => {
    const pods = [
      pod('a', { ip: '127.0.1.1' }),
      pod('b', { ip: '127.0.1.2' }),
      pod('unready', { ip: '127.0.1.3', ready: false }),
      pod('other-app', { ip: '127.0.1.4', labels: { app: 'other' } }),
      pod('other-namespace', { ip: '127.0.1.5', namespace: 'prod' }),
      pod('kwok', { ip: '10.244.0.7' }),
      pod('no-such-port', { ip: '127.0.1.6', ports: [] }),
    ];
    const svc = service('eta', { ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'raw', port: 81, targetPort: 9999 }, { name: 'udp', port: 53, protocol: 'UDP' }] });
    expect(proxyRules([svc], pods)).toEqual([
      {
        key: '127.0.64.10:80',
        ip: '127.0.64.10',
        port: 80,
        service: 'ml/eta:http',
        endpoints: [
          { ip: '127.0.1.1', port: 8080, pod: 'ml/a' },
          { ip: '127.0.1.2', port: 8080, pod: 'ml/b' },
        ],
      },
      {
        key: '127.0.64.10:81',
        ip: '127.0.64.10',
        port: 81,
        service: 'ml/eta:raw',
        endpoints: [
          { ip: '127.0.1.1', port: 9999, pod: 'ml/a' },
          { ip: '127.0.1.2', port: 9999, pod: 'ml/b' },
          { ip: '127.0.1.6', port: 9999, pod: 'ml/no-such-port' },
        ],
      },
    ]);
  });

  it.each([
    ['no selector', service('x', { selector: undefined }), []],
    ['headless', service('x', { clusterIP: 'None' }), []],
    ['ExternalName', service('x', { type: 'ExternalName', clusterIP: '' }), []],
    ['a ClusterIP off loopback', service('x', { clusterIP: '10.0.0.12' }), []],
    ['NodePort: also 127.0.0.1:nodePort', service('x', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080, targetPort: 8080 }] }), ['127.0.64.10:80', '127.0.0.1:30080']],
    ['publishNotReadyAddresses', service('x', { publishNotReadyAddresses: true }), ['127.0.64.10:80']],
  ])('%s', (_what, svc, keys) => {
    expect(proxyRules([svc], [pod('a')]).map((r) => r.key)).toEqual(keys);
  });

  it('no ready Pod: the listener stays, with no endpoint (connections are reset)', () => {
    expect(proxyRules([service('eta', {})], [pod('a', { ready: false })])).toEqual([{ key: '127.0.64.10:80', ip: '127.0.64.10', port: 80, service: 'ml/eta:http', endpoints: [] }]);
  });

  it('publishNotReadyAddresses keeps unready Pods as endpoints', () => {
    expect(proxyRules([service('eta', { publishNotReadyAddresses: true })], [pod('a', { ready: false })])[0]?.endpoints).toEqual([{ ip: '127.0.1.1', port: 8080, pod: 'ml/a' }]);
  });
});

describe('hostEntries', () => {
  it('a proxied Service resolves to its ClusterIP; a headless one to its ready Pods; selectorless ones to nothing', () => {
    const services = [
      service('eta-canary', {}),
      service('eta-headless', { clusterIP: 'None' }),
      service('external', { selector: undefined, clusterIP: '127.0.64.20' }),
      service('kubernetes', { selector: undefined, clusterIP: '127.0.64.1' }, 'default'),
    ];
    const pods = [pod('a', { ip: '127.0.1.1' }), pod('b', { ip: '127.0.1.2', ready: false })];
    expect(hostEntries(services, pods)).toEqual([
      { ip: '127.0.64.10', service: 'eta-canary', namespace: 'ml' },
      { ip: '127.0.1.1', service: 'eta-headless', namespace: 'ml' },
    ]);
  });
});

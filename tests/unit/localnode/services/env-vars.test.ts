/**
 * The Service variables the kubelet gives a container (pkg/kubelet/envvars), and how the local node's env
 * builder merges them: lowest precedence, usable in `$(VAR)`, off with `enableServiceLinks: false`.
 */
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { resolveEnv, type EnvSources } from '../../../../src/localnode/env.js';
import { envVarName, serviceEnv } from '../../../../src/localnode/services/env-vars.js';

function service(name: string, spec: V1Service['spec'], namespace = 'ml'): V1Service {
  return { metadata: { name, namespace }, spec };
}

describe('envVarName', () => {
  it.each([
    ['eta', 'ETA'],
    ['eta-canary', 'ETA_CANARY'],
    ['a-b-c', 'A_B_C'],
    ['model2', 'MODEL2'],
  ])('%s -> %s', (name, expected) => {
    expect(envVarName(name)).toBe(expected);
  });
});

describe('serviceEnv', () => {
  it('host, first port, named ports and the Docker link variables', () => {
    const svc = service('eta-canary', { clusterIP: '127.0.64.12', ports: [{ name: 'http', port: 8080 }, { name: 'grpc-api', port: 9000, protocol: 'TCP' }] });
    expect(serviceEnv([svc], 'ml')).toEqual({
      ETA_CANARY_SERVICE_HOST: '127.0.64.12',
      ETA_CANARY_SERVICE_PORT: '8080',
      ETA_CANARY_SERVICE_PORT_HTTP: '8080',
      ETA_CANARY_SERVICE_PORT_GRPC_API: '9000',
      ETA_CANARY_PORT: 'tcp://127.0.64.12:8080',
      ETA_CANARY_PORT_8080_TCP: 'tcp://127.0.64.12:8080',
      ETA_CANARY_PORT_8080_TCP_PROTO: 'tcp',
      ETA_CANARY_PORT_8080_TCP_PORT: '8080',
      ETA_CANARY_PORT_8080_TCP_ADDR: '127.0.64.12',
      ETA_CANARY_PORT_9000_TCP: 'tcp://127.0.64.12:9000',
      ETA_CANARY_PORT_9000_TCP_PROTO: 'tcp',
      ETA_CANARY_PORT_9000_TCP_PORT: '9000',
      ETA_CANARY_PORT_9000_TCP_ADDR: '127.0.64.12',
    });
  });

  it.each([
    ['an unnamed single port', service('eta', { clusterIP: '127.0.64.2', ports: [{ port: 80 }] }), 'ml', { ETA_SERVICE_HOST: '127.0.64.2', ETA_SERVICE_PORT: '80' }],
    ['headless', service('eta', { clusterIP: 'None', ports: [{ port: 80 }] }), 'ml', {}],
    ['no ClusterIP', service('eta', { type: 'ExternalName', ports: [{ port: 80 }] }), 'ml', {}],
    ['another namespace', service('eta', { clusterIP: '127.0.64.2', ports: [{ port: 80 }] }, 'prod'), 'ml', {}],
    ['the kubernetes Service (nothing proxies it here)', service('kubernetes', { clusterIP: '127.0.64.1', ports: [{ name: 'https', port: 443 }] }, 'default'), 'default', {}],
  ])('%s', (_what, svc, namespace, expected) => {
    const env = serviceEnv([svc], namespace);
    expect(Object.fromEntries(Object.entries(env).filter(([key]) => key.endsWith('_SERVICE_HOST') || /_SERVICE_PORT$/.test(key)))).toEqual(expected);
  });

  it('a UDP port gets udp:// link variables', () => {
    const env = serviceEnv([service('dns', { clusterIP: '127.0.64.3', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] })], 'ml');
    expect(env).toMatchObject({ DNS_PORT: 'udp://127.0.64.3:53', DNS_PORT_53_UDP_PROTO: 'udp', DNS_SERVICE_PORT_DNS: '53' });
  });
});

describe('resolveEnv with Services', () => {
  const sources: EnvSources = {
    configMap: async () => undefined,
    secret: async () => undefined,
    services: () => [service('eta', { clusterIP: '127.0.64.5', ports: [{ name: 'http', port: 8080 }] })],
  };
  const pod = (enableServiceLinks?: boolean): V1Pod => ({ metadata: { name: 'p', namespace: 'ml' }, spec: { containers: [], ...(enableServiceLinks === undefined ? {} : { enableServiceLinks }) } });

  it('adds them below everything else and lets $(VAR) use them', async () => {
    const env = await resolveEnv(
      pod(),
      { name: 'c', env: [{ name: 'URL', value: 'http://$(ETA_SERVICE_HOST):$(ETA_SERVICE_PORT_HTTP)' }, { name: 'ETA_SERVICE_PORT', value: 'mine' }] },
      sources,
      { PATH: '/bin' },
    );
    expect(env).toMatchObject({ PATH: '/bin', ETA_SERVICE_HOST: '127.0.64.5', ETA_SERVICE_PORT: 'mine', URL: 'http://127.0.64.5:8080' });
  });

  it('enableServiceLinks: false leaves them out', async () => {
    const env = await resolveEnv(pod(false), { name: 'c' }, sources, { PATH: '/bin' });
    expect(env).toEqual({ PATH: '/bin' });
  });
});

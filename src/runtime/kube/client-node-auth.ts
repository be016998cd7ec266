import type { KubeConfig } from '@kubernetes/client-node';
import type { Agent, OutgoingHttpHeaders } from 'node:http';
import type { RequestOptions } from 'node:https';
import { createAgent, type RequestAuth } from './auth.js';
import { isClientNodeKubeConfig, type ClientNodeSource } from './rest-config.js';

/**
 * Authentication delegated to @kubernetes/client-node, for what only it implements: `exec` credential plugins,
 * `auth-provider`s (oidc, azure, gcp) and `proxy-url`. The module (~145 MiB of RSS) is imported on the first
 * request, so it is never loaded for certificates, tokens or in-cluster service accounts. Each request asks it
 * for headers and TLS material (it caches plugin credentials and refreshes them when they expire); the agent is
 * ours, replaced when a plugin hands out a new client certificate. Behind a proxy-url, client-node's proxy agent.
 */
export function clientNodeAuth(source: ClientNodeSource): RequestAuth {
  let loading: Promise<KubeConfig> | undefined;
  let current: { opts: RequestOptions; agent: Agent } | undefined;
  return {
    async prepare() {
      const kc = await (loading ??= load(source));
      const opts: RequestOptions = {};
      await kc.applyToHTTPSOptions(opts);
      const headers: OutgoingHttpHeaders = { ...(opts.headers as OutgoingHttpHeaders | undefined) };
      if (opts.auth && headers.Authorization === undefined) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
      const cluster = kc.getCurrentCluster();
      if (!cluster) throw new Error('The kubeconfig has no current cluster');
      if (cluster.proxyUrl) return { agent: opts.agent as Agent, headers };
      if (!current || !sameTls(current.opts, opts)) {
        const tls = { ca: buf(opts.ca), cert: buf(opts.cert), key: buf(opts.key), insecure: opts.rejectUnauthorized === false, serverName: opts.servername ?? undefined };
        current = { opts, agent: createAgent({ server: cluster.server, tls, credentials: { type: 'none' } }) };
      }
      return { agent: current.agent, headers };
    },
  };
}

async function load(source: ClientNodeSource): Promise<KubeConfig> {
  if (isClientNodeKubeConfig(source)) return source;
  await import('./node-compat.js'); // before client-node: lets its undici load on Node 20
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(source.cluster, source.user);
  return kc;
}

function sameTls(a: RequestOptions, b: RequestOptions): boolean {
  return same(a.ca, b.ca) && same(a.cert, b.cert) && same(a.key, b.key) && a.rejectUnauthorized === b.rejectUnauthorized && a.servername === b.servername;
}

function same(a: unknown, b: unknown): boolean {
  return Buffer.isBuffer(a) && Buffer.isBuffer(b) ? a.equals(b) : a === b;
}

function buf(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  return typeof value === 'string' && value ? Buffer.from(value) : undefined;
}

import { Agent as HttpAgent, type Agent, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { RestConfig } from './rest-config.js';
import { TokenFile, type TokenFileOptions } from './token-file.js';

/** What a request needs from the config: the connection pool to send it on and the authentication headers. */
export interface RequestAuth {
  prepare(): Promise<{ agent: Agent; headers: OutgoingHttpHeaders }>;
}

/**
 * Authentication done by Cairn itself: one keep-alive agent for the life of the client (TLS: CA, client
 * certificate, SNI) and the headers of the credentials, a token file being re-read as it rotates.
 */
export function nativeAuth(config: RestConfig, tokenFile: TokenFileOptions = {}): RequestAuth {
  const agent = createAgent(config);
  const fixed: OutgoingHttpHeaders = {};
  if (config.impersonate?.user) fixed['Impersonate-User'] = config.impersonate.user;
  if (config.impersonate?.groups?.length) fixed['Impersonate-Group'] = config.impersonate.groups;
  const cred = config.credentials;
  let token: TokenFile | undefined;
  switch (cred.type) {
    case 'token':
      fixed.Authorization = `Bearer ${cred.token}`;
      break;
    case 'basic':
      fixed.Authorization = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
      break;
    case 'tokenFile':
      token = new TokenFile(cred.path, tokenFile);
      break;
    case 'none':
      break;
    case 'clientNode':
      throw new Error(`nativeAuth cannot serve ${cred.reason}: use clientNodeAuth`);
  }
  return {
    async prepare() {
      if (!token) return { agent, headers: fixed };
      return { agent, headers: { ...fixed, Authorization: `Bearer ${await token.get()}` } };
    },
  };
}

/**
 * A keep-alive agent for the API server: connections are reused across requests (watches hold their own), with
 * TCP keep-alive probes so a dead peer is noticed. An idle pooled connection is closed after 30 s, before the
 * API server (90 s) or a load balancer (often 60 s) closes it under a request about to reuse it. `http:` servers
 * (kubectl proxy) get a plain agent.
 *
 * The TLS context (CA, client certificate and key, parsed) is built once for the agent: given as `ca`, `cert` and
 * `key`, Node builds it again for every new connection, 10 to 15 ms of CPU each on a loaded 2-core machine, paid
 * by the request that opens the connection (a burst of writes wider than the pool, a watch reopened).
 */
export function createAgent(config: RestConfig): Agent {
  const common = { keepAlive: true, keepAliveMsecs: 30_000, timeout: 30_000, scheduling: 'lifo' as const };
  if (config.server.startsWith('http:')) return new HttpAgent(common);
  const { ca, cert, key, insecure, serverName } = config.tls;
  const secureContext = createSecureContext({ ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}) });
  return new HttpsAgent({
    ...common,
    secureContext,
    ...(serverName ? { servername: serverName } : {}),
    rejectUnauthorized: !insecure,
  });
}

import { InvalidGitSpecError } from './errors.js';

/** Credentials for one fetch, from the GitSource's secretRef. */
export type GitCredentials =
  | { type: 'basic'; username: string; password: string; caCert?: string }
  | { type: 'bearer'; token: string; caCert?: string }
  | { type: 'ssh'; privateKey: string; knownHosts: string }
  | { type: 'none'; caCert?: string };

/**
 * Reads credentials from a Secret's decoded data, with Flux's key names:
 * `username` + `password` (https basic; for GitHub/GitLab tokens put the token in `password`),
 * `bearerToken` or `token` (https `Authorization: Bearer`), `identity` + `known_hosts` (ssh), `ca.crt` (https CA).
 */
export function credentialsFromSecret(data: Record<string, string | Buffer | undefined>): GitCredentials {
  const get = (k: string): string | undefined => {
    const v = data[k];
    return v === undefined ? undefined : Buffer.isBuffer(v) ? v.toString('utf8') : v;
  };
  const caCert = get('ca.crt') ?? get('caFile');
  const identity = get('identity') ?? get('ssh-privatekey');
  if (identity) {
    const knownHosts = get('known_hosts');
    if (!knownHosts) throw new InvalidGitSpecError('The Secret has an ssh identity but no known_hosts: host key checking cannot be turned off');
    return { type: 'ssh', privateKey: identity, knownHosts };
  }
  const token = get('bearerToken') ?? get('token');
  if (token) return { type: 'bearer', token: token.trim(), ...(caCert ? { caCert } : {}) };
  const username = get('username');
  const password = get('password');
  if (username !== undefined || password !== undefined) {
    if (!username || !password) throw new InvalidGitSpecError('The Secret must have both username and password for basic authentication');
    return { type: 'basic', username, password, ...(caCert ? { caCert } : {}) };
  }
  return { type: 'none', ...(caCert ? { caCert } : {}) };
}

/** The exact secret strings of `creds`, so messages can be scrubbed of them even in unexpected places. */
export function secretValues(creds: GitCredentials | undefined): string[] {
  if (!creds) return [];
  switch (creds.type) {
    case 'basic':
      return [creds.password, Buffer.from(`${creds.username}:${creds.password}`).toString('base64')];
    case 'bearer':
      return [creds.token];
    case 'ssh':
      return [creds.privateKey.trim()];
    default:
      return [];
  }
}

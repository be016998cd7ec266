import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** A replica's Lease identity: the pod name (or host name) plus a random suffix, unique per process. */
export function replicaIdentity(env: NodeJS.ProcessEnv = process.env): string {
  return `${env.POD_NAME ?? hostname()}_${randomBytes(4).toString('hex')}`;
}

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** The namespace this process runs in: POD_NAMESPACE, the service account's namespace file, else `default`. */
export function ownNamespace(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim() || 'default';
  } catch {
    return 'default';
  }
}

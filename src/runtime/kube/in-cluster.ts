import { isIPv6 } from 'node:net';
import type { ReadFile } from './kubeconfig.js';
import type { RestConfig } from './rest-config.js';

/** Where Kubernetes mounts a pod's service account. */
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** True when the process runs in a pod (the kubelet sets KUBERNETES_SERVICE_HOST and _PORT). */
export function isInCluster(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT);
}

/**
 * The pod's service account, as client-go's rest.InClusterConfig: the API server at KUBERNETES_SERVICE_HOST:PORT,
 * the cluster CA from ca.crt (read now), and the bearer token from the token file, re-read while running
 * because bound service account tokens rotate (the kubelet refreshes the file well before expiry).
 */
export function inClusterConfig(env: NodeJS.ProcessEnv, readFile: ReadFile, dir = SERVICE_ACCOUNT_DIR): RestConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('Not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set');
  let ca: Buffer;
  try {
    ca = readFile(`${dir}/ca.crt`);
  } catch (err) {
    throw new Error(`Cannot read the service account CA (${dir}/ca.crt): ${(err as Error).message}`, { cause: err });
  }
  return {
    server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    tls: { ca, insecure: false },
    credentials: { type: 'tokenFile', path: `${dir}/token` },
  };
}

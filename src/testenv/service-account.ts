import './node-compat.js';
import { CoreV1Api, type KubeConfig, type V1BoundObjectReference } from '@kubernetes/client-node';
import { writeKubeconfig } from './kubeconfig.js';

export interface ServiceAccountTokenOptions {
  namespace: string;
  serviceAccount: string;
  /** Token lifetime (default 3600 s; the API server's minimum is 600). */
  expirationSeconds?: number;
  /** Binds the token to an object (e.g. the Pod that uses it), as the kubelet does. */
  boundObjectRef?: V1BoundObjectReference;
}

/** Requests a ServiceAccount token through the TokenRequest API (the admin client must be allowed to). */
async function requestServiceAccountToken(admin: KubeConfig, options: ServiceAccountTokenOptions): Promise<string> {
  const core = admin.makeApiClient(CoreV1Api);
  const response = await core.createNamespacedServiceAccountToken({
    name: options.serviceAccount,
    namespace: options.namespace,
    body: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: [], expirationSeconds: options.expirationSeconds ?? 3600, boundObjectRef: options.boundObjectRef },
    },
  });
  const token = response.status?.token;
  if (!token) throw new Error(`TokenRequest for ${options.namespace}/${options.serviceAccount} returned no token`);
  return token;
}

/**
 * Writes a kubeconfig that authenticates as ServiceAccount `namespace/serviceAccount` (a TokenRequest token),
 * so a process runs with exactly that account's RBAC, as the operator does from its Helm chart in a cluster.
 */
export async function writeServiceAccountKubeconfig(
  plane: { server: string; caFile: string; kubeConfig(): KubeConfig },
  path: string,
  options: ServiceAccountTokenOptions,
): Promise<string> {
  const token = await requestServiceAccountToken(plane.kubeConfig(), options);
  return writeKubeconfig(path, {
    name: `${options.namespace}-${options.serviceAccount}`,
    server: plane.server,
    caFile: plane.caFile,
    credentials: { token },
    namespace: options.namespace,
  });
}

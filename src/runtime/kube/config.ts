import './node-compat.js';
import { KubeConfig } from '@kubernetes/client-node';

export interface KubeConfigSource {
  /** A kubeconfig file; when absent, in-cluster config (service account) is used if present, else the default. */
  kubeconfig?: string;
  /** A context of that file other than its current one. */
  context?: string;
}

/**
 * Loads the API server connection: an explicit kubeconfig file, else the pod's service account
 * (KUBERNETES_SERVICE_HOST), else KUBECONFIG / ~/.kube/config.
 */
export function loadKubeConfig(source: KubeConfigSource = {}, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  if (source.kubeconfig) kc.loadFromFile(source.kubeconfig);
  else if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (source.context) kc.setCurrentContext(source.context);
  if (!kc.getCurrentCluster()) throw new Error('No Kubernetes cluster configured (no kubeconfig and not in a cluster)');
  return kc;
}

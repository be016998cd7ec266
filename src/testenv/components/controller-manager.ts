import { join } from 'node:path';
import type { Pki } from '../pki.js';
import type { ManagedProcess } from '../process.js';
import { http200, waitFor } from '../wait.js';
import { LOOPBACK, type ComponentContext } from './context.js';

/**
 * The controllers the tests rely on, by their 1.35 names. Not `*`: the rest (HPA, CSR signing, ...) costs CPU
 * on a 2-core machine and nothing in Cairn needs it. The PV binder binds claims to PersistentVolumes (the local
 * node only provisions them, as an external provisioner), and the two protection controllers remove the
 * pvc/pv-protection finalizers the StorageObjectInUseProtection admission plugin adds (without them a deleted
 * claim, and so its namespace, would never go away). node-lifecycle is on: kwok and the node
 * agent both renew their Leases, so nodes stay Ready, and a node that stops heartbeating is handled as in a
 * real cluster.
 */
const CONTROLLERS = [
  'serviceaccount-token-controller',
  'serviceaccount-controller',
  'root-ca-certificate-publisher-controller',
  'namespace-controller',
  'garbage-collector-controller',
  'job-controller',
  'cronjob-controller',
  'ttl-after-finished-controller',
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  'daemonset-controller',
  'disruption-controller',
  'endpointslice-controller',
  'pod-garbage-collector-controller',
  'node-lifecycle-controller',
  'taint-eviction-controller',
  'clusterrole-aggregation-controller',
  'persistentvolume-binder-controller',
  'persistentvolume-protection-controller',
  'persistentvolumeclaim-protection-controller',
];

/**
 * kube-controller-manager as kubeadm runs it: each controller with its own ServiceAccount credentials (so the
 * bootstrap RBAC of the controllers is exercised), the SA token signer key and the cluster CA.
 */
export async function startControllerManager(ctx: ComponentContext, options: { port: number; kubeconfig: string; pki: Pki }): Promise<ManagedProcess> {
  const proc = ctx.run.spawn({
    name: 'kube-controller-manager',
    command: join(ctx.binDir, 'kube-controller-manager'),
    args: [
      `--kubeconfig=${options.kubeconfig}`,
      `--authentication-kubeconfig=${options.kubeconfig}`,
      `--authorization-kubeconfig=${options.kubeconfig}`,
      '--leader-elect=false',
      `--controllers=${CONTROLLERS.join(',')}`,
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${options.pki.serviceAccountKey}`,
      `--root-ca-file=${options.pki.caCert}`,
      `--bind-address=${LOOPBACK}`,
      `--secure-port=${options.port}`,
      `--cert-dir=${ctx.run.path('controller-manager')}`,
      '--kube-api-qps=100',
      '--kube-api-burst=200',
      '--profiling=false',
    ],
    env: ctx.env,
    logFile: ctx.run.path('logs', 'kube-controller-manager.log'),
  });
  await waitFor(http200(`https://${LOOPBACK}:${options.port}/healthz`, { insecure: true }), {
    what: 'kube-controller-manager /healthz',
    timeoutMs: ctx.timeoutMs,
    watch: [proc],
  });
  return proc;
}

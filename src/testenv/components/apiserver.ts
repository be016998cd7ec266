import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FRONT_PROXY_CLIENT, type Pki } from '../pki.js';
import type { ManagedProcess } from '../process.js';
import { http200, waitFor } from '../wait.js';
import { LOOPBACK, type ComponentContext } from './context.js';

export interface ApiServer {
  proc: ManagedProcess;
  /** https://127.0.0.1:<port> */
  server: string;
}

/**
 * The service CIDR, inside loopback: Linux routes all of 127.0.0.0/8 to `lo`, so the local node's kube-proxy
 * stand-in (src/localnode/services/) can listen on any ClusterIP without adding addresses, and no Service
 * address ever leaves the machine. Its first address (127.0.64.1) is the `kubernetes` Service and is in the
 * serving cert. Disjoint from the local node's pod IPs (127.0.1.0/24) and kwok's (10.244.0.0/16).
 */
export const SERVICE_CIDR = '127.0.64.0/18';
const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/**
 * kube-apiserver with envtest's flags, except: RBAC (plus the Node authorizer, as kubeadm), the default admission
 * plugins including ServiceAccount (so a Pod naming a missing ServiceAccount is rejected as in a real cluster; the
 * serviceaccount controller creates `default` in each namespace), and the loopback address advertised (so no
 * non-loopback interface is needed).
 */
export async function startApiServer(ctx: ComponentContext, options: { port: number; etcdUrl: string; pki: Pki; serviceCidr?: string }): Promise<ApiServer> {
  const { pki } = options;
  const server = `https://${LOOPBACK}:${options.port}`;
  const proc = ctx.run.spawn({
    name: 'kube-apiserver',
    command: join(ctx.binDir, 'kube-apiserver'),
    args: [
      `--etcd-servers=${options.etcdUrl}`,
      `--bind-address=${LOOPBACK}`,
      `--advertise-address=${LOOPBACK}`,
      // The `kubernetes` Service's endpoints would be the loopback address, which Endpoints validation rejects
      // every 10 s, so the reconciler is off (the local node does not proxy the `kubernetes` Service: clients use
      // the API server's own address).
      '--endpoint-reconciler-type=none',
      `--secure-port=${options.port}`,
      `--cert-dir=${ctx.run.path('apiserver')}`,
      `--tls-cert-file=${pki.servingCert}`,
      `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--authorization-mode=Node,RBAC',
      // Request-header authentication for aggregated APIs, as kubeadm sets it up; without it the
      // controller-manager and scheduler log a missing requestheader CA every few seconds.
      `--requestheader-client-ca-file=${pki.frontProxyCaCert}`,
      `--requestheader-allowed-names=${FRONT_PROXY_CLIENT}`,
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pki.frontProxyClientCert}`,
      `--proxy-client-key-file=${pki.frontProxyClientKey}`,
      `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-cluster-ip-range=${options.serviceCidr ?? SERVICE_CIDR}`,
      // Kubelet connections (kubectl logs): the apiserver presents its kubelet client certificate and checks the
      // kubelet's serving certificate against the cluster CA, dialing the Node's InternalIP (127.0.0.1).
      `--kubelet-client-certificate=${pki.kubeletClientCert}`,
      `--kubelet-client-key=${pki.kubeletClientKey}`,
      `--kubelet-certificate-authority=${pki.caCert}`,
      '--kubelet-preferred-address-types=InternalIP',
      '--allow-privileged=true',
      '--profiling=false',
    ],
    env: ctx.env,
    logFile: ctx.run.path('logs', 'kube-apiserver.log'),
  });
  const ca = await readFile(pki.caCert);
  await waitFor(http200(`${server}/readyz`, { ca }), { what: 'kube-apiserver /readyz', timeoutMs: ctx.timeoutMs, watch: [proc] });
  return { proc, server };
}

import type { KubeConfig } from '@kubernetes/client-node';

/**
 * How to reach one API server as one user: client-go's rest.Config, cut down to what Cairn needs. Built from a
 * kubeconfig context ({@link restConfigFromKubeconfig}), the pod's service account ({@link inClusterConfig}) or
 * a @kubernetes/client-node KubeConfig ({@link restConfigFromClientNode}). Plain data: files are read when the
 * config is built, except a token file, which is re-read while the process runs (bound tokens rotate).
 */
export interface RestConfig {
  /** `https://host:port` (or `http://` for a local proxy), no trailing slash; may carry a path prefix. */
  server: string;
  tls: TlsConfig;
  credentials: Credentials;
  /** Impersonation (kubeconfig `as`, `as-groups`). */
  impersonate?: { user?: string; groups?: string[] };
}

export interface TlsConfig {
  /** PEM bundle of the CAs to trust; the system roots when absent. */
  ca?: Buffer;
  /** PEM client certificate and key (client certificate authentication). */
  cert?: Buffer;
  key?: Buffer;
  /** insecure-skip-tls-verify: do not check the server's certificate. */
  insecure: boolean;
  /** SNI and the name the server's certificate must match, when it differs from the server's host. */
  serverName?: string;
}

export type Credentials =
  | { type: 'none' }
  | { type: 'token'; token: string }
  /** A bearer token re-read from the file while running (service account tokens rotate). */
  | { type: 'tokenFile'; path: string }
  | { type: 'basic'; username: string; password: string }
  /**
   * What only @kubernetes/client-node implements (an `exec` or `auth-provider` plugin, a `proxy-url`): it is
   * loaded on the first request, and only then, and provides the headers and the TLS agent.
   */
  | { type: 'clientNode'; reason: string; kubeConfig: ClientNodeSource };

/** A client-node KubeConfig, or what to build one from (client-node's own Cluster and User shapes). */
export type ClientNodeSource = KubeConfig | { cluster: ClientNodeCluster; user: ClientNodeUser };

export interface ClientNodeCluster {
  name: string;
  server: string;
  caData?: string;
  caFile?: string;
  skipTLSVerify: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
}

export interface ClientNodeUser {
  name: string;
  certData?: string;
  certFile?: string;
  keyData?: string;
  keyFile?: string;
  token?: string;
  username?: string;
  password?: string;
  impersonateUser?: string;
  exec?: unknown;
  authProvider?: unknown;
}

/** True for a client-node KubeConfig (tested by shape: the module is never loaded to check). */
export function isClientNodeKubeConfig(value: object): value is KubeConfig {
  return typeof (value as Partial<KubeConfig>).getCurrentCluster === 'function';
}

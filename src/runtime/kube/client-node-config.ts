import type { KubeConfig } from '@kubernetes/client-node';
import type { ReadFile } from './kubeconfig.js';
import type { Credentials, RestConfig } from './rest-config.js';

/**
 * The {@link RestConfig} of a @kubernetes/client-node KubeConfig's current context, read from its exported
 * clusters and users (what tests and the test environment build). Its plugins (exec, auth-provider other than
 * the in-cluster token file) and proxy-url stay with client-node: the config then delegates to that object.
 */
export function restConfigFromClientNode(kc: KubeConfig, readFile: ReadFile): RestConfig {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`The kubeconfig has no cluster for its current context "${kc.getCurrentContext()}"`);
  const user = kc.getCurrentUser();
  const server = cluster.server.replace(/\/+$/, '');
  const provider = user?.authProvider as { name?: string; config?: { tokenFile?: string } } | undefined;
  const inClusterToken = provider?.config?.tokenFile; // client-node's loadFromCluster() shape
  const plugin = user?.exec ? 'exec plugin' : provider && !inClusterToken ? `auth-provider ${provider.name ?? ''}`.trim() : cluster.proxyUrl ? 'proxy-url' : undefined;
  if (plugin) return { server, tls: { insecure: cluster.skipTLSVerify }, credentials: { type: 'clientNode', reason: plugin, kubeConfig: kc } };

  const data = (file: string | undefined, base64: string | undefined) => (file ? readFile(file) : base64 ? Buffer.from(base64, 'base64') : undefined);
  const config: RestConfig = { server, tls: { insecure: cluster.skipTLSVerify }, credentials: { type: 'none' } };
  const ca = data(cluster.caFile, cluster.caData);
  if (ca) config.tls.ca = ca;
  if (cluster.tlsServerName) config.tls.serverName = cluster.tlsServerName;
  const cert = data(user?.certFile, user?.certData);
  const key = data(user?.keyFile, user?.keyData);
  if (cert && key) Object.assign(config.tls, { cert, key });
  let credentials: Credentials = { type: 'none' };
  if (inClusterToken) credentials = { type: 'tokenFile', path: inClusterToken };
  else if (user?.token) credentials = { type: 'token', token: user.token };
  else if (user?.username) credentials = { type: 'basic', username: user.username, password: user.password ?? '' };
  config.credentials = credentials;
  if (user?.impersonateUser) config.impersonate = { user: user.impersonateUser };
  return config;
}

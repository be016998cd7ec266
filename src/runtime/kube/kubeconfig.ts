import { isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import type { ClientNodeCluster, ClientNodeUser, Credentials, RestConfig } from './rest-config.js';

/** Reads a file named in a kubeconfig (certificates, keys). Injected so parsing stays pure in tests. */
export type ReadFile = (path: string) => Buffer;

/**
 * A kubeconfig (one file or several merged, as KUBECONFIG=a:b does): named clusters, users and contexts in the
 * v1 field names. Each entry keeps the directory of the file it came from: its relative paths are relative to it.
 */
export interface Kubeconfig {
  currentContext?: string;
  clusters: Map<string, Entry>;
  users: Map<string, Entry>;
  contexts: Map<string, Entry>;
}

interface Entry {
  fields: Record<string, unknown>;
  dir: string;
}

/** Parses one kubeconfig file's text; `dir` is the file's directory. Throws on what is not a kubeconfig. */
export function parseKubeconfig(text: string, dir: string, source = 'the kubeconfig'): Kubeconfig {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new Error(`${source} is not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isRecord(doc)) throw new Error(`${source} is not a kubeconfig (not a mapping)`);
  const current = doc['current-context'];
  return {
    currentContext: typeof current === 'string' && current ? current : undefined,
    clusters: namedEntries(doc.clusters, 'cluster', dir, source),
    users: namedEntries(doc.users, 'user', dir, source),
    contexts: namedEntries(doc.contexts, 'context', dir, source),
  };
}

/** Merges kubeconfigs as kubectl does for KUBECONFIG: the first file to define a name (or current-context) wins. */
export function mergeKubeconfigs(configs: Kubeconfig[]): Kubeconfig {
  const merged: Kubeconfig = { currentContext: undefined, clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const c of configs) {
    merged.currentContext ??= c.currentContext;
    for (const key of ['clusters', 'users', 'contexts'] as const) {
      for (const [name, entry] of c[key]) if (!merged[key].has(name)) merged[key].set(name, entry);
    }
  }
  return merged;
}

/**
 * The connection of one context (`context`, else current-context): server, TLS and credentials. Files it names
 * are read now, through `readFile`, except `tokenFile`, which is read on use. A user that needs an `exec` or
 * `auth-provider` plugin, or a cluster behind a `proxy-url`, gets `clientNode` credentials.
 */
export function restConfigFromKubeconfig(kc: Kubeconfig, options: { context?: string; readFile: ReadFile }): RestConfig {
  const contextName = options.context ?? kc.currentContext;
  if (!contextName) throw new Error('The kubeconfig has no current-context: choose one with --context');
  const context = kc.contexts.get(contextName);
  if (!context) throw new Error(`The kubeconfig has no context "${contextName}" (it has: ${[...kc.contexts.keys()].join(', ') || 'none'})`);
  const clusterName = str(context.fields.cluster);
  const cluster = clusterName ? kc.clusters.get(clusterName) : undefined;
  if (!cluster) throw new Error(`Context "${contextName}" refers to cluster "${clusterName ?? ''}", which the kubeconfig does not define`);
  const userName = str(context.fields.user);
  const user = userName ? kc.users.get(userName) : undefined;
  if (userName && !user) throw new Error(`Context "${contextName}" refers to user "${userName}", which the kubeconfig does not define`);
  const c = cluster.fields;
  const u = user?.fields ?? {};
  const server = str(c.server)?.replace(/\/+$/, '');
  if (!server) throw new Error(`Cluster "${clusterName}" has no server`);
  const read = (file: string | undefined, dir: string, data: string | undefined, what: string): Buffer | undefined => {
    if (data) return Buffer.from(data, 'base64');
    if (!file) return undefined;
    const path = isAbsolute(file) ? file : join(dir, file);
    try {
      return options.readFile(path);
    } catch (err) {
      throw new Error(`Cannot read the ${what} (${path}): ${(err as Error).message}`, { cause: err });
    }
  };

  const plugin = pluginReason(c, u);
  const config: RestConfig = { server, tls: { insecure: c['insecure-skip-tls-verify'] === true }, credentials: { type: 'none' } };
  if (plugin) {
    config.credentials = { type: 'clientNode', reason: plugin, kubeConfig: { cluster: clientNodeCluster(clusterName!, cluster), user: clientNodeUser(userName ?? 'user', user) } };
    return config;
  }
  const ca = read(str(c['certificate-authority']), cluster.dir, str(c['certificate-authority-data']), `certificate authority of cluster "${clusterName}"`);
  if (ca) config.tls.ca = ca;
  const serverName = str(c['tls-server-name']);
  if (serverName) config.tls.serverName = serverName;
  if (user) {
    const cert = read(str(u['client-certificate']), user.dir, str(u['client-certificate-data']), `client certificate of user "${userName}"`);
    const key = read(str(u['client-key']), user.dir, str(u['client-key-data']), `client key of user "${userName}"`);
    if (Boolean(cert) !== Boolean(key)) throw new Error(`User "${userName}" has a client ${cert ? 'certificate without a key' : 'key without a certificate'}`);
    if (cert && key) Object.assign(config.tls, { cert, key });
    config.credentials = credentialsOf(u, user.dir);
    const as = str(u.as);
    const groups = Array.isArray(u['as-groups']) ? u['as-groups'].filter((g): g is string => typeof g === 'string') : [];
    if (as || groups.length) config.impersonate = { ...(as ? { user: as } : {}), ...(groups.length ? { groups } : {}) };
  }
  return config;
}

/** tokenFile wins over token (client-go: the file's last read value takes precedence), then basic auth. */
function credentialsOf(u: Record<string, unknown>, dir: string): Credentials {
  const tokenFile = str(u.tokenFile) ?? str(u['token-file']);
  if (tokenFile) return { type: 'tokenFile', path: isAbsolute(tokenFile) ? tokenFile : join(dir, tokenFile) };
  const token = str(u.token);
  if (token) return { type: 'token', token };
  const username = str(u.username);
  if (username) return { type: 'basic', username, password: str(u.password) ?? '' };
  return { type: 'none' };
}

/** Why this context needs @kubernetes/client-node, or undefined when Cairn's own client covers it. */
function pluginReason(c: Record<string, unknown>, u: Record<string, unknown>): string | undefined {
  if (isRecord(u.exec)) return `exec plugin ${str(u.exec.command) ?? ''}`.trim();
  if (isRecord(u['auth-provider'])) return `auth-provider ${str(u['auth-provider'].name) ?? ''}`.trim();
  if (str(c['proxy-url'])) return 'proxy-url';
  return undefined;
}

const abs = (file: string | undefined, dir: string): string | undefined => (file && !isAbsolute(file) ? join(dir, file) : file);

/** The cluster in client-node's shape (what its KubeConfig.loadFromFile would have built). */
function clientNodeCluster(name: string, e: Entry): ClientNodeCluster {
  const c = e.fields;
  return {
    name,
    server: (str(c.server) ?? '').replace(/\/$/, ''),
    caData: str(c['certificate-authority-data']),
    caFile: abs(str(c['certificate-authority']), e.dir),
    skipTLSVerify: c['insecure-skip-tls-verify'] === true,
    tlsServerName: str(c['tls-server-name']),
    proxyUrl: str(c['proxy-url']),
  };
}

/** The user in client-node's shape. */
function clientNodeUser(name: string, e: Entry | undefined): ClientNodeUser {
  const u = e?.fields ?? {};
  const dir = e?.dir ?? '';
  return {
    name,
    certData: str(u['client-certificate-data']),
    certFile: abs(str(u['client-certificate']), dir),
    keyData: str(u['client-key-data']),
    keyFile: abs(str(u['client-key']), dir),
    token: str(u.token),
    username: str(u.username),
    password: str(u.password),
    impersonateUser: str(u.as),
    exec: u.exec,
    authProvider: u['auth-provider'],
  };
}

function namedEntries(list: unknown, field: string, dir: string, source: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  if (list === undefined || list === null) return entries;
  if (!Array.isArray(list)) throw new Error(`${source}: ${field}s is not a list`);
  list.forEach((item: unknown, i) => {
    if (!isRecord(item) || !str(item.name)) throw new Error(`${source}: ${field}s[${i}] has no name`);
    const fields = item[field];
    if (!isRecord(fields)) throw new Error(`${source}: ${field}s[${i}] ("${String(item.name)}") has no ${field}`);
    if (!entries.has(item.name as string)) entries.set(item.name as string, { fields, dir });
  });
  return entries;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

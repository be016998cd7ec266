/**
 * Resolves `<svc>.<ns>.svc[.cluster.local]` for Cairn's own code on the local node, where no cluster DNS
 * exists: the names are looked up in the service hosts file that the local node keeps current
 * (`$CAIRN_SERVICE_HOSTS`, see service-hosts.ts and src/localnode/README.md). Every other name, and every name
 * when the variable is unset (a real cluster, whose DNS answers), goes to `dns.lookup` unchanged.
 *
 * `installServiceResolver()` puts the lookup in front of `dns.lookup` for the whole process, so every client
 * built on `node:net` (node:http, node:https, fetch, the AWS SDK, the Kubernetes client) resolves Service names
 * without being changed. `cairn` calls it at start; `serviceLookup(path)` is the same lookup for one client.
 */
import dns, { type LookupAddress } from 'node:dns';
import { readFile, stat } from 'node:fs/promises';
import { isServiceHostname, parseServiceHosts, serviceName, SERVICE_HOSTS_ENV } from './service-hosts.js';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
interface LookupOptions {
  family?: number | string;
  all?: boolean;
}
/** The shape of `dns.lookup` (hostname, [family | options], callback). */
export type LookupFunction = (hostname: string, options: LookupOptions | number | LookupCallback, callback?: LookupCallback) => void;

/** The file's contents, read again only when it was replaced (the node renames a new file over it). */
class HostsCache {
  private key = '';
  private hosts = new Map<string, string[]>();

  constructor(readonly path: string) {}

  async addresses(name: string): Promise<string[] | undefined> {
    const info = await stat(this.path).catch(() => undefined);
    if (info === undefined) return undefined;
    const key = `${info.ino}:${info.mtimeMs}:${info.size}`;
    if (key !== this.key) {
      this.hosts = parseServiceHosts(await readFile(this.path, 'utf8').catch(() => ''));
      this.key = key;
    }
    return this.hosts.get(name);
  }
}

function notFound(hostname: string, path: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname} (no such Service in ${path})`);
  error.code = 'ENOTFOUND';
  error.syscall = 'getaddrinfo';
  (error as NodeJS.ErrnoException & { hostname: string }).hostname = hostname;
  return error;
}

function familyOf(options: LookupOptions): number {
  const family = options.family;
  if (family === 'IPv4') return 4;
  if (family === 'IPv6') return 6;
  return typeof family === 'number' ? family : 0;
}

/** Resolves a Service name from the hosts file at `path`: its IPv4 addresses, or an ENOTFOUND error. */
export async function resolveService(hostname: string, path: string): Promise<string[]> {
  const name = serviceName(hostname);
  const addresses = name === undefined ? undefined : await new HostsCache(path).addresses(name);
  if (!addresses?.length) throw notFound(hostname, path);
  return addresses;
}

/**
 * A `dns.lookup` replacement: Service names from the hosts file at `path` (never sent to a DNS server, since
 * no server here knows them), everything else through `fallback`.
 */
export function serviceLookup(path: string, fallback: LookupFunction = dns.lookup as unknown as LookupFunction): LookupFunction {
  const cache = new HostsCache(path);
  return function lookup(hostname, options, callback) {
    const done = (typeof options === 'function' ? options : callback) as LookupCallback;
    const opts: LookupOptions = typeof options === 'function' ? {} : typeof options === 'number' ? { family: options } : (options ?? {});
    if (!isServiceHostname(hostname)) {
      fallback(hostname, typeof options === 'function' ? {} : options, done);
      return;
    }
    const name = serviceName(hostname);
    const family = familyOf(opts);
    void (name === undefined ? Promise.resolve(undefined) : cache.addresses(name)).then(
      (addresses) => {
        if (!addresses?.length || family === 6) return done(notFound(hostname, path), opts.all ? [] : '');
        if (opts.all) return done(null, addresses.map((address) => ({ address, family: 4 })));
        done(null, addresses[0] ?? '', 4);
      },
      (error: NodeJS.ErrnoException) => done(error, opts.all ? [] : ''),
    );
  };
}

let original: { lookup: typeof dns.lookup; promises: typeof dns.promises.lookup } | undefined;

/**
 * When `$CAIRN_SERVICE_HOSTS` is set, routes this process's `dns.lookup` (and `dns.promises.lookup`) through
 * `serviceLookup`. Returns whether it did. Idempotent; `uninstallServiceResolver` restores the originals.
 */
export function installServiceResolver(env: Record<string, string | undefined> = process.env): boolean {
  const path = env[SERVICE_HOSTS_ENV];
  if (!path) return false;
  original ??= { lookup: dns.lookup, promises: dns.promises.lookup };
  const lookup = serviceLookup(path, original.lookup as unknown as LookupFunction);
  dns.lookup = lookup as unknown as typeof dns.lookup;
  const promises = original.promises;
  dns.promises.lookup = ((hostname: string, options?: LookupOptions | number) => {
    if (!isServiceHostname(hostname)) return promises(hostname, options as never);
    return new Promise((resolve, reject) =>
      lookup(hostname, options ?? {}, (error, address, family) => (error ? reject(error) : resolve(typeof address === 'string' ? { address, family: family ?? 4 } : address))),
    );
  }) as typeof dns.promises.lookup;
  return true;
}

export function uninstallServiceResolver(): void {
  if (original === undefined) return;
  dns.lookup = original.lookup;
  dns.promises.lookup = original.promises;
  original = undefined;
}

/**
 * The service hosts file: `/etc/hosts` syntax (`<ip> <name>...`, `#` comments), written by the local node
 * (src/localnode/services/) and read by `serviceLookup` (resolve.ts). It maps `<svc>.<ns>.svc` and
 * `<svc>.<ns>.svc.cluster.local` to a Service's ClusterIP, or a headless Service's names to its ready Pod IPs.
 * Pure: parsing and formatting only.
 */

/** The variable naming the file, given to every container the local node starts and to `cairn dev`'s operator. */
export const SERVICE_HOSTS_ENV = 'CAIRN_SERVICE_HOSTS';

/** The cluster domain of the names (the kubelet's default `--cluster-domain`). */
export const CLUSTER_DOMAIN = 'cluster.local';

/** `eta.ml.svc.` / `ETA.ml.svc.cluster.local` -> `eta.ml.svc` and its long form, lower case; else undefined. */
export function serviceName(hostname: string): string | undefined {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  const short = name.endsWith(`.svc.${CLUSTER_DOMAIN}`) ? name.slice(0, -CLUSTER_DOMAIN.length - 1) : name;
  return /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.[a-z0-9]([-a-z0-9]*[a-z0-9])?\.svc$/.test(short) ? short : undefined;
}

/** True for names the service resolver answers: `<svc>.<ns>.svc` and `<svc>.<ns>.svc.cluster.local`. */
export function isServiceHostname(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name.endsWith('.svc') || name.endsWith(`.svc.${CLUSTER_DOMAIN}`);
}

/** Parses the file into short name (`<svc>.<ns>.svc`) -> addresses, in file order, without duplicates. */
export function parseServiceHosts(text: string): Map<string, string[]> {
  const hosts = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const [ip, ...names] = (raw.split('#')[0] ?? '').trim().split(/\s+/);
    if (!ip || names.length === 0) continue;
    for (const name of names) {
      const short = serviceName(name);
      if (short === undefined) continue;
      const list = hosts.get(short) ?? [];
      if (!list.includes(ip)) list.push(ip);
      hosts.set(short, list);
    }
  }
  return hosts;
}

/** One entry per line: `<ip> <svc>.<ns>.svc <svc>.<ns>.svc.cluster.local`, sorted so equal maps give equal text. */
export function formatServiceHosts(entries: readonly { ip: string; service: string; namespace: string }[]): string {
  const lines = entries.map((e) => `${e.ip} ${e.service}.${e.namespace}.svc ${e.service}.${e.namespace}.svc.${CLUSTER_DOMAIN}`);
  const unique = [...new Set(lines)].sort();
  return ['# Services of the Cairn local node (src/localnode/services); rewritten atomically, do not edit.', ...unique, ''].join('\n');
}

import type { V1Service } from '@kubernetes/client-node';

/** `eta-canary` -> `ETA_CANARY`, as the kubelet names Service variables (pkg/kubelet/envvars). */
export function envVarName(name: string): string {
  return name.replaceAll('-', '_').toUpperCase();
}

/**
 * The variables the kubelet gives a container for the Services of its namespace (pkg/kubelet/envvars
 * FromServices): `<SVC>_SERVICE_HOST`, `<SVC>_SERVICE_PORT` (the first port), `<SVC>_SERVICE_PORT_<NAME>` for
 * named ports, and the Docker link variables (`<SVC>_PORT`, `<SVC>_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]`).
 * Headless Services (ClusterIP None) and Services without a ClusterIP give none.
 *
 * Only the Services of `namespace` count; the caller skips the call when the Pod sets `enableServiceLinks:
 * false`. The kubelet always adds the `kubernetes` Service of `default` too; the local node leaves it out (see
 * README: nothing proxies it, and `KUBERNETES_SERVICE_HOST` would point in-cluster clients at an address nobody
 * answers on).
 */
export function serviceEnv(services: readonly V1Service[], namespace: string): Record<string, string> {
  const env: Record<string, string> = {};
  const linked = services.filter((s) => s.metadata?.namespace === namespace && !(namespace === 'default' && s.metadata?.name === 'kubernetes'));
  const sorted = linked.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  for (const service of sorted) {
    const ip = service.spec?.clusterIP;
    const ports = service.spec?.ports ?? [];
    if (!ip || ip === 'None' || ports.length === 0) continue;
    const prefix = envVarName(service.metadata?.name ?? '');
    env[`${prefix}_SERVICE_HOST`] = ip;
    env[`${prefix}_SERVICE_PORT`] = String(ports[0]?.port);
    for (const port of ports) if (port.name) env[`${prefix}_SERVICE_PORT_${envVarName(port.name)}`] = String(port.port);
    ports.forEach((port, i) => {
      const protocol = (port.protocol ?? 'TCP').toLowerCase();
      const url = `${protocol}://${ip}:${port.port}`;
      if (i === 0) env[`${prefix}_PORT`] = url;
      const portPrefix = `${prefix}_PORT_${port.port}_${protocol.toUpperCase()}`;
      env[portPrefix] = url;
      env[`${portPrefix}_PROTO`] = protocol;
      env[`${portPrefix}_PORT`] = String(port.port);
      env[`${portPrefix}_ADDR`] = ip;
    });
  }
  return env;
}

import type { V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';

/** One backend of a Service port: a Pod's IP and the port its targetPort names there. */
export interface Endpoint {
  ip: string;
  port: number;
  /** `namespace/name` of the Pod, for logs. */
  pod: string;
}

/** One listener the proxy keeps: a Service port on its ClusterIP (or on 127.0.0.1 for a NodePort). */
export interface ProxyRule {
  /** `ip:port`, unique per listener. */
  key: string;
  ip: string;
  port: number;
  /** `namespace/name:portName` (or the port number when unnamed), for logs. */
  service: string;
  endpoints: Endpoint[];
}

/** Only addresses on this machine are ever dialled (Linux routes all of 127.0.0.0/8 to `lo`). */
export function isLoopbackIPv4(ip: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);
}

/** The kubelet's label selector test for a Service's `spec.selector` (equality on every key). */
export function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/** An endpoint is ready when the Pod's Ready condition is True, it is not terminating and it has an IP. */
export function podServes(pod: V1Pod, includeNotReady = false): boolean {
  if (pod.metadata?.deletionTimestamp || !pod.status?.podIP) return false;
  if (pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed') return false;
  return includeNotReady || (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * The port a Service port's targetPort means on `pod`: a number as is (default: the Service port), a name
 * through the Pod's containerPorts of the same protocol, as the EndpointSlice controller resolves it.
 * Undefined when the name matches no containerPort (the Pod is then no endpoint of that port).
 */
export function targetPortOf(servicePort: V1ServicePort, pod: V1Pod): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = servicePort.protocol ?? 'TCP';
  for (const container of pod.spec?.containers ?? []) {
    const named = container.ports?.find((p) => p.name === target && (p.protocol ?? 'TCP') === protocol);
    if (named) return named.containerPort;
  }
  return undefined;
}

/** True when the Service gets a virtual IP the proxy serves: a selector and a ClusterIP (not headless). */
export function proxiedService(service: V1Service): boolean {
  const ip = service.spec?.clusterIP;
  const type = service.spec?.type ?? 'ClusterIP';
  return type !== 'ExternalName' && Object.keys(service.spec?.selector ?? {}).length > 0 && ip !== undefined && ip !== '' && ip !== 'None';
}

/**
 * The listeners for the Services, as kube-proxy would program them: for every TCP port of every Service with
 * a selector and a loopback ClusterIP, `clusterIP:port`; for NodePort and LoadBalancer Services also
 * `127.0.0.1:nodePort`. Endpoints come from the Pods directly (EndpointSlices cannot carry loopback
 * addresses): Pods of the Service's namespace matching its selector, ready (or any, with
 * `publishNotReadyAddresses`), not terminating, with a loopback podIP, in the order given. Pure.
 */
export function proxyRules(services: readonly V1Service[], pods: readonly V1Pod[]): ProxyRule[] {
  const podsByNamespace = new Map<string, V1Pod[]>();
  for (const pod of pods) {
    const namespace = pod.metadata?.namespace ?? '';
    const list = podsByNamespace.get(namespace) ?? [];
    list.push(pod);
    podsByNamespace.set(namespace, list);
  }
  const rules: ProxyRule[] = [];
  for (const service of services) {
    if (!proxiedService(service)) continue;
    const clusterIP = service.spec?.clusterIP ?? '';
    if (!isLoopbackIPv4(clusterIP)) continue;
    const namespace = service.metadata?.namespace ?? '';
    const selector = service.spec?.selector ?? {};
    const includeNotReady = service.spec?.publishNotReadyAddresses === true;
    const members = (podsByNamespace.get(namespace) ?? []).filter(
      (pod) => selectorMatches(selector, pod.metadata?.labels) && podServes(pod, includeNotReady) && isLoopbackIPv4(pod.status?.podIP ?? ''),
    );
    const nodePorts = service.spec?.type === 'NodePort' || service.spec?.type === 'LoadBalancer';
    for (const servicePort of service.spec?.ports ?? []) {
      if ((servicePort.protocol ?? 'TCP') !== 'TCP') continue;
      const endpoints: Endpoint[] = [];
      for (const pod of members) {
        const port = targetPortOf(servicePort, pod);
        if (port !== undefined) endpoints.push({ ip: pod.status?.podIP ?? '', port, pod: `${namespace}/${pod.metadata?.name}` });
      }
      const label = `${namespace}/${service.metadata?.name}:${servicePort.name || servicePort.port}`;
      rules.push({ key: `${clusterIP}:${servicePort.port}`, ip: clusterIP, port: servicePort.port, service: label, endpoints });
      if (nodePorts && servicePort.nodePort) {
        rules.push({ key: `127.0.0.1:${servicePort.nodePort}`, ip: '127.0.0.1', port: servicePort.nodePort, service: label, endpoints });
      }
    }
  }
  return rules;
}

/** A name the service hosts file maps: `<service>.<namespace>.svc` -> `ip`. */
export interface HostEntry {
  ip: string;
  service: string;
  namespace: string;
}

/**
 * What `<svc>.<ns>.svc` resolves to, as cluster DNS would answer for the Services the node serves: the
 * ClusterIP of every proxied Service (proxiedService, loopback ClusterIP), and for a headless Service with a
 * selector the loopback IPs of its ready Pods. Pure.
 */
export function hostEntries(services: readonly V1Service[], pods: readonly V1Pod[]): HostEntry[] {
  const entries: HostEntry[] = [];
  for (const service of services) {
    const namespace = service.metadata?.namespace ?? '';
    const name = service.metadata?.name ?? '';
    const clusterIP = service.spec?.clusterIP ?? '';
    if (proxiedService(service) && isLoopbackIPv4(clusterIP)) {
      entries.push({ ip: clusterIP, service: name, namespace });
      continue;
    }
    const selector = service.spec?.selector ?? {};
    if (clusterIP !== 'None' || Object.keys(selector).length === 0) continue;
    const includeNotReady = service.spec?.publishNotReadyAddresses === true;
    for (const pod of pods) {
      const ip = pod.status?.podIP ?? '';
      if (pod.metadata?.namespace === namespace && selectorMatches(selector, pod.metadata?.labels) && podServes(pod, includeNotReady) && isLoopbackIPv4(ip)) {
        entries.push({ ip, service: name, namespace });
      }
    }
  }
  return entries;
}

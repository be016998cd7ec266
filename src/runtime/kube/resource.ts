/**
 * A Kubernetes resource type: enough to build REST paths without a discovery round trip. The cairn.dev kinds
 * come from src/api; the built-in kinds the operator touches are listed in {@link builtin}.
 */
export interface ResourceType {
  /** API group; '' for the core group. */
  group: string;
  version: string;
  kind: string;
  /** Lower-case plural used in the URL, e.g. `gitsources`. */
  plural: string;
  namespaced: boolean;
}

export function apiVersionOf(res: ResourceType): string {
  return res.group ? `${res.group}/${res.version}` : res.version;
}

/** A short identifier for logs and metric labels, e.g. `gitsources.cairn.dev`, `pods`. */
export function resourceId(res: ResourceType): string {
  return res.group ? `${res.plural}.${res.group}` : res.plural;
}

/** `/api/v1/namespaces/ns/pods` or `/apis/cairn.dev/v1alpha1/gitsources` (all namespaces). */
export function collectionPath(res: ResourceType, namespace?: string): string {
  const root = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
  if (res.namespaced && namespace) return `${root}/namespaces/${encodeURIComponent(namespace)}/${res.plural}`;
  return `${root}/${res.plural}`;
}

export function objectPath(res: ResourceType, name: string, namespace?: string, subresource?: string): string {
  if (res.namespaced && !namespace) throw new Error(`A namespace is required for ${res.kind} ${name}`);
  const path = `${collectionPath(res, namespace)}/${encodeURIComponent(name)}`;
  return subresource ? `${path}/${subresource}` : path;
}

function core(kind: string, plural: string, namespaced = true): ResourceType {
  return { group: '', version: 'v1', kind, plural, namespaced };
}

function grouped(group: string, version: string, kind: string, plural: string, namespaced = true): ResourceType {
  return { group, version, kind, plural, namespaced };
}

/** Built-in resource types the runtime and the controllers use. */
export const builtin = {
  namespace: core('Namespace', 'namespaces', false),
  pod: core('Pod', 'pods'),
  service: core('Service', 'services'),
  configMap: core('ConfigMap', 'configmaps'),
  secret: core('Secret', 'secrets'),
  serviceAccount: core('ServiceAccount', 'serviceaccounts'),
  persistentVolume: core('PersistentVolume', 'persistentvolumes', false),
  persistentVolumeClaim: core('PersistentVolumeClaim', 'persistentvolumeclaims'),
  coreEvent: core('Event', 'events'),
  event: grouped('events.k8s.io', 'v1', 'Event', 'events'),
  lease: grouped('coordination.k8s.io', 'v1', 'Lease', 'leases'),
  deployment: grouped('apps', 'v1', 'Deployment', 'deployments'),
  replicaSet: grouped('apps', 'v1', 'ReplicaSet', 'replicasets'),
  job: grouped('batch', 'v1', 'Job', 'jobs'),
  horizontalPodAutoscaler: grouped('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers'),
  podDisruptionBudget: grouped('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets'),
  httpRoute: grouped('gateway.networking.k8s.io', 'v1', 'HTTPRoute', 'httproutes'),
  customResourceDefinition: grouped('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false),
} as const satisfies Record<string, ResourceType>;

/**
 * Maps apiVersion + kind to a {@link ResourceType} for the kinds it knows (the built-ins above plus whatever is
 * registered, e.g. the cairn.dev kinds), for code that holds objects, not types (the Git sync).
 */
export class ResourceRegistry {
  private readonly byGvk = new Map<string, ResourceType>();

  constructor(types: Iterable<ResourceType> = Object.values(builtin)) {
    for (const t of types) this.register(t);
  }

  register(res: ResourceType): void {
    this.byGvk.set(`${apiVersionOf(res)}/${res.kind}`, res);
  }

  lookup(apiVersion: string, kind: string): ResourceType | undefined {
    return this.byGvk.get(`${apiVersion}/${kind}`);
  }
}

/**
 * What each traffic router wants the cluster to look like for a split (docs/rollouts.md), pure:
 * - replicas (no mesh): pod counts of stable and canary behind the route Service that approximate the weight,
 *   as Argo Rollouts does without a mesh;
 * - gatewayAPI: an HTTPRoute `<name>` with weighted backendRefs to the version Services, and a RequestMirror
 *   filter for shadow traffic;
 * - istio: a VirtualService `<name>` with weighted routes and a mirror.
 */
import type { DeploymentSpec } from '../api/kinds/deployment.js';
import { canonical } from './json.js';
import { childLabels } from './labels.js';
import { knownOwner, ownerReference, type OwnerObject } from './owner.js';
import { COMPONENT_SERVING, SERVICE_PORT, versionName } from './serving.js';
import type { ChildMeta } from './types.js';

/** Where traffic should go: the stable version, and the canary with its share of live and mirrored requests. */
export interface Split {
  stable: number;
  canary?: number;
  /** Percent of live requests to the canary (0..100). */
  weight: number;
  /** Percent of requests copied to the canary, whose answers are dropped (0..100). */
  mirror: number;
}

export interface ReplicaSplit {
  stable: number;
  canary: number;
  /** The canary's share of pods, in percent: what the replicas router can actually give. */
  weight: number;
}

/**
 * The pod counts that approximate `weight` with `replicas` pods in all: the canary gets round(replicas x
 * weight / 100) pods, at least one as soon as the weight is above 0 and at most replicas - 1 below 100, and
 * stable the rest, so stable is never scaled to zero before the promotion and the canary never gets traffic it
 * was not given. With few pods the achieved weight is coarse (1 pod of 2 is 50%): it is reported as is.
 */
export function replicaSplit(replicas: number, weight: number): ReplicaSplit {
  if (!Number.isInteger(replicas) || replicas < 0) throw new RangeError(`replicas must be a non-negative integer, got ${replicas}`);
  if (!(weight >= 0 && weight <= 100)) throw new RangeError(`weight must be within 0..100, got ${weight}`);
  if (weight === 0 || replicas === 0) return { stable: replicas, canary: 0, weight: 0 };
  if (weight === 100) return { stable: 0, canary: Math.max(replicas, 1), weight: 100 };
  // Two pods at least while both run: one of each.
  const total = Math.max(replicas, 2);
  const canary = Math.min(total - 1, Math.max(1, Math.round((total * weight) / 100)));
  return { stable: total - canary, canary, weight: Math.round((canary / total) * 100) };
}

function routeMeta(deployment: OwnerObject): ChildMeta {
  const owner = knownOwner(deployment, { namespaced: true });
  return { name: owner.name, namespace: owner.namespace as string, labels: childLabels(deployment, COMPONENT_SERVING), ownerReferences: [ownerReference(deployment)] };
}

export type GatewayApiSpec = NonNullable<NonNullable<DeploymentSpec['traffic']>['gatewayAPI']>;

/** The HTTPRoute `<name>` of the gatewayAPI router. */
export function renderHttpRoute(deployment: OwnerObject, gateway: GatewayApiSpec, split: Split): Record<string, unknown> {
  const backend = (version: number, weight?: number) => ({ group: '', kind: 'Service', name: versionName(deployment, version), port: SERVICE_PORT, ...(weight === undefined ? {} : { weight }) });
  const backendRefs =
    split.canary === undefined ? [backend(split.stable, 100)] : [backend(split.stable, 100 - split.weight), backend(split.canary, split.weight)];
  const filters =
    split.canary !== undefined && split.mirror > 0 ? [{ type: 'RequestMirror', requestMirror: { backendRef: backend(split.canary), percent: split.mirror } }] : undefined;
  return canonical(
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: routeMeta(deployment),
      spec: {
        parentRefs: gateway.parentRefs.map((p) => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: p.name, namespace: p.namespace, sectionName: p.sectionName })),
        hostnames: gateway.hostnames && gateway.hostnames.length > 0 ? [...gateway.hostnames] : undefined,
        rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs, filters }],
      },
    },
    'httpRoute',
  );
}

/** The weights an HTTPRoute gives, read back (verifyWeight): the canary's percent, or undefined if absent. */
export function httpRouteWeight(route: unknown, deployment: OwnerObject, canary: number): number | undefined {
  const rules = (route as { spec?: { rules?: Array<{ backendRefs?: Array<{ name?: string; weight?: number }> }> } })?.spec?.rules;
  const refs = rules?.[0]?.backendRefs ?? [];
  const total = refs.reduce((sum, r) => sum + (r.weight ?? 1), 0);
  const mine = refs.find((r) => r.name === versionName(deployment, canary));
  if (!mine || total === 0) return undefined;
  return Math.round(((mine.weight ?? 1) / total) * 100);
}

/** The weights a VirtualService gives, read back (verifyWeight): the canary's percent, or undefined if absent. */
export function virtualServiceWeight(route: unknown, deployment: OwnerObject, canary: number): number | undefined {
  const http = (route as { spec?: { http?: Array<{ route?: Array<{ destination?: { host?: string }; weight?: number }> }> } })?.spec?.http;
  const routes = http?.[0]?.route ?? [];
  const total = routes.reduce((sum, r) => sum + (r.weight ?? 0), 0);
  const mine = routes.find((r) => r.destination?.host?.split('.')[0] === versionName(deployment, canary));
  if (!mine || total === 0) return undefined;
  return Math.round(((mine.weight ?? 0) / total) * 100);
}

/** The VirtualService `<name>` of the istio router, for the route Service's host. */
export function renderVirtualService(deployment: OwnerObject, split: Split): Record<string, unknown> {
  const owner = knownOwner(deployment, { namespaced: true });
  const host = (version: number) => ({ host: `${versionName(deployment, version)}.${owner.namespace}.svc.cluster.local`, port: { number: SERVICE_PORT } });
  const route = split.canary === undefined ? [{ destination: host(split.stable), weight: 100 }] : [{ destination: host(split.stable), weight: 100 - split.weight }, { destination: host(split.canary), weight: split.weight }];
  const mirror = split.canary !== undefined && split.mirror > 0 ? { mirror: host(split.canary), mirrorPercentage: { value: split.mirror } } : {};
  return canonical(
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: routeMeta(deployment),
      spec: { hosts: [`${owner.name}.${owner.namespace}.svc.cluster.local`], http: [{ name: 'primary', route, ...mirror }] },
    },
    'virtualService',
  );
}

/**
 * What a Deployment's rollout state asks of the cluster, pure: the serving objects of each live version (an
 * apps/v1 Deployment, its Service, a PodDisruptionBudget, an HPA when autoscaling), the route Service, the
 * preview Service of a blue-green rollout, and the route of a mesh or Gateway router. The controller applies
 * exactly this list; whatever it no longer lists is pruned (docs/rollouts.md, "Objects").
 *
 * Per router:
 * - replicas: once a canary has a weight the route Service selects every serving pod, and the pod counts of
 *   stable and canary make the split (replicaSplit); at 0% the canary runs one pod the route does not select
 *   (it warms up, and is seen available, before it gets traffic); otherwise it selects the stable version only;
 * - gatewayAPI / istio: each version runs its full replica count, the route Service selects stable (for
 *   clients inside the cluster that bypass the Gateway), and the HTTPRoute or VirtualService holds the weights.
 * A Shadow's copies are sent by the stable pods themselves (cairn serve --mirror-url), which compare the answers,
 * whatever the router; only with `shadow.compare: false` does a mesh router's mirror copy instead.
 */
import type { DeploymentSpec } from '../api/kinds/deployment.js';
import type { KubeObject } from '../runtime/kube/object.js';
import {
  renderHorizontalPodAutoscaler,
  renderPodDisruptionBudget,
  renderPreviewService,
  renderRouteService,
  renderServingDeployment,
  renderVersionService,
  serviceUrl,
  versionName,
  type ServingOwner,
  type ServingVersionInput,
} from '../render/serving.js';
import { renderHttpRoute, renderVirtualService, replicaSplit, type Split } from '../render/traffic.js';
import type { RolloutState } from './machine.js';

export type Router = NonNullable<DeploymentSpec['traffic']>['router'];

export interface VersionArtifact {
  number: number;
  uri: string;
  sha256: string;
}

export interface DesiredInput {
  deployment: ServingOwner & { spec: DeploymentSpec };
  state: RolloutState;
  /** The model file of every version the state names (stable, canary, retiring). */
  artifacts: ReadonlyMap<number, VersionArtifact>;
  /**
   * A former stable version kept, with its pods, until the new stable one is fully available: a promotion never
   * drops capacity. Its pods stay behind the route Service under the replicas router.
   */
  retiring?: number;
  cairnImage: string;
  allowFileUrls?: boolean;
  placement?: ServingVersionInput['placement'];
  /** The Dataset profile mounted in every serving pod (a DriftMonitor watches this Deployment). */
  profile?: ServingVersionInput['profile'];
}

export interface Desired {
  /** Objects of the kinds the controller owns through the kit (apps Deployments, Services, PDBs, HPAs). */
  children: KubeObject[];
  /** The HTTPRoute (gatewayAPI) or VirtualService (istio); absent under the replicas router. */
  route?: Record<string, unknown>;
  /** Pods each version's Deployment is asked for (undefined: an HPA decides). */
  replicas: Map<number, number | undefined>;
  /** The canary's share of live traffic the router can actually give (the replicas router rounds to pods). */
  achievedWeight: number;
  url: string;
}

export function routerOf(spec: DeploymentSpec): Router {
  return spec.traffic?.router ?? 'replicas';
}

/** Pods per version when nothing splits them: spec.serving.replicas (default 1), or the HPA's minimum. */
export function baseReplicas(spec: DeploymentSpec): number {
  return spec.serving?.autoscaling?.minReplicas ?? spec.serving?.replicas ?? 1;
}

/** A mesh router's mirror copies a Shadow only when asked not to compare (`shadow.compare: false`). */
function mirroredByRoute(spec: DeploymentSpec): boolean {
  return routerOf(spec) !== 'replicas' && spec.strategy?.shadow?.compare === false;
}

/** The stable pods send the Shadow's copies (and compare the answers): the version they mirror to, if any. */
export function mirroredByPods(spec: DeploymentSpec, state: RolloutState): number | undefined {
  return state.canary !== undefined && state.mirror > 0 && !mirroredByRoute(spec) ? state.canary : undefined;
}

export function desiredObjects(input: DesiredInput): Desired {
  const { deployment, state } = input;
  const spec = deployment.spec;
  const router = routerOf(spec);
  const strategy = spec.strategy?.type ?? 'Immediate';
  const autoscaled = spec.serving?.autoscaling !== undefined;
  const base = baseReplicas(spec);
  const replicas = new Map<number, number | undefined>();
  const children: KubeObject[] = [];
  const stable = state.stable;
  const canary = state.canary;
  let achievedWeight = canary === undefined ? 0 : state.weight;

  // Pod counts: under the replicas router a canary's weight is its share of pods.
  if (stable !== undefined) replicas.set(stable, autoscaled ? undefined : base);
  if (canary !== undefined) replicas.set(canary, autoscaled ? undefined : base);
  if (canary !== undefined && stable !== undefined && router === 'replicas' && strategy === 'Canary') {
    const split = replicaSplit(base, state.weight);
    replicas.set(stable, split.stable);
    // At 0% the canary still runs one pod, which the route Service does not select yet: it warms up before
    // it gets traffic, and the step machine can see it available before the first weight.
    replicas.set(canary, Math.max(split.canary, 1));
    achievedWeight = split.weight;
  }
  if (input.retiring !== undefined && input.retiring !== stable && input.retiring !== canary) replicas.set(input.retiring, autoscaled ? undefined : base);

  const shadow = spec.strategy?.shadow;
  const mirrorByRoute = mirroredByRoute(spec);
  const shadowVersion = mirroredByPods(spec, state);
  for (const [number, count] of replicas) {
    const artifact = input.artifacts.get(number);
    if (!artifact) continue;
    const mirror =
      shadowVersion !== undefined && number === stable
        ? { url: serviceUrl(deployment, versionName(deployment, shadowVersion)), percent: state.mirror, ...(shadow?.tolerance !== undefined ? { tolerance: shadow.tolerance } : {}) }
        : undefined;
    children.push(
      renderServingDeployment({
        deployment,
        version: artifact,
        replicas: count ?? base,
        cairnImage: input.cairnImage,
        ...(input.allowFileUrls ? { allowFileUrls: true } : {}),
        ...(input.placement ? { placement: input.placement } : {}),
        ...(input.profile ? { profile: input.profile } : {}),
        ...(mirror ? { mirror } : {}),
      }) as unknown as KubeObject,
      renderVersionService(deployment, number) as unknown as KubeObject,
      renderPodDisruptionBudget(deployment, number) as unknown as KubeObject,
    );
    const hpa = renderHorizontalPodAutoscaler(deployment, number);
    if (hpa) children.push(hpa as unknown as KubeObject);
  }

  if (stable !== undefined) {
    // The route Service: every serving pod while the replicas router splits a canary (and while a retiring
    // version still answers), else stable only.
    const selectsAll = router === 'replicas' && ((canary !== undefined && strategy === 'Canary' && state.weight > 0) || input.retiring !== undefined);
    children.push(renderRouteService(deployment, selectsAll ? undefined : stable) as unknown as KubeObject);
    if (canary !== undefined && strategy === 'BlueGreen') children.push(renderPreviewService(deployment, canary) as unknown as KubeObject);
  }

  const split: Split | undefined = stable === undefined ? undefined : { stable, ...(canary === undefined ? {} : { canary }), weight: canary === undefined ? 0 : state.weight, mirror: canary === undefined || !mirrorByRoute ? 0 : state.mirror };
  let route: Record<string, unknown> | undefined;
  if (split && router === 'gatewayAPI' && spec.traffic?.gatewayAPI) route = renderHttpRoute(deployment, spec.traffic.gatewayAPI, split);
  if (split && router === 'istio') route = renderVirtualService(deployment, split);
  return { children, ...(route ? { route } : {}), replicas, achievedWeight, url: serviceUrl(deployment, deployment.metadata!.name!) };
}

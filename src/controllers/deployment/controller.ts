/**
 * The Deployment controller: serves a model's versions with `cairn serve` pods and rolls a new version out
 * progressively (docs/rollouts.md). One step, level-triggered: select the version (src/rollout/selection.ts),
 * refuse an incompatible signature, observe the cluster (are the canary's pods available, does the router give
 * the weight last asked for), let the pure step machine decide (src/rollout/machine.ts), measure the canary when
 * the machine says a measurement is due, apply the objects the new state asks for (src/rollout/desired.ts) and
 * write the state to status, where an operator restarted between two steps finds it again.
 */
import { parseDuration } from '../../api/duration.js';
import type { Deployment, ModelVersion } from '../../api/kinds/index.js';
import type { ControllerDeps, ControllerFactory } from '../../runtime/controller.js';
import { describeError, StalledError, TransientError } from '../../runtime/errors.js';
import type { KubeObject } from '../../runtime/kube/object.js';
import { builtin, type ResourceType } from '../../runtime/kube/resource.js';
import { keyOf } from '../../runtime/keys.js';
import { anyOf, generationChanged, metadataChanged } from '../../runtime/predicates.js';
import { isRenderError } from '../../render/errors.js';
import { LABEL_MODEL_VERSION, servingSelector, versionName } from '../../render/serving.js';
import { httpRouteWeight, virtualServiceWeight } from '../../render/traffic.js';
import { baseReplicas, desiredObjects, mirroredByPods, routerOf, type Desired, type VersionArtifact } from '../../rollout/desired.js';
import { decide, type Decision, type Observed, type RolloutState } from '../../rollout/machine.js';
import { selectVersion, signatureProblems, type Candidate } from '../../rollout/selection.js';
import { shadowStatus } from '../../rollout/shadow.js';
import { stateFromStatus, statusFromState } from '../../rollout/state.js';
import { childSelector, kindController, KitReason, stamped, upToDate, type Scope } from '../kit/index.js';
import { modelVersionNumbered, resolveBaseline } from '../driftmonitor/baseline.js';
import { DriftMonitorCondition } from '../driftmonitor/reasons.js';
import { cairnResource } from '../resources.js';
import { measure, Scrapes, shadowAgreement, type ServingPod } from './measure.js';
import { DeploymentCondition, deploymentConditions, DeploymentReason } from './reasons.js';

export const deploymentResource = cairnResource('Deployment');
const modelVersionResource = cairnResource('ModelVersion');
const driftMonitorResource = cairnResource('DriftMonitor');
/** The key of the profile in its ConfigMap (docs/contracts.md §4). */
const PROFILE_KEY = 'profile.json';
const virtualServiceResource: ResourceType = { group: 'networking.istio.io', version: 'v1', kind: 'VirtualService', plural: 'virtualservices', namespaced: true };

/** The annotations a person (or `cairn rollout promote|abort`) sets; each distinct value is acted on once. */
export const PROMOTE_ANNOTATION = 'cairn.dev/promote';
export const ABORT_ANNOTATION = 'cairn.dev/abort';

/** The image with the `cairn` command that serving pods run when none is configured (the operator's own release). */
export const DEFAULT_SERVING_IMAGE = 'ghcr.io/cairn-dev/cairn:0.1.0';
/** How soon to look again after applying a route the cache does not watch. */
const routeRecheckMs = 1_000;
/** How often a Shadow's agreement is read again from the stable pods while it runs. */
const shadowRefreshMs = 10_000;

export interface DeploymentControllerOptions {
  cairnImage?: string;
  /** HTTP client for the pods' /metrics and Prometheus (tests inject none: real loopback traffic). */
  fetch?: typeof fetch;
}

type DeploymentObject = Deployment & KubeObject & { metadata: { name: string; namespace: string } };
type ModelVersionObject = ModelVersion & KubeObject & { metadata: { name: string; namespace: string } };
type DriftMonitorObject = KubeObject & {
  spec?: { deploymentRef?: { name?: string }; baseline?: { datasetRef?: { name?: string } } };
  status?: { conditions?: ReadonlyArray<{ type: string; status: string; message?: string }> };
};
interface AppsStatus {
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number };
}

const { Available, SignatureCompatible, RolledBack } = DeploymentCondition;

export function deploymentController(options: DeploymentControllerOptions = {}): ControllerFactory {
  return (deps: ControllerDeps) => {
    const deployments = deps.informers.for<DeploymentObject>(deploymentResource);
    const modelVersions = deps.informers.for<ModelVersionObject>(modelVersionResource);
    const apps = deps.informers.for<KubeObject & AppsStatus>(builtin.deployment, { labelSelector: childSelector });
    const pods = deps.informers.for<KubeObject>(builtin.pod, { labelSelector: childSelector });
    const driftMonitors = deps.informers.for<DriftMonitorObject>(driftMonitorResource);
    const datasets = deps.informers.for<KubeObject>(cairnResource('Dataset'));
    const configMaps = deps.informers.for<KubeObject & { data?: Record<string, string> }>(builtin.configMap, { labelSelector: childSelector });
    const scrapes = new Scrapes();
    const io = { fetch: options.fetch ?? fetch };
    const cairnImage = options.cairnImage ?? DEFAULT_SERVING_IMAGE;

    const liveApps = (d: DeploymentObject, version: number) => apps.get(versionName(d, version), d.metadata.namespace);

    /** The version's Deployment runs `count` pods (any number when undefined), all updated and available. */
    function available(d: DeploymentObject, version: number, count?: number): boolean {
      const live = liveApps(d, version);
      if (!live) return false;
      const want = live.spec?.replicas ?? 1;
      const s = live.status ?? {};
      if ((s.observedGeneration ?? 0) < (live.metadata?.generation ?? 1)) return false;
      if (count !== undefined && want !== count) return false;
      // A version asked to run no pods (the stable one when a canary has 100% under the replicas router) is there
      // once it has none; "available" would otherwise wait for a pod it must not have, and the rollout never ends.
      if (count === 0) return (s.replicas ?? 0) === 0;
      return (s.updatedReplicas ?? 0) >= want && (s.availableReplicas ?? 0) >= Math.max(want, 1) && (s.replicas ?? 0) === want;
    }

    function candidates(d: DeploymentObject): Candidate[] {
      return modelVersions
        .list(d.metadata.namespace)
        .filter((mv) => mv.spec?.model === d.spec.model)
        .map((mv) => ({ name: mv.metadata.name, spec: mv.spec, ...(mv.status ? { status: mv.status as Candidate['status'] } : {}) }));
    }

    function artifactsOf(all: readonly Candidate[], versions: ReadonlyArray<number | undefined>): Map<number, VersionArtifact> {
      const map = new Map<number, VersionArtifact>();
      for (const number of versions) {
        if (number === undefined) continue;
        const found = all.find((c) => c.spec.version === number);
        if (found) map.set(number, { number, uri: found.spec.artifact.uri, sha256: found.spec.artifact.sha256 });
      }
      return map;
    }

    /** The selected version, or the stable one when the selected one would break the stable one's clients. */
    function selected(scope: Scope<DeploymentObject>, all: readonly Candidate[], stable: number | undefined): number | undefined {
      const d = scope.object;
      const selection = selectVersion(d.spec, all);
      if (!('version' in selection)) {
        scope.conditions.set(SignatureCompatible, { status: 'True', reason: DeploymentReason.SignatureCompatible, message: selection.waiting });
        return undefined;
      }
      const chosen = selection.version;
      const stableVersion = all.find((c) => c.spec.version === stable);
      const problems = stable === undefined || chosen.spec.version === stable ? [] : signatureProblems(stableVersion?.status?.signature, chosen.status?.signature);
      if (problems.length > 0 && !d.spec.version.allowIncompatibleSignature) {
        scope.conditions.set(SignatureCompatible, {
          status: 'False',
          reason: DeploymentReason.IncompatibleSignature,
          message: `version ${chosen.spec.version} is not rolled out: ${problems.join('; ')} (set spec.version.allowIncompatibleSignature to roll it out anyway)`,
        });
        return stable;
      }
      scope.conditions.set(SignatureCompatible, {
        status: 'True',
        reason: DeploymentReason.SignatureCompatible,
        message: problems.length > 0 ? `version ${chosen.spec.version} changes the signature (allowed): ${problems.join('; ')}` : `version ${chosen.spec.version} keeps the signature`,
      });
      return chosen.spec.version;
    }

    /** The Running pods of one version, with their IPs (the analysis scrapes them). */
    function servingPods(d: DeploymentObject, version: number): ServingPod[] {
      const selector = Object.entries(servingSelector(d, version));
      return pods
        .list(d.metadata.namespace)
        .filter((p) => selector.every(([k, v]) => p.metadata?.labels?.[k] === v))
        .flatMap((p) => {
          const status = (p as { status?: { podIP?: string; phase?: string } }).status;
          return status?.podIP && status.phase === 'Running' ? [{ uid: p.metadata!.uid!, ip: status.podIP, createdAt: p.metadata!.creationTimestamp! }] : [];
        });
    }

    function render(input: Parameters<typeof desiredObjects>[0]): Desired {
      try {
        return desiredObjects(input);
      } catch (err) {
        if (isRenderError(err)) throw new StalledError(KitReason.InvalidSpec, err.message);
        throw err;
      }
    }

    /** A former version whose pods stay until the stable one is fully available (never a drop in capacity). */
    function retiringVersion(d: DeploymentObject, state: RolloutState): number | undefined {
      if (state.stable === undefined || available(d, state.stable, routerOf(d.spec) === 'replicas' && state.canary === undefined ? baseReplicas(d.spec) : undefined)) return undefined;
      const versions = apps
        .list(d.metadata.namespace)
        .filter((a) => a.metadata?.ownerReferences?.some((r) => r.uid === d.metadata.uid))
        .map((a) => Number(a.metadata?.labels?.[LABEL_MODEL_VERSION]))
        .filter((v) => Number.isInteger(v) && v !== state.stable && v !== state.canary && v !== state.rolledBack);
      return versions.length > 0 ? Math.max(...versions) : undefined;
    }

    /**
     * The baseline profile mounted in the serving pods when a DriftMonitor watches this Deployment, so they count
     * live feature values on its bins (docs/drift.md). Left out until the profile's ConfigMap exists: a pod whose
     * ConfigMap volume is missing would not start. A DriftMonitor's status change brings the next reconcile.
     */
    function driftProfile(d: DeploymentObject, stable: number | undefined): { configMap: string; key: string } | undefined {
      const monitor = driftMonitors.list(d.metadata.namespace).find((m) => m.spec?.deploymentRef?.name === d.metadata.name);
      if (!monitor) return undefined;
      const stableVersion = modelVersionNumbered(d.spec.model, stable, modelVersions.list(d.metadata.namespace));
      // The profile the DriftMonitor compares with (the stable version's training data), so the pods count on its bins.
      const baseline = resolveBaseline(monitor.spec?.baseline?.datasetRef?.name, stableVersion, (name) => datasets.get(name, d.metadata.namespace));
      if ('missing' in baseline) return undefined;
      const configMap = baseline.configMap;
      return configMaps.get(configMap, d.metadata.namespace)?.data?.[PROFILE_KEY] === undefined ? undefined : { configMap, key: PROFILE_KEY };
    }

    /** Why the rollout must hold: a DriftMonitor of this Deployment asks it to while live traffic drifts. */
    function driftHold(d: DeploymentObject): string | undefined {
      for (const monitor of driftMonitors.list(d.metadata.namespace)) {
        if (monitor.spec?.deploymentRef?.name !== d.metadata.name) continue;
        const pause = monitor.status?.conditions?.find((c) => c.type === DriftMonitorCondition.RolloutPauseRequested && c.status === 'True');
        if (pause) return `DriftMonitor ${monitor.metadata?.name ?? ''} holds it: ${pause.message ?? 'live traffic drifted'}`;
      }
      return undefined;
    }

    const routeResource = (kind: unknown): ResourceType => (kind === 'HTTPRoute' ? builtin.httpRoute : virtualServiceResource);
    const routeFailed = (kind: unknown, d: DeploymentObject, err: unknown) => new TransientError(DeploymentReason.RouteFailed, `${String(kind)} ${d.metadata.name}: ${describeError(err)}`, { cause: err });

    /**
     * The live HTTPRoute or VirtualService, read once per reconcile (no informer, so the operator runs without
     * those CRDs): the machine decides on the weight it gives now, and the apply compares with the same read.
     * A missing route is undefined.
     */
    async function readRoute(d: DeploymentObject, kind: 'HTTPRoute' | 'VirtualService'): Promise<KubeObject | undefined> {
      try {
        return await deps.kube.get<KubeObject>(routeResource(kind), d.metadata.name, d.metadata.namespace);
      } catch (err) {
        throw routeFailed(kind, d, err);
      }
    }

    /** Applies the route the new state asks for, when the live one differs; true when it was written. */
    async function applyRoute(d: DeploymentObject, route: Record<string, unknown>, live: KubeObject | undefined): Promise<boolean> {
      const desired = stamped(route as KubeObject);
      if (upToDate(desired, live)) return false;
      try {
        await deps.kube.apply(routeResource(route.kind), desired, { fieldManager: deps.settings.fieldManager, force: true });
        return true;
      } catch (err) {
        throw routeFailed(route.kind, d, err);
      }
    }

    /** Whether the router gives the weight `state` asked for: pod counts (replicas) or the route's weights. */
    function weightVerified(d: DeploymentObject, state: RolloutState, all: readonly Candidate[], routeWeight: ((canary: number) => number | undefined) | undefined): boolean {
      if (state.canary === undefined || state.stable === undefined) return true;
      if (routerOf(d.spec) !== 'replicas') return routeWeight !== undefined && routeWeight(state.canary) === state.weight;
      const asked = render({ deployment: d, state, artifacts: artifactsOf(all, [state.stable, state.canary]), cairnImage });
      return [...asked.replicas].every(([version, count]) => available(d, version, count));
    }

    /**
     * The one step. Conditions: Available (a stable version serves), SignatureCompatible, RolledBack (True with
     * the failing metric after a rollback); Reconciling while a rollout moves. Events: each thing the step
     * machine did (RolloutStarted, WeightSet, AnalysisFailed, Promoted, RolledBack).
     */
    async function rollout(scope: Scope<DeploymentObject>): Promise<void> {
      const d = scope.object;
      const all = candidates(d);
      const previous = stateFromStatus(scope.status);
      const annotations = d.metadata.annotations ?? {};
      const now = new Date(deps.clock.now());
      const strategy = d.spec.strategy;

      const router = routerOf(d.spec);
      const routeKind = router === 'gatewayAPI' ? 'HTTPRoute' : 'VirtualService';
      const liveRoute = router === 'replicas' ? undefined : await readRoute(d, routeKind);
      const routeWeight =
        router !== 'replicas' && previous.stable !== undefined
          ? (canary: number) => (routeKind === 'HTTPRoute' ? httpRouteWeight(liveRoute, d, canary) : virtualServiceWeight(liveRoute, d, canary))
          : undefined;
      const selectedVersion = selected(scope, all, previous.stable);
      const hold = driftHold(d);
      const observed: Observed = {
        selected: selectedVersion,
        canaryAvailable: canaryAvailable(d, previous, selectedVersion),
        weightVerified: weightVerified(d, previous, all, routeWeight),
        ...(annotations[PROMOTE_ANNOTATION] !== undefined ? { promote: annotations[PROMOTE_ANNOTATION] } : {}),
        ...(annotations[ABORT_ANNOTATION] !== undefined ? { abort: annotations[ABORT_ANNOTATION] } : {}),
        ...(hold !== undefined ? { hold } : {}),
        now,
      };
      // The machine's first answer says whether a measurement is due; it then decides again with it.
      const first = decide(strategy, previous, observed, parseDuration);
      let decision: Decision = first;
      const metrics = strategy?.analysis?.metrics ?? [];
      if (first.measure && first.state.canary !== undefined && metrics.length > 0) {
        const measurement = await measure(
          scrapes,
          {
            key: scope.key,
            metrics,
            pods: servingPods(d, first.state.canary),
            model: d.spec.model,
            canary: first.state.canary,
            since: previous.analysis.lastAt ?? previous.stepStartedAt,
            vars: { name: d.metadata.name, namespace: d.metadata.namespace, stable: String(first.state.stable ?? ''), canary: String(first.state.canary) },
            now,
          },
          { ...io, signal: AbortSignal.timeout(30_000) },
        );
        scope.log.info({ canary: first.state.canary, verdict: measurement.verdict, detail: measurement.detail }, 'Measured the canary');
        decision = decide(strategy, previous, { ...observed, measurement }, parseDuration);
      }
      const state = decision.state;
      if (state.canary !== undefined && metrics.some((m) => m.name !== 'prometheus')) {
        await scrapes.prime(scope.key, servingPods(d, state.canary), d.spec.model, state.canary, io);
      }
      for (const e of decision.events) scope.event(e.warning ? 'Warning' : 'Normal', e.reason, e.message);

      const retiring = retiringVersion(d, state);
      const versions = [state.stable, state.canary, retiring];
      const artifacts = artifactsOf(all, versions);
      const missing = versions.filter((v): v is number => v !== undefined && !artifacts.has(v));
      const profile = driftProfile(d, state.stable);
      const desired = render({ deployment: d, state, artifacts, ...(retiring !== undefined ? { retiring } : {}), ...(profile ? { profile } : {}), cairnImage, allowFileUrls: deps.settings.allowFileUrls });
      const outcome = await scope.applyChildren(desired.children);
      if (outcome.errors.length > 0) {
        const e = outcome.errors[0]!;
        throw new TransientError(DeploymentReason.ApplyFailed, `Could not ${e.action} ${e.kind} ${e.name}: ${e.message}`);
      }
      if (desired.route && (await applyRoute(d, desired.route, liveRoute))) scope.requeueAfter(routeRecheckMs);
      if (retiring !== undefined) scope.requeueAfter(routeRecheckMs);
      if (decision.requeueAfterMs !== undefined) scope.requeueAfter(decision.requeueAfterMs);

      writeStatus(scope, state, desired);
      await reportShadow(scope, state);
      if (missing.length > 0) {
        scope.conditions.set(Available, { status: 'False', reason: DeploymentReason.ModelVersionMissing, message: `no ModelVersion of model ${d.spec.model} with version ${missing.join(', ')}` });
      }
    }

    /** The canary's pods are available; a first version (no stable yet) is the canary of the machine too. */
    function canaryAvailable(d: DeploymentObject, previous: RolloutState, selectedVersion: number | undefined): boolean {
      const candidate = previous.stable === undefined ? selectedVersion : previous.canary;
      return candidate !== undefined && available(d, candidate);
    }

    /** status.shadow while the stable pods mirror to a shadow: how its answers compare (docs/rollouts.md, "Shadow"). */
    async function reportShadow(scope: Scope<DeploymentObject>, state: RolloutState): Promise<void> {
      const d = scope.object;
      const shadow = mirroredByPods(d.spec, state);
      if (shadow === undefined || state.stable === undefined) {
        delete scope.status.shadow;
        return;
      }
      const counters = await shadowAgreement(servingPods(d, state.stable), d.spec.model, state.stable, { ...io, signal: AbortSignal.timeout(10_000) });
      scope.status.shadow = shadowStatus(shadow, counters);
      scope.requeueAfter(shadowRefreshMs);
    }

    function writeStatus(scope: Scope<DeploymentObject>, state: RolloutState, desired: Desired): void {
      const d = scope.object;
      const fields = statusFromState(state);
      for (const [key, value] of Object.entries({ ...fields, url: state.stable === undefined ? undefined : desired.url })) {
        if (value === undefined) delete (scope.status as Record<string, unknown>)[key];
        else (scope.status as Record<string, unknown>)[key] = value;
      }
      if (state.stable === undefined) {
        scope.conditions.set(Available, { status: 'False', reason: DeploymentReason.NoModelVersion, message: state.message || 'no version serves yet' });
      } else if (available(d, state.stable)) {
        scope.conditions.set(Available, { status: 'True', reason: DeploymentReason.Available, message: `version ${state.stable} serves at ${desired.url}` });
      } else {
        scope.conditions.set(Available, { status: 'False', reason: DeploymentReason.PodsNotAvailable, message: `the pods of version ${state.stable} are not available yet` });
      }
      if (state.phase === 'RolledBack') scope.conditions.set(RolledBack, { status: 'True', reason: DeploymentReason.RolledBack, message: state.message });
      else scope.conditions.remove(RolledBack);
      if (state.phase === 'Progressing' || state.phase === 'Paused') scope.conditions.progressing(state.message, state.phase === 'Paused' ? 'RolloutPaused' : KitReason.Progressing);
      else scope.conditions.succeed(DeploymentReason.Serving, state.message || `version ${state.stable} serves all traffic`);
    }

    return kindController<DeploymentObject>(deps, {
      name: 'deployment',
      resource: deploymentResource,
      conditions: deploymentConditions,
      steps: [rollout],
      children: [builtin.deployment, builtin.service, builtin.podDisruptionBudget, builtin.horizontalPodAutoscaler],
      // Promote and abort are annotations: a metadata change must reach the step machine.
      predicate: anyOf(generationChanged, metadataChanged),
      watches: [
        {
          resource: modelVersionResource,
          map: (mv) =>
            deployments
              .list(mv.metadata?.namespace)
              .filter((d) => d.spec?.model === (mv as ModelVersionObject).spec?.model)
              .map((d) => keyOf(d.metadata.namespace, d.metadata.name)),
        },
        {
          resource: driftMonitorResource,
          map: (m) => {
            const name = (m as DriftMonitorObject).spec?.deploymentRef?.name;
            return name ? [keyOf(m.metadata?.namespace, name)] : [];
          },
        },
      ],
      forget: (req) => scrapes.forget(req.key),
    });
  };
}

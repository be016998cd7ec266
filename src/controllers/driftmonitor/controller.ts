/**
 * The DriftMonitor controller (docs/drift.md, docs/api.md): every `interval` it reads the serving pods' drift
 * counters from their /metrics, takes the increases over `window` (src/drift/counter-window.ts, kept in memory
 * per monitor), scores every checked feature and the output against the baseline Dataset's profile, and writes
 * status, the Drifted condition, the cairn_drift_score gauge and Events; then it acts on drift (actions.ts).
 *
 * Between two evaluations a reconcile (a watch event, a retry) evaluates nothing and only re-applies the
 * actions, which are idempotent. After an operator restart the window starts again from the pods' counters
 * (a pod whose process started within the window counts whole, others from then on).
 */
import type { DriftMonitor } from '../../api/kinds/driftmonitor.js';
import { parseDuration } from '../../api/duration.js';
import { advanceWindow, DriftInputError, emptyWindow, evaluateWindow, livePerformance, parseBaselineProfile, planChecks, type ColumnCheck, type WindowState } from '../../drift/index.js';
import { servingSelector } from '../../render/serving.js';
import type { ControllerDeps, ControllerFactory } from '../../runtime/controller.js';
import { StalledError, TransientError, WaitingError } from '../../runtime/errors.js';
import { isNotFound } from '../../runtime/kube/errors.js';
import type { Frozen, KubeObject } from '../../runtime/kube/object.js';
import { builtin } from '../../runtime/kube/resource.js';
import { keyOf } from '../../runtime/keys.js';
import { childSelector, KitReason, kindController, type Scope } from '../kit/index.js';
import { cairnResource } from '../resources.js';
import { endEpisode, episodeStep, holdsCanary, recordPause, recordRetrain, rerunPatch, rerunValue } from './actions.js';
import { driftedFrom, resolveBaseline, stableModelVersion, type BaselineProfile, type DeploymentObject, type ModelVersionObject } from './baseline.js';
import { DriftMonitorReason, driftMonitorConditions } from './reasons.js';
import { countsOnBaseline, scrapeable, scrapePods, type ServingPod } from './scrape.js';
import { recordPerformance, recordVerdict, summarise } from './status.js';

export const driftMonitorResource = cairnResource('DriftMonitor');

export interface DriftMonitorControllerOptions {
  /** The field manager of the cairn.dev/rerun annotation it sets on Experiments (default `<operator's>-driftmonitor`). */
  rerunFieldManager?: string;
}

type DriftMonitorObject = DriftMonitor & KubeObject & { metadata: { name: string; namespace: string } };
type ConfigMap = KubeObject & { data?: Record<string, string> };

const DEFAULTS = { interval: '5m', window: '1h', minSamples: 500 };
/** How soon to look again for a Deployment, Dataset or profile that is not there yet. */
const dependencyRecheckMs = 15_000;
const PROFILE_KEY = 'profile.json';

interface MonitorMemory {
  window: WindowState;
  /** When the next evaluation is due (ms). */
  dueAt: number;
  generation?: number;
  /** The gauge series set last time, to remove those no longer checked. */
  gauges: Array<{ feature: string; method: string }>;
  /** The baseline ConfigMap the window was counted against: a new one (other bins) starts the window again. */
  baselineConfigMap?: string;
}

function durationOf(text: string, field: string): number {
  try {
    const ms = parseDuration(text);
    if (ms <= 0) throw new Error(`${field} must be longer than 0`);
    return ms;
  } catch (err) {
    throw new StalledError(KitReason.InvalidSpec, `spec.${field}: ${(err as Error).message}`);
  }
}

export function driftMonitorController(options: DriftMonitorControllerOptions = {}): ControllerFactory {
  return (deps: ControllerDeps) => {
    const deployments = deps.informers.for<DeploymentObject>(cairnResource('Deployment'));
    const datasets = deps.informers.for<KubeObject>(cairnResource('Dataset'));
    const modelVersions = deps.informers.for<ModelVersionObject>(cairnResource('ModelVersion'));
    const experiments = deps.informers.for<KubeObject>(cairnResource('Experiment'));
    const monitors = deps.informers.for<DriftMonitorObject>(driftMonitorResource);
    const configMaps = deps.informers.for<ConfigMap>(builtin.configMap, { labelSelector: childSelector });
    const pods = deps.informers.for<ServingPod>(builtin.pod, { labelSelector: childSelector });
    const memory = new Map<string, MonitorMemory>();
    const fieldManager = options.rerunFieldManager ?? `${deps.settings.fieldManager}-driftmonitor`;

    /** Which profile is the baseline now (baseline.ts); WaitingError while there is no Dataset to take it from. */
    function currentBaseline(monitor: DriftMonitorObject, deployment: Frozen<DeploymentObject>): BaselineProfile {
      const namespace = monitor.metadata.namespace;
      const stable = stableModelVersion(deployment, modelVersions.list(namespace));
      const baseline = resolveBaseline(monitor.spec.baseline?.datasetRef.name, stable, (name) => datasets.get(name, namespace));
      if ('missing' in baseline) throw new WaitingError(DriftMonitorReason.BaselineNotReady, `No baseline for Deployment ${deployment.metadata.name}: ${baseline.missing}`, dependencyRecheckMs);
      return baseline;
    }

    /** The checks of the spec against the baseline profile; WaitingError (BaselineNotReady) until its ConfigMap holds it. */
    function baselineChecks(monitor: DriftMonitorObject, baseline: BaselineProfile): ColumnCheck[] {
      const configMap = baseline.configMap;
      const text = configMaps.get(configMap, monitor.metadata.namespace)?.data?.[PROFILE_KEY];
      if (text === undefined) {
        const which = baseline.version ? ` of ${baseline.version}${baseline.modelVersion ? ` (the data ModelVersion ${baseline.modelVersion} was trained on)` : ''}` : '';
        throw new WaitingError(DriftMonitorReason.BaselineNotReady, `Dataset ${baseline.dataset} has no profile${which} yet (ConfigMap ${configMap}, key ${PROFILE_KEY})`, dependencyRecheckMs);
      }
      try {
        const profile = parseBaselineProfile(text);
        return planChecks(profile, monitor.spec.features, monitor.spec.output);
      } catch (err) {
        if (!(err instanceof DriftInputError)) throw err;
        const reason = err.reason === 'InvalidProfile' ? DriftMonitorReason.InvalidProfile : KitReason.InvalidSpec;
        throw new StalledError(reason, err.reason === 'InvalidProfile' ? `ConfigMap ${configMap}: ${err.message}` : err.message);
      }
    }

    function setGauges(monitor: DriftMonitorObject, remembered: MonitorMemory, results: ReadonlyArray<{ name: string; method: string; score: number }>): void {
      const { namespace, name } = monitor.metadata;
      const next = results.map((r) => ({ feature: r.name, method: r.method }));
      for (const old of remembered.gauges) if (!next.some((n) => n.feature === old.feature && n.method === old.method)) deps.metrics.driftScore.remove({ namespace, name, ...old });
      for (const r of results) deps.metrics.driftScore.set({ namespace, name, feature: r.name, method: r.method }, r.score);
      remembered.gauges = next;
    }

    /**
     * Step 1: when an evaluation is due (every spec.interval, and at once after a spec change), read the serving
     * pods' counters, advance the window and score it: status (lastEvaluation, samples, drifted, features), the
     * Drifted condition (Unknown/NotEnoughSamples below minSamples), the gauge, Warning Events for pods that did
     * not answer and columns that could not be scored. Not due: nothing, and a requeue for when it is. Throws
     * WaitingError while the Deployment or the baseline profile is missing, StalledError for a spec or profile
     * that cannot be scored.
     */
    async function evaluateDrift(scope: Scope<DriftMonitorObject>): Promise<void> {
      const monitor = scope.object;
      const namespace = monitor.metadata.namespace;
      const now = deps.clock.now();
      const intervalMs = durationOf(monitor.spec.interval ?? DEFAULTS.interval, 'interval');
      const windowText = monitor.spec.window ?? DEFAULTS.window;
      const windowMs = durationOf(windowText, 'window');
      const minSamples = monitor.spec.minSamples ?? DEFAULTS.minSamples;
      const remembered = memory.get(scope.key) ?? { window: emptyWindow(), dueAt: now, gauges: [] };
      memory.set(scope.key, remembered);
      if (remembered.generation === monitor.metadata.generation && remembered.dueAt > now) {
        summarise(scope.status, scope.conditions);
        scope.requeueAfter(remembered.dueAt - now);
        return;
      }

      const deployment = deployments.get(monitor.spec.deploymentRef.name, namespace);
      if (!deployment) throw new WaitingError(DriftMonitorReason.DeploymentNotFound, `Deployment ${monitor.spec.deploymentRef.name} not found`, dependencyRecheckMs);
      const baseline = currentBaseline(monitor, deployment);
      scope.status.baseline = { dataset: baseline.dataset, configMap: baseline.configMap, from: baseline.from, ...(baseline.version ? { version: baseline.version } : {}), ...(baseline.modelVersion ? { modelVersion: baseline.modelVersion } : {}) };
      const checks = baselineChecks(monitor, baseline);
      if (remembered.baselineConfigMap !== undefined && remembered.baselineConfigMap !== baseline.configMap) {
        // The serving pods count on the new profile's bins from now on: earlier counts are on other bins.
        remembered.window = emptyWindow();
        scope.log.info({ from: remembered.baselineConfigMap, to: baseline.configMap }, 'Moved the DriftMonitor baseline');
      }
      remembered.baselineConfigMap = baseline.configMap;

      const selector = Object.entries(servingSelector(deployment));
      const serving = pods.list(namespace).filter((p) => selector.every(([k, v]) => p.metadata?.labels?.[k] === v) && scrapeable(p) && countsOnBaseline(p, baseline.configMap));
      const scraped = await scrapePods(serving, deployment.spec.model, scope.signal);
      if (scraped.failures.length > 0) {
        scope.log.info({ failures: scraped.failures }, 'Failed to read the metrics of serving pods');
        scope.event('Warning', DriftMonitorReason.ScrapeFailed, `${scraped.failures.length} of ${serving.length} serving pods did not answer on /metrics: ${scraped.failures.map((f) => `${f.pod}: ${f.message}`).join('; ')}`);
      }
      const advanced = advanceWindow(remembered.window, scraped.scrapes, now, windowMs);
      remembered.window = advanced.state;
      remembered.dueAt = now + intervalMs;
      remembered.generation = monitor.metadata.generation;
      scope.requeueAfter(intervalMs);

      const verdict = evaluateWindow(checks, advanced.counts, minSamples);
      const noPods = scraped.scrapes.length === 0 && verdict.samples === 0 ? `No serving pod of Deployment ${deployment.metadata.name} answered; no verdict` : undefined;
      recordVerdict(scope.status, scope.conditions, verdict, { at: new Date(now).toISOString(), minSamples, window: windowText, ...(noPods ? { noPods } : {}) });
      recordPerformance(scope.status, livePerformance(advanced.counts));
      if (verdict.kind === 'scored') {
        setGauges(monitor, remembered, verdict.results);
        if (verdict.problems.length > 0) {
          scope.event('Warning', DriftMonitorReason.ColumnNotScored, verdict.problems.map((p) => `${p.name}: ${p.reason}: ${p.message}`).join('; '));
        }
        scope.log.info({ samples: verdict.samples, drifted: verdict.results.filter((r) => r.drifted).map((r) => r.name) }, 'Evaluated DriftMonitor');
      }
    }

    /**
     * Step 2: the actions of the drift episode (actions.ts): RolloutPauseRequested while drifted with
     * pauseRollout; one cairn.dev/rerun per episode on each retrain Experiment, then RetrainRequested; both
     * removed when a window shows no drift. Throws TransientError when an Experiment is missing or the patch
     * fails (tried again; the verdict is written meanwhile).
     */
    async function actOnDrift(scope: Scope<DriftMonitorObject>): Promise<void> {
      const monitor = scope.object;
      const step = episodeStep(monitor.spec, scope.conditions);
      if (step.kind === 'ended') endEpisode(scope.conditions);
      if (step.kind !== 'drifted') return;
      const deployment = deployments.get(monitor.spec.deploymentRef.name, monitor.metadata.namespace);
      const baseline = deployment ? currentBaseline(monitor, deployment) : undefined;
      recordPause(scope.conditions, monitor.spec, step.pause && holdsCanary(baseline?.version, deployment && canaryTrainedOn(deployment)));
      if (step.retrain.length === 0) return;
      const value = rerunValue(monitor.metadata.name, new Date(scope.startedAt).toISOString(), driftedFrom(baseline));
      for (const experiment of step.retrain) {
        if (!experiments.get(experiment, monitor.metadata.namespace)) throw new TransientError(DriftMonitorReason.ExperimentNotFound, `Cannot retrain: Experiment ${experiment} not found`);
      }
      for (const experiment of step.retrain) {
        try {
          await deps.kube.patch(cairnResource('Experiment'), experiment, monitor.metadata.namespace, rerunPatch(value), { type: 'merge', fieldManager, signal: scope.signal });
        } catch (err) {
          if (isNotFound(err)) throw new TransientError(DriftMonitorReason.ExperimentNotFound, `Cannot retrain: Experiment ${experiment} not found`);
          throw new TransientError(DriftMonitorReason.RetrainFailed, `Could not annotate Experiment ${experiment}: ${(err as Error).message}`);
        }
      }
      recordRetrain(scope.conditions, step.retrain, value);
    }

    /** The data version the Deployment's canary (a rollout in progress) was trained on, when its ModelVersion says. */
    function canaryTrainedOn(deployment: Frozen<DeploymentObject>): string | undefined {
      const canary = deployment.status?.canary?.version;
      if (canary === undefined) return undefined;
      return modelVersions.list(deployment.metadata.namespace).find((v) => v.spec.model === deployment.spec.model && v.spec.version === canary)?.spec.lineage?.dataset?.version;
    }

    /** The monitors whose `field` names the object; with no name (a baseline from the lineage), every monitor of its namespace. */
    const referencing = (field: (m: Frozen<DriftMonitorObject>) => string | undefined) => (obj: Frozen<KubeObject>) =>
      monitors
        .list(obj.metadata?.namespace)
        .filter((m) => (field(m) ?? obj.metadata?.name) === obj.metadata?.name)
        .map((m) => keyOf(m.metadata.namespace, m.metadata.name));

    return kindController<DriftMonitorObject>(deps, {
      name: 'driftmonitor',
      resource: driftMonitorResource,
      conditions: driftMonitorConditions,
      steps: [evaluateDrift, actOnDrift],
      watches: [
        { resource: cairnResource('Deployment'), map: referencing((m) => m.spec.deploymentRef.name) },
        { resource: cairnResource('Dataset'), map: referencing((m) => m.spec.baseline?.datasetRef.name) },
      ],
      resyncAfterMs: (monitor) => {
        try {
          return parseDuration(monitor.spec.interval ?? DEFAULTS.interval);
        } catch {
          return undefined;
        }
      },
      forget: (req) => {
        const remembered = memory.get(req.key);
        for (const g of remembered?.gauges ?? []) deps.metrics.driftScore.remove({ namespace: req.namespace ?? '', name: req.name, ...g });
        memory.delete(req.key);
      },
    });
  };
}

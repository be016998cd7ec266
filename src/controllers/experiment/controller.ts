/**
 * The Experiment controller (docs/api.md, Experiment; docs/contracts.md §1): each run expands the parameter
 * search, runs every trial as a Job (at most `parallelism` at once), reads each trial's metrics and uploaded
 * model, gates them, and registers the best passing trial as a ModelVersion with its lineage.
 *
 * The state of a run is its trial Jobs (named `<experiment>-<run>-t<index>`) and the trial table ConfigMap,
 * never memory: an operator that restarts mid-run recomputes the same decisions and neither repeats nor loses
 * a trial. A finished trial's Job is deleted only once its record is in the table as cached, i.e. stored.
 */
import { parseDuration } from '../../api/duration.js';
import type { Dataset, Experiment, ExperimentStatus, ModelVersion } from '../../api/kinds/index.js';
import { decidedByPod, isRenderError, observeJob, renderTrialJob, type Toleration } from '../../render/index.js';
import { modelVersionName, registeredByAnnotation, renderRegisteredModel } from '../../render/registered-model.js';
import { LABEL_OWNER_KIND, LABEL_OWNER_NAME, LABEL_RUN, LABEL_TRIAL } from '../../render/labels.js';
import { renderTrialTable, trialTableKey, trialTableName } from '../../render/trial-table.js';
import type { ControllerFactory } from '../../runtime/controller.js';
import { describeError } from '../../runtime/errors.js';
import { isAlreadyExists } from '../../runtime/kube/errors.js';
import type { Frozen, KubeObject } from '../../runtime/kube/object.js';
import { builtin } from '../../runtime/kube/resource.js';
import { keyOf } from '../../runtime/keys.js';
import { anyOf, generationChanged, metadataChanged } from '../../runtime/predicates.js';
import { bestTrial } from '../../training/gate.js';
import { trialArtifactsUri, trialName } from '../../training/names.js';
import { trialOutcome } from '../../training/outcome.js';
import { coalescedRerun, newRunReason, rerunAnnotation } from '../../training/run.js';
import { countTrials, schedule, type JobState, type Schedule } from '../../training/schedule.js';
import { planSearch, SearchSpecError, type TrialParameters } from '../../training/search.js';
import { parseTable, tableJsonl, type TrialRecord } from '../../training/table.js';
import { childSelector, jobPodsWatch, kindController, KitReason, StalledError, TransientError, WaitingError, type Scope } from '../kit/index.js';
import { cairnResource } from '../resources.js';
import { ExperimentCondition, experimentConditions, ExperimentReason } from './reasons.js';
import { statusTrials } from './status.js';
import { trialJobEventMatters, trialPodEventMatters, type RecordedTrial } from './trial-events.js';

export const experimentResource = cairnResource('Experiment');
const datasetResource = cairnResource('Dataset');
const modelVersionResource = cairnResource('ModelVersion');

export interface ExperimentControllerOptions {
  /** The image with the `cairn` command, for the fetch and upload containers of trial pods. */
  cairnImage: string;
  /** Where trial pods run (`cairn dev` and the tests: the local node). */
  placement?: { nodeSelector?: Readonly<Record<string, string>>; tolerations?: readonly Toleration[] };
  /** Pass --allow-file-urls to the trial pods' fetch and upload (the operator's own development setting). */
  allowFileUrls?: boolean;
}

/** How long a Job that Succeeded may wait for its pod's final status to reach the cache before it is read without. */
const podCacheGraceMs = 30_000;
const datasetWaitMs = 30_000;
/**
 * How late a trial's Running may show in status when nothing else changed: that write waits for the next one (a
 * trial ending, a Job starting) and is made by itself only after this long. Each such write held the key for a
 * round trip to the API server that a pod end queued behind it waited for.
 */
const runningLagMs = 2_000;
const gitRevisionAnnotation = 'cairn.dev/revision';

type ExperimentObject = Experiment & KubeObject & { metadata: { name: string } };
type DatasetObject = Frozen<Dataset & KubeObject>;

/**
 * The records of each cached trial table (frozen, replaced on every change): parsed once, not on every reconcile
 * and every event that asks whether a trial is recorded.
 */
const parsedTables = new WeakMap<object, ReadonlyMap<string, TrialRecord>>();

function tableRecords(table: Frozen<KubeObject & { data?: Record<string, string> }>): ReadonlyMap<string, TrialRecord> {
  let records = parsedTables.get(table);
  if (records === undefined) {
    records = parseTable(table.data?.[trialTableKey]);
    parsedTables.set(table, records);
  }
  return records;
}

/**
 * What the reconciles of one Experiment can reuse while its inputs stay the same (their JSON is the fingerprint):
 * the planned trials, each desired trial Job as rendered (the same object, so the kit's stamped and upToDate skip
 * their JSON, hash and comparison), and the table as rendered.
 */
interface RenderMemo {
  plan?: { fingerprint: string; trials: TrialParameters[] };
  jobs?: { fingerprint: string; byName: Map<string, KubeObject> };
  table?: { fingerprint: string; jsonl: string; object: KubeObject };
}

/** What the steps of one reconcile share besides the status. */
interface RunContext {
  dataset?: DatasetObject;
  schedule?: Schedule;
}

export function experimentController(options: ExperimentControllerOptions): ControllerFactory {
  return (deps) => {
    const experiments = deps.informers.for<ExperimentObject>(experimentResource);
    const datasets = deps.informers.for<Dataset & KubeObject>(datasetResource);
    const modelVersions = deps.informers.for<ModelVersion & KubeObject>(modelVersionResource);
    const jobs = deps.informers.for<KubeObject>(builtin.job, { labelSelector: childSelector });
    const pods = deps.informers.for<KubeObject>(builtin.pod, { labelSelector: childSelector });
    const configMaps = deps.informers.for<KubeObject & { data?: Record<string, string> }>(builtin.configMap, { labelSelector: childSelector });
    const contexts = new Map<string, RunContext>();
    const memos = new Map<string, RenderMemo>();
    const memoOf = (key: string): RenderMemo => memos.get(key) ?? (memos.set(key, {}), memos.get(key)!);
    /** Whether the trial of a trial Job or pod is recorded in the table as cached (see trial-events.ts). */
    const isRecorded: RecordedTrial = (object) => {
      const labels = object.metadata?.labels;
      const trial = labels?.[LABEL_TRIAL];
      const owner = labels?.[LABEL_OWNER_NAME];
      if (!trial || !owner || labels[LABEL_OWNER_KIND] !== 'Experiment') return false;
      const table = configMaps.get(trialTableName(owner), object.metadata?.namespace);
      return table !== undefined && tableRecords(table).has(trial);
    };
    /** Registrations made by this process, by Experiment key: the caches may not show them yet. */
    const registered = new Map<string, { uid: string; run: number; name: string }>();

    /**
     * Step 1: the run. Starts a new one when newRunReason says so (first run, spec change, cairn.dev/rerun,
     * new Dataset version with rerunOnDatasetChange): run + 1, pinned to the Dataset's verified version, trials
     * and registration cleared, a RunStarted Event. Waits (DependencyNotReady) while the Dataset is not Ready.
     */
    function startRun(scope: Scope<ExperimentObject>) {
      const { object: experiment, status } = scope;
      const context: RunContext = {};
      contexts.set(scope.key, context);
      const name = experiment.spec.datasetRef.name;
      const dataset = datasets.get(name, experiment.metadata.namespace);
      const version = dataset ? verifiedVersion(dataset) : undefined;
      const facts = {
        current: status,
        generation: experiment.metadata.generation ?? 0,
        rerun: experiment.metadata.annotations?.[rerunAnnotation],
        rerunOnDatasetChange: experiment.spec.rerunOnDatasetChange === true,
        datasetVersion: version,
      };
      // A drift's rerun the run in progress already answers (it trains on newer data) is recorded, not run again.
      const coalesced = coalescedRerun(facts);
      if (coalesced !== undefined) {
        status.rerunRequest = facts.rerun;
        scope.event('Normal', ExperimentReason.RerunCoalesced, `${rerunAnnotation}=${JSON.stringify(facts.rerun)} coalesced into run ${status.run}: ${coalesced}`);
      }
      const why = newRunReason(facts);
      if (why !== undefined) {
        if (!dataset) throw new WaitingError(KitReason.DependencyNotReady, `Dataset ${name} does not exist`, datasetWaitMs);
        if (!version) throw new WaitingError(KitReason.DependencyNotReady, `Dataset ${name} has no verified version yet (not Ready)`, datasetWaitMs);
        // Run numbers are never reused: an older run's Jobs are pruned, a new run's names are new.
        const run = (status.run ?? 0) + 1;
        for (const key of ['trials', 'bestTrial', 'bestMetric', 'modelVersion', 'trialCounts', 'progress'] as const) delete status[key];
        Object.assign(status, {
          run,
          runGeneration: experiment.metadata.generation ?? 0,
          rerunRequest: experiment.metadata.annotations?.[rerunAnnotation] ?? '',
          datasetVersion: version,
          phase: 'Running',
        } satisfies Partial<ExperimentStatus>);
        scope.conditions.remove(ExperimentCondition.Failed);
        scope.conditions.remove(ExperimentCondition.Succeeded);
        scope.event('Normal', ExperimentReason.RunStarted, `Run ${run} started (${why}) on Dataset ${name} ${version}`);
      }
      if (!dataset) throw new WaitingError(KitReason.DependencyNotReady, `Dataset ${name} does not exist`, datasetWaitMs);
      context.dataset = dataset;
    }

    /**
     * Step 2: the trials. Reads each trial's Job and pods, records what finished (metrics, gate, model, or why
     * it failed: TrialFailed Events), starts the next trials up to `parallelism`, stops the run after more than
     * `maxFailedTrials` failures (Failed=True MaxFailedTrialsReached), and applies the Jobs and the trial table.
     * Running=True and Reconciling while trials run. Stalls (InvalidSpec) on a search it cannot expand.
     */
    async function runTrials(scope: Scope<ExperimentObject>) {
      const { object: experiment, status } = scope;
      const context = contexts.get(scope.key)!;
      const dataset = context.dataset!;
      const run = status.run!;
      const namespace = experiment.metadata.namespace!;
      const memo = memoOf(scope.key);
      const specJson = JSON.stringify(experiment.spec);
      if (memo.plan?.fingerprint !== specJson) {
        try {
          memo.plan = { fingerprint: specJson, trials: planSearch(experiment.spec).trials };
        } catch (err) {
          if (err instanceof SearchSpecError) throw new StalledError(KitReason.InvalidSpec, err.message);
          throw err;
        }
      }
      const plan = memo.plan.trials;
      const names = plan.map((_, i) => trialName(experiment.metadata.name, run, i));
      const uid = experiment.metadata.uid ?? '';
      const ownJobs = new Map<string, Frozen<KubeObject>>();
      for (const job of jobs.list(namespace)) {
        if (job.metadata?.labels?.[LABEL_RUN] === String(run) && (job.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === uid)) ownJobs.set(job.metadata.name ?? '', job);
      }
      const podsByTrial = new Map<string, Frozen<KubeObject>[]>();
      for (const pod of pods.list(namespace)) {
        const trial = pod.metadata?.labels?.[LABEL_TRIAL];
        if (trial !== undefined && ownJobs.has(trial)) podsByTrial.set(trial, [...(podsByTrial.get(trial) ?? []), pod]);
      }

      const table = configMaps.get(trialTableName(experiment.metadata.name), namespace);
      const stored: ReadonlyMap<string, TrialRecord> = table?.data?.run === String(run) ? tableRecords(table) : new Map<string, TrialRecord>();
      const recorded = new Map(stored);
      for (const t of status.trials ?? []) {
        const index = names.indexOf(t.name);
        if (index >= 0 && !recorded.has(t.name) && (t.phase === 'Succeeded' || t.phase === 'Failed')) recorded.set(t.name, fromStatusTrial(t, index, plan[index]!));
      }

      const artifacts = (name: string) => trialArtifactsUri(experiment.spec.artifacts.uri, experiment.metadata.name, run, name);
      const states = new Map<string, JobState>();
      for (const [name, job] of ownJobs) {
        if (recorded.has(name)) continue;
        const trialPods = podsByTrial.get(name) ?? [];
        const decidedJob = decidedByPod(job, trialPods);
        const observed = observeJob(decidedJob, trialPods, { container: 'trainer' });
        if (observed.phase === 'Pending' || observed.phase === 'Running') {
          states.set(name, { phase: observed.phase, ...(observed.reason ? { reason: observed.reason } : {}), ...(observed.message ? { message: observed.message } : {}) });
          continue;
        }
        if (observed.phase === 'Succeeded' && !podIsFinal(trialPods) && !longFinished(job, scope.startedAt)) {
          // The Job's update may reach the cache before its pod's final status: read it a moment later.
          states.set(name, { phase: 'Running' });
          scope.requeueAfter(1_000);
          continue;
        }
        states.set(name, { phase: 'Finished', outcome: trialOutcome(observed, observeJob(decidedJob, trialPods, { container: 'upload' }), artifacts(name)) });
      }

      const search = experiment.spec.search ?? {};
      const decided = schedule({
        names,
        parameters: plan,
        recorded,
        jobs: states,
        spec: experiment.spec,
        parallelism: Math.min(search.parallelism ?? 1, plan.length),
        maxFailedTrials: search.maxFailedTrials ?? 3,
      });
      context.schedule = decided;
      // Nothing ended, nothing starts, the spec is the one the status was written for: what differs is trials
      // going from Pending to Running (or a stuck pod's reason), which may show a moment late.
      if (decided.phase === 'Running' && decided.newlyFinished.length === 0 && decided.start.length === 0 && status.observedGeneration === experiment.metadata.generation) {
        scope.deferStatus(runningLagMs);
      }
      for (const r of decided.newlyFinished) {
        if (r.phase === 'Failed' && r.reason !== 'Stopped') scope.event('Warning', ExperimentReason.TrialFailed, `Trial ${r.name} failed: ${r.reason}: ${r.message ?? ''}`);
      }

      // Jobs: the ones running and starting; a finished one until its record is stored; after that only a failed
      // trial's among those shown in status (its pod's log tells why; they are few: at most maxFailedTrials + 1
      // plus the ones stopped). A succeeded trial's Job goes once recorded: each kept Job is rendered on every
      // reconcile, and a run of 1,000 trials must not pay for 50 of them each time.
      // Started now: Pending until their Jobs are seen.
      const records = decided.records.map((r, i) => r ?? (decided.start.includes(i) ? { index: i, name: names[i]!, parameters: plan[i]!, phase: 'Pending' as const } : undefined));
      const shownTrials = statusTrials(records, experiment.spec.objective);
      // A failed trial's Job stays while this status shows the trial.
      const shownNames = new Set(shownTrials.map((t) => t.name));
      const keep = (r: TrialRecord) => {
        if (r.reason === 'Stopped') return false;
        if (!stored.has(r.name)) return true;
        return r.phase === 'Failed' && shownNames.has(r.name);
      };
      const desired: KubeObject[] = [];
      // Everything renderTrialJob reads besides the trial itself (the options are the controller's, fixed).
      const jobsFingerprint = JSON.stringify([
        experiment.metadata.name,
        experiment.metadata.namespace,
        uid,
        experiment.metadata.labels,
        experiment.metadata.annotations,
        specJson,
        run,
        dataset.metadata?.name,
        dataset.spec.source.uri,
        dataset.spec.source.format,
        status.datasetVersion,
      ]);
      if (memo.jobs?.fingerprint !== jobsFingerprint) memo.jobs = { fingerprint: jobsFingerprint, byName: new Map() };
      const renderedJobs = memo.jobs.byName;
      const rendered = new Map<string, KubeObject>();
      const render = (index: number) => {
        const name = names[index]!;
        const job = renderedJobs.get(name) ?? renderFresh(index);
        rendered.set(name, job);
        return job;
      };
      const renderFresh = (index: number) => {
        try {
          return renderTrialJob({
            experiment,
            run,
            name: names[index]!,
            parameters: plan[index]!,
            dataset: { name: dataset.metadata?.name ?? '', uri: dataset.spec.source.uri, sha256: (status.datasetVersion ?? '').replace(/^sha256:/, ''), format: dataset.spec.source.format },
            artifactsUri: artifacts(names[index]!),
            cairnImage: options.cairnImage,
            timeoutSeconds: Math.max(1, Math.ceil(parseDuration(experiment.spec.trialTimeout ?? '30m') / 1000)),
            ...(options.placement ? { placement: options.placement } : {}),
            ...(options.allowFileUrls ? { allowFileUrls: true } : {}),
          }) as unknown as KubeObject;
        } catch (err) {
          if (isRenderError(err)) throw new StalledError(KitReason.InvalidSpec, err.message);
          throw err;
        }
      };
      for (const r of decided.records) if (r && ownJobs.has(r.name) && keep(r)) desired.push(render(r.index));
      for (const index of decided.start) desired.push(render(index));
      // Only the Jobs desired now stay in the memo: a run of 1,000 trials keeps some ten.
      memo.jobs.byName = rendered;
      const jsonl = tableJsonl(decided.records.filter((r): r is TrialRecord => r !== undefined));
      if (memo.table?.fingerprint !== jobsFingerprint || memo.table.jsonl !== jsonl) {
        memo.table = { fingerprint: jobsFingerprint, jsonl, object: renderTrialTable(experiment, run, jsonl) as unknown as KubeObject };
      }
      desired.push(memo.table.object);
      // The Jobs and the table are written with the status, not before it: a pod's end then costs one round trip
      // to the API server, not two. The table is the record a Job is pruned on, and the status carries the same
      // records, so neither write needs the other first.
      scope.applyChildrenWithStatus(desired, ExperimentReason.JobApplyFailed);

      const counts = countTrials(records);
      const best = bestTrial(records.filter((r): r is TrialRecord => r !== undefined && r.model !== undefined), experiment.spec.objective);
      status.phase = decided.phase;
      status.progress = `${counts.succeeded + counts.failed}/${counts.total}`;
      status.trialCounts = counts;
      status.trialsConfigMap = trialTableName(experiment.metadata.name);
      status.trials = shownTrials;
      if (best) {
        status.bestTrial = best.name;
        status.bestMetric = best.metrics![experiment.spec.objective.metric]!;
      } else {
        delete status.bestTrial;
        delete status.bestMetric;
      }
      const summary = `run ${run}: ${status.progress} trials done (${counts.running} running, ${counts.failed} failed, ${counts.passed} passed)`;
      if (decided.phase === 'Failed') {
        scope.conditions.remove(ExperimentCondition.Running);
        scope.conditions.remove(ExperimentCondition.Succeeded);
        scope.conditions.set(ExperimentCondition.Failed, { status: 'True', reason: ExperimentReason.MaxFailedTrialsReached, message: `Run ${run} failed: ${decided.failure}; nothing is registered. ${lastFailure(records)}` });
        return 'stop';
      }
      if (decided.phase === 'Running') {
        scope.conditions.set(ExperimentCondition.Running, { status: 'True', reason: ExperimentReason.TrialsRunning, message: summary });
        scope.conditions.progressing(summary);
        return 'stop';
      }
      scope.conditions.remove(ExperimentCondition.Running);
      return undefined;
    }

    /**
     * Step 3: the run is over with every trial finished. Registers the best passing trial as ModelVersion
     * `<model>-<next version>` once (found again by the Experiment's uid and run after a restart): Succeeded=True
     * Registered. No trial passed: Succeeded=False NoTrialPassed with why. Nothing to register: RunCompleted.
     */
    async function registerModel(scope: Scope<ExperimentObject>) {
      const { object: experiment, status } = scope;
      const context = contexts.get(scope.key)!;
      const records = (context.schedule?.records ?? []).filter((r): r is TrialRecord => r !== undefined);
      const run = status.run!;
      const best = records.find((r) => r.name === status.bestTrial);
      if (!best) {
        const message = `Run ${run}: none of ${records.length} trials passed the gate${gateSummary(records)}`;
        scope.conditions.set(ExperimentCondition.Succeeded, { status: 'False', reason: ExperimentReason.NoTrialPassed, message });
        return;
      }
      const metric = `${experiment.spec.objective.metric}=${best.metrics?.[experiment.spec.objective.metric]}`;
      const register = experiment.spec.register;
      if (!register || register.policy === 'none') {
        const message = `Run ${run}: best trial ${best.name} (${metric}); nothing registered (${register ? 'register.policy is none' : 'no register in the spec'})`;
        scope.conditions.set(ExperimentCondition.Succeeded, { status: 'True', reason: ExperimentReason.RunCompleted, message });
        scope.conditions.succeed(ExperimentReason.RunCompleted, message);
        return;
      }
      const uid = experiment.metadata.uid ?? '';
      const namespace = experiment.metadata.namespace!;
      if (!status.modelVersion) {
        const mine = registered.get(scope.key);
        const existing =
          mine && mine.uid === uid && mine.run === run
            ? mine.name
            : modelVersions.list(namespace).find((mv) => mv.metadata?.annotations?.[registeredByAnnotation] === uid && mv.metadata?.labels?.[LABEL_RUN] === String(run))?.metadata?.name;
        status.modelVersion = existing ?? (await createModelVersion(scope, best, register.model));
        registered.set(scope.key, { uid, run, name: status.modelVersion });
      }
      const message = `Registered ModelVersion ${status.modelVersion} from trial ${best.name} of run ${run} (${metric})`;
      scope.conditions.set(ExperimentCondition.Succeeded, { status: 'True', reason: ExperimentReason.Registered, message });
      scope.conditions.succeed(ExperimentReason.Registered, message);
    }

    /** Creates the ModelVersion with the model's next version number; a name taken meanwhile moves to the next. */
    async function createModelVersion(scope: Scope<ExperimentObject>, best: TrialRecord, model: string): Promise<string> {
      const { object: experiment, status } = scope;
      const namespace = experiment.metadata.namespace!;
      const dataset = contexts.get(scope.key)!.dataset!;
      const taken = modelVersions.list(namespace).filter((mv) => mv.spec?.model === model);
      let version = Math.max(0, ...taken.map((mv) => mv.spec.version)) + 1;
      for (let attempt = 0; attempt < 5; attempt++, version++) {
        const object = renderRegisteredModel({
          experiment: { name: experiment.metadata.name, namespace, uid: experiment.metadata.uid ?? '', gitRevision: experiment.metadata.annotations?.[gitRevisionAnnotation] },
          model,
          version,
          run: status.run!,
          trial: { name: best.name, parameters: best.parameters, metrics: best.metrics ?? {}, model: best.model! },
          dataset: { name: dataset.metadata?.name ?? '', version: status.datasetVersion ?? '', features: dataset.spec.schema.features.map((f) => f.name) },
          trainerImage: experiment.spec.trainer.image,
        });
        try {
          await scope.deps.kube.create(modelVersionResource, object as unknown as KubeObject, { signal: scope.signal });
          return modelVersionName(model, version);
        } catch (err) {
          if (!isAlreadyExists(err)) throw new TransientError(ExperimentReason.RegistrationFailed, `creating ModelVersion ${modelVersionName(model, version)}: ${describeError(err)}`, { cause: err });
        }
      }
      throw new TransientError(ExperimentReason.RegistrationFailed, `ModelVersion names ${model}-${version - 5} to ${model}-${version - 1} are taken; trying again`);
    }

    return kindController<ExperimentObject>(deps, {
      name: 'experiment',
      resource: experimentResource,
      conditions: experimentConditions,
      steps: [startRun, runTrials, registerModel],
      children: [builtin.job, builtin.configMap],
      // Only the Job and pod changes observeJob reads: the others would each queue a reconcile the pod ends wait behind.
      childPredicates: { [builtin.job.kind]: (event) => trialJobEventMatters(event, isRecorded) },
      // Our own status writes change neither: no reconcile loop. The rerun annotation is metadata.
      predicate: anyOf(generationChanged, metadataChanged),
      watches: [
        {
          resource: datasetResource,
          map: (dataset) =>
            experiments
              .list(dataset.metadata?.namespace)
              .filter((e) => e.spec?.datasetRef?.name === dataset.metadata?.name)
              .map((e) => keyOf(e.metadata.namespace, e.metadata.name)),
        },
        // A trial pod's final status (its termination messages) may arrive after its Job's.
        jobPodsWatch('Experiment', (event) => trialPodEventMatters(event, isRecorded)),
      ],
      forget: (req) => {
        contexts.delete(req.key);
        memos.delete(req.key);
        registered.delete(req.key);
      },
    });
  };
}

/** `sha256:<hex>` when the Dataset is Ready and its verified version is the one its spec pins; else undefined. */
function verifiedVersion(dataset: DatasetObject): string | undefined {
  const version = dataset.status?.version;
  const ready = dataset.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  if (!ready || !version) return undefined;
  return version === `sha256:${dataset.spec.source.sha256}` ? version : undefined;
}

function podIsFinal(pods: readonly Frozen<KubeObject>[]): boolean {
  return pods.some((p) => {
    const phase = (p as { status?: { phase?: string } }).status?.phase;
    return phase === 'Succeeded' || phase === 'Failed';
  });
}

function longFinished(job: Frozen<KubeObject>, now: number): boolean {
  const completed = (job as { status?: { completionTime?: string } }).status?.completionTime;
  return completed === undefined || now - Date.parse(completed) > podCacheGraceMs;
}

function fromStatusTrial(t: NonNullable<ExperimentStatus['trials']>[number], index: number, parameters: TrialParameters): TrialRecord {
  const [reason, ...rest] = (t.message ?? '').split(': ');
  const failed = t.phase === 'Failed';
  return {
    index,
    name: t.name,
    parameters,
    phase: t.phase,
    ...(t.metrics ? { metrics: t.metrics } : {}),
    ...(t.passed !== undefined ? { passed: t.passed } : {}),
    ...(t.model ? { model: t.model } : {}),
    ...(failed && reason && /^[A-Z][A-Za-z]*$/.test(reason) ? { reason, message: rest.join(': ') } : t.message ? { message: t.message } : {}),
  };
}

function lastFailure(records: ReadonlyArray<TrialRecord | undefined>): string {
  const failed = records.filter((r): r is TrialRecord => r?.phase === 'Failed' && r.reason !== 'Stopped');
  const last = failed.at(-1);
  return last ? `Last failure: ${last.name}: ${last.reason}: ${last.message ?? ''}` : '';
}

/** Why no trial passed, for the condition: each trial's gate failure or error, the first few. */
function gateSummary(records: readonly TrialRecord[]): string {
  const lines = records.slice(0, 3).map((r) => `${r.name}: ${r.phase === 'Failed' ? `${r.reason}: ${r.message ?? ''}` : (r.message ?? 'no metrics')}`);
  return lines.length > 0 ? `: ${lines.join('; ')}${records.length > 3 ? `; ... (${records.length - 3} more)` : ''}` : '';
}

/**
 * The Dataset controller: runs `cairn profile` as a Job for the pinned version (src/render/profile-job.ts),
 * records what it found (Verified, Validated, version, rows, figures, the profile's ConfigMap) and keeps the
 * Job's narrow RBAC (src/render/profile-access.ts). One Job per input: a new sha256, schema, gate or bin count
 * is a new Job name; a recorded result is kept until the input changes, so a finished Job is pruned and never
 * run again, except after a failure that may pass (storage unreachable, out of memory), retried by a new Job
 * once the failed one expires.
 */
import type { Dataset } from '../../api/kinds/dataset.js';
import type { ControllerDeps, ControllerFactory } from '../../runtime/controller.js';
import { StalledError, TransientError, WaitingError } from '../../runtime/errors.js';
import type { KubeObject } from '../../runtime/kube/object.js';
import { builtin } from '../../runtime/kube/resource.js';
import { generationChanged } from '../../runtime/predicates.js';
import { isRenderError } from '../../render/errors.js';
import { decidedByPod, observeJob } from '../../render/observe-job.js';
import { renderProfileAccess, type ProfileAccess } from '../../render/profile-access.js';
import { PROFILE_CONTAINER, renderProfileJob } from '../../render/profile-job.js';
import type { Job, Toleration } from '../../render/types.js';
import { PROFILE_JOB_ANNOTATION, PROFILE_VERSION_ANNOTATION, VALIDATION_KEY } from '../../profile/configmap-write.js';
import { renderProfileSnapshot } from '../../render/profile-snapshot.js';
import type { Frozen } from '../../runtime/kube/object.js';
import { keyOf } from '../../runtime/keys.js';
import { childSelector, jobPodsWatch, KitReason, kindController, type Scope } from '../kit/index.js';
import { cairnResource } from '../resources.js';
import { DatasetReason, datasetConditions } from './reasons.js';
import { datasetChildren, role, roleBinding } from './resources.js';
import { profileVerdict } from './result.js';
import { asSnapshot, keptSnapshots } from './snapshots.js';
import { profiledMessage, recordInvalid, recordJobFailure, recordProfiling, recordSuccess, recordUnverified, type ProfileSummary } from './status.js';

export const datasetResource = cairnResource('Dataset');

/** The image of `cairn` for the profile Job when none is configured (the operator's own release). */
export const DEFAULT_CAIRN_IMAGE = 'ghcr.io/cairn-dev/cairn:0.1.0';

export interface DatasetControllerOptions {
  /** The image with the `cairn` command that profile Jobs run. */
  cairnImage?: string;
  /** Placement of profile pods (a node pool; the local node's `cairn.dev/local-node`). */
  nodeSelector?: Readonly<Record<string, string>>;
  tolerations?: readonly Toleration[];
  /** Deadline of one profile Job, seconds. */
  timeoutSeconds?: number;
}

type DatasetObject = Dataset & KubeObject & { metadata: { name: string; namespace: string } };
type ConfigMap = KubeObject & { data?: Record<string, string> };
type ModelVersionObject = KubeObject & { spec?: { lineage?: { dataset?: { name?: string; version?: string } } } };

/** How soon to look again when a Job finished but its pod's or ConfigMap's update has not reached the caches yet. */
const cacheLagMs = 1_000;
/** How soon to look again at a pod that cannot start (an image pull, an unschedulable pod). */
const stuckRecheckMs = 10_000;

export function datasetController(options: DatasetControllerOptions = {}): ControllerFactory {
  return (deps: ControllerDeps) => {
    const cache = (res: (typeof datasetChildren)[number]) => deps.informers.for<KubeObject>(res, { labelSelector: childSelector });
    const pods = deps.informers.for<KubeObject>(builtin.pod, { labelSelector: childSelector });
    const modelVersions = deps.informers.for<ModelVersionObject>(cairnResource('ModelVersion'));

    /**
     * The profile snapshots to apply (src/controllers/dataset/snapshots.ts): the current version's once its
     * profile is written and recorded, the newest few, and those a ModelVersion's lineage names.
     */
    function snapshots(dataset: DatasetObject, version: string | undefined, configMap: string): KubeObject[] {
      const { name, namespace, uid } = dataset.metadata;
      const live = (cache(builtin.configMap).list(namespace) as Array<Frozen<ConfigMap>>)
        .filter((cm) => cm.metadata?.ownerReferences?.some((r) => r.controller === true && r.uid === uid))
        .flatMap((cm) => asSnapshot(name, cm) ?? []);
      const written = cache(builtin.configMap).get(configMap, namespace) as Frozen<ConfigMap> | undefined;
      const current = version !== undefined && written?.metadata?.annotations?.[PROFILE_VERSION_ANNOTATION] === version && written.data ? { version, data: { ...written.data } } : undefined;
      const namedByModels = new Set(
        modelVersions
          .list(namespace)
          .flatMap((mv) => (mv.spec?.lineage?.dataset?.name === name && mv.spec.lineage.dataset.version ? [mv.spec.lineage.dataset.version] : [])),
      );
      return keptSnapshots({ dataset: name, live, ...(current ? { current } : {}), namedByModels }).map((s) => renderProfileSnapshot(dataset, s.version, s.data) as unknown as KubeObject);
    }

    function render(dataset: DatasetObject, image = options.cairnImage ?? DEFAULT_CAIRN_IMAGE): { access: ProfileAccess; job: Job } {
      try {
        return {
          access: renderProfileAccess(dataset),
          job: renderProfileJob({
            dataset,
            cairnImage: image,
            allowFileUrls: deps.settings.allowFileUrls,
            ...(options.timeoutSeconds ? { timeoutSeconds: options.timeoutSeconds } : {}),
            ...(options.nodeSelector ? { nodeSelector: options.nodeSelector } : {}),
            ...(options.tolerations ? { tolerations: options.tolerations } : {}),
          }),
        };
      } catch (err) {
        if (isRenderError(err)) throw new StalledError(KitReason.InvalidSpec, err.message);
        throw err;
      }
    }

    /** The profile in the ConfigMap, when it is the one `jobName` wrote for the spec's version. */
    function writtenSummary(dataset: DatasetObject, configMap: string, jobName: string): ProfileSummary | undefined {
      const live = cache(builtin.configMap).get(configMap, dataset.metadata.namespace) as ConfigMap | undefined;
      const annotations = live?.metadata?.annotations ?? {};
      if (annotations[PROFILE_VERSION_ANNOTATION] !== `sha256:${dataset.spec.source.sha256}` || annotations[PROFILE_JOB_ANNOTATION] !== jobName) return undefined;
      try {
        return JSON.parse(live?.data?.[VALIDATION_KEY] ?? '') as ProfileSummary;
      } catch {
        return undefined;
      }
    }

    /**
     * Step 1: what became of the profile Job of the current spec, into Verified, Validated and the status
     * figures; then the Job's ServiceAccount, Role, RoleBinding and pending ConfigMap, and the Job itself while
     * it has a result to give. Reconciling while it runs. Throws WaitingError while a pod cannot start or a
     * finished Job's writes have not reached the caches, TransientError when the Job failed for a reason of its
     * own (a new Job runs once the failed one expires), StalledError (InvalidSpec) for a spec no Job can run.
     */
    async function profile(scope: Scope<DatasetObject>): Promise<void> {
      const dataset = scope.object;
      const rendered = render(dataset);
      const { access } = rendered;
      const jobName = rendered.job.metadata.name;
      const configMap = access.configMap.metadata.name;
      const recorded = scope.status.profileJob;
      const live = cache(builtin.job).get(jobName, dataset.metadata.namespace);
      // A Job's pod template is immutable and the image is not part of its name (an operator upgrade does not
      // profile every Dataset again): a Job that exists keeps the image it was created with.
      const liveImage = (live as Job | undefined)?.spec?.template?.spec?.containers?.[0]?.image;
      const job = liveImage && liveImage !== rendered.job.spec.template.spec.containers[0]?.image ? render(dataset, liveImage).job : rendered.job;
      // A recorded success whose ConfigMap lost the profile (deleted, edited) is profiled again.
      const profileLost = recorded?.name === jobName && recorded.result === 'Succeeded' && !writtenSummary(dataset, configMap, jobName);
      // A finished Job is pruned only once the cache shows its result recorded: pruned earlier, a reconcile that
      // reads a status older than our own write would see neither result nor Job, and run the Job again.
      let keepJob = true;
      let failure: Error | undefined;
      if (profileLost) {
        // The finished Job of that name goes first: a new one of the same name runs once it is gone.
        delete scope.status.profileJob;
        recordProfiling(scope.conditions, jobName);
        scope.conditions.progressing(`ConfigMap ${configMap} lost its profile; profiling again`);
        keepJob = live === undefined;
        if (live) scope.requeueAfter(cacheLagMs);
      } else if (recorded?.name === jobName && recorded.result !== 'Retrying') {
        keepJob = false;
        if (recorded.result === 'Succeeded') scope.conditions.succeed(DatasetReason.Profiled, profiledMessage(scope.status.rows));
      } else if (!live) {
        if (recorded?.name !== jobName) recordProfiling(scope.conditions, jobName);
        scope.conditions.progressing(`Starting Job ${jobName}`);
      } else {
        const jobPods = pods.list(dataset.metadata.namespace);
        const observation = observeJob(decidedByPod(live, jobPods), jobPods, { container: PROFILE_CONTAINER });
        const verdict = profileVerdict(observation, jobName);
        const finished = verdict.kind !== 'running' && verdict.kind !== 'stuck';
        if (finished && observation.exitCode === undefined && observation.pod !== undefined) {
          failure = new WaitingError(DatasetReason.ProfilePending, `Job ${jobName} finished; waiting for its pod's status`, cacheLagMs);
        } else if (verdict.kind === 'running') {
          if (recorded?.name !== jobName) recordProfiling(scope.conditions, jobName);
          scope.conditions.progressing(verdict.message);
        } else if (verdict.kind === 'stuck') {
          if (recorded?.name !== jobName) recordProfiling(scope.conditions, jobName);
          failure = new WaitingError(verdict.reason, verdict.message, stuckRecheckMs);
        } else if (verdict.kind === 'succeeded') {
          const summary = writtenSummary(dataset, configMap, jobName);
          if (!summary) failure = new WaitingError(DatasetReason.ProfilePending, `Job ${jobName} succeeded; waiting for ConfigMap ${configMap} to show its profile`, cacheLagMs);
          else {
            recordSuccess(scope.status, scope.conditions, { spec: dataset.spec, jobName, configMap, summary });
            scope.requeueAfter(cacheLagMs);
          }
        } else if (verdict.kind === 'unverified') {
          recordUnverified(scope.status, scope.conditions, { jobName, reason: verdict.reason, message: verdict.message, final: verdict.final });
          if (verdict.final) scope.requeueAfter(cacheLagMs);
        } else if (verdict.kind === 'invalid') {
          recordInvalid(scope.status, scope.conditions, { spec: dataset.spec, jobName, reason: verdict.reason, message: verdict.message, ...(verdict.validation ? { validation: verdict.validation } : {}) });
          scope.requeueAfter(cacheLagMs);
        } else {
          recordJobFailure(scope.status, jobName);
          failure = new TransientError(verdict.reason, `${verdict.message} (a new Job tries again when the failed one expires)`);
        }
      }
      // The pod cannot start before its ServiceAccount exists, nor write before the Role, RoleBinding and ConfigMap do.
      const accessReady = [builtin.configMap, builtin.serviceAccount, role, roleBinding].every((res) => cache(res).get(configMap, dataset.metadata.namespace) !== undefined);
      const withJob = keepJob && (live !== undefined || accessReady);
      const recordedVersion = scope.status.profileJob?.result === 'Succeeded' ? scope.status.version : undefined;
      const kept = snapshots(dataset, recordedVersion, configMap);
      const outcome = await scope.applyChildren([access.configMap, ...kept, access.serviceAccount, access.role, access.roleBinding, ...(withJob ? [job] : [])]);
      if (outcome.errors.length > 0) {
        const first = outcome.errors[0]!;
        throw new TransientError(DatasetReason.ApplyFailed, `Could not ${first.action} ${first.kind} ${first.name}: ${first.message}`);
      }
      if (failure) throw failure;
    }

    return kindController<DatasetObject>(deps, {
      name: 'dataset',
      resource: datasetResource,
      conditions: datasetConditions,
      steps: [profile],
      children: datasetChildren,
      predicate: generationChanged,
      // A ModelVersion's lineage keeps its data version's profile snapshot; a new or deleted one changes what is kept.
      watches: [
        { resource: cairnResource('ModelVersion'), map: (mv: Frozen<ModelVersionObject>) => {
          const name = mv.spec?.lineage?.dataset?.name;
          return name && mv.metadata?.namespace ? [keyOf(mv.metadata.namespace, name)] : [];
        } },
        // The profile pod's end, read at once rather than after the Job controller's batched update of the Job.
        jobPodsWatch('Dataset'),
      ],
    });
  };
}

/**
 * The ModelVersion controller: runs `cairn model inspect` as a Job (src/render/inspect-job.ts) and records what it
 * found: Verified (the sha256 matched and ONNX Runtime loaded the file) and status.signature. The spec is
 * immutable (a CEL rule), so a recorded verdict stands: once Verified is True, or False for a reason no new Job
 * can change (ChecksumMismatch, ModelUnloadable...), the Job is pruned and never run again. A failure that may
 * pass (the file not uploaded yet, a missing Secret, the store down, the Job out of memory) keeps the failed Job
 * until it expires, and a new Job then tries again. A ModelVersion from Git or from kubectl is the same object.
 */
import type { ModelVersion } from '../../api/kinds/modelversion.js';
import type { ControllerDeps, ControllerFactory } from '../../runtime/controller.js';
import { StalledError, TransientError, WaitingError } from '../../runtime/errors.js';
import type { KubeObject } from '../../runtime/kube/object.js';
import { builtin } from '../../runtime/kube/resource.js';
import { generationChanged } from '../../runtime/predicates.js';
import { isRenderError } from '../../render/errors.js';
import { INSPECT_CONTAINER, INSPECT_RETRY_AFTER_SECONDS, renderInspectJob } from '../../render/inspect-job.js';
import { decidedByPod, observeJob } from '../../render/observe-job.js';
import type { Job } from '../../render/types.js';
import { childSelector, jobPodsWatch, KitReason, kindController, type Scope } from '../kit/index.js';
import { cairnResource } from '../resources.js';
import { finalReasons, ModelVersionCondition, modelVersionConditions, ModelVersionReason } from './reasons.js';
import { inspectVerdict } from './result.js';

export const modelVersionResource = cairnResource('ModelVersion');

/** The image of `cairn` for the inspect Job when none is configured (the operator's own release). */
export const DEFAULT_CAIRN_IMAGE = 'ghcr.io/cairn-dev/cairn:0.1.0';

export interface ModelVersionControllerOptions {
  /** The image with the `cairn` command that inspect Jobs run. */
  cairnImage?: string;
  /** Deadline of one inspect Job, seconds. */
  timeoutSeconds?: number;
}

type ModelVersionObject = ModelVersion & KubeObject & { metadata: { name: string; namespace: string } };

/** How soon to look again when a Job finished but its pod's status has not reached the cache yet. */
const cacheLagMs = 1_000;
/** How soon to look again at a pod that cannot start (an image pull, a missing claim). */
const stuckRecheckMs = 10_000;

const { Verified } = ModelVersionCondition;

export function modelVersionController(options: ModelVersionControllerOptions = {}): ControllerFactory {
  return (deps: ControllerDeps) => {
    const jobs = deps.informers.for<KubeObject>(builtin.job, { labelSelector: childSelector });
    const pods = deps.informers.for<KubeObject>(builtin.pod, { labelSelector: childSelector });

    function render(modelVersion: ModelVersionObject): Job {
      try {
        return renderInspectJob({
          modelVersion,
          cairnImage: options.cairnImage ?? DEFAULT_CAIRN_IMAGE,
          allowFileUrls: deps.settings.allowFileUrls,
          ...(options.timeoutSeconds ? { timeoutSeconds: options.timeoutSeconds } : {}),
        });
      } catch (err) {
        if (isRenderError(err)) throw new StalledError(KitReason.InvalidSpec, err.message);
        throw err;
      }
    }

    async function apply(scope: Scope<ModelVersionObject>, desired: Job[]): Promise<void> {
      const outcome = await scope.applyChildren(desired);
      if (outcome.errors.length > 0) {
        const first = outcome.errors[0]!;
        throw new TransientError(ModelVersionReason.ApplyFailed, `Could not ${first.action} ${first.kind} ${first.name}: ${first.message}`);
      }
    }

    /**
     * The Job that gave a final verdict stays until a later reconcile reads that verdict back from the cache,
     * which then prunes it: pruned now, its deletion could wake a reconcile whose cached object does not show
     * the status written meanwhile, which would start the Job again.
     */
    async function keepUntilRecorded(scope: Scope<ModelVersionObject>, job: Job): Promise<void> {
      scope.requeueAfter(cacheLagMs);
      return apply(scope, [job]);
    }

    const readyMessage = (scope: Scope<ModelVersionObject>) => `Model ${scope.object.spec.model} version ${scope.object.spec.version}: ${scope.conditions.get(Verified)?.message ?? 'verified'}`;

    /**
     * The one step: a recorded verdict stands (the Job is pruned); else the inspect Job is applied and, once it
     * ended, read into Verified (True with status.signature, or False with cairn model inspect's reason).
     * Reconciling while it runs. Throws WaitingError while its pod cannot start or its end has not reached the
     * pod cache, StalledError (InvalidSpec) for an artifact the operator may not read (file:// without
     * --allow-file-urls), TransientError when an apply fails.
     */
    async function inspect(scope: Scope<ModelVersionObject>): Promise<void> {
      const modelVersion = scope.object;
      const job = render(modelVersion);
      const jobName = job.metadata.name;
      const recorded = scope.conditions.get(Verified);
      if (recorded?.status === 'True' && scope.status.signature) {
        scope.conditions.succeed(ModelVersionReason.Verified, readyMessage(scope));
        return apply(scope, []);
      }
      if (recorded?.status === 'False' && finalReasons.has(recorded.reason)) return apply(scope, []);

      const live = jobs.get(jobName, modelVersion.metadata.namespace);
      if (!live) {
        if (recorded === undefined || recorded.status === 'True') {
          scope.conditions.set(Verified, { status: 'Unknown', reason: ModelVersionReason.Inspecting, message: `Job ${jobName} inspects the model` });
        }
        scope.conditions.progressing(`Starting Job ${jobName}`);
        return apply(scope, [job]);
      }
      const jobPods = pods.list(modelVersion.metadata.namespace);
      const observation = observeJob(decidedByPod(live, jobPods), jobPods, { container: INSPECT_CONTAINER });
      const verdict = inspectVerdict(observation, jobName, modelVersion.spec.artifact.sha256);
      if ((verdict.kind === 'verified' || verdict.kind === 'failed') && observation.exitCode === undefined && observation.pod !== undefined) {
        await apply(scope, [job]);
        throw new WaitingError(ModelVersionReason.InspectPending, `Job ${jobName} finished; waiting for its pod's status`, cacheLagMs);
      }
      switch (verdict.kind) {
        case 'running':
          scope.conditions.progressing(verdict.message);
          return apply(scope, [job]);
        case 'stuck':
          await apply(scope, [job]);
          throw new WaitingError(verdict.reason, verdict.message, stuckRecheckMs);
        case 'verified':
          scope.status.signature = verdict.signature;
          scope.conditions.set(Verified, { status: 'True', reason: ModelVersionReason.Verified, message: verdict.message });
          scope.conditions.succeed(ModelVersionReason.Verified, readyMessage(scope));
          return keepUntilRecorded(scope, job);
        case 'failed':
          delete scope.status.signature;
          scope.conditions.set(Verified, { status: 'False', reason: verdict.reason, message: verdict.message });
          if (verdict.final) return keepUntilRecorded(scope, job);
          // Kept until it expires (ttlSecondsAfterFinished); its deletion wakes this controller for the next try.
          scope.conditions.retrying(`Job ${jobName} failed (${verdict.reason}); a new Job tries again once it expires (${INSPECT_RETRY_AFTER_SECONDS} s)`);
          scope.requeueAfter((INSPECT_RETRY_AFTER_SECONDS + 30) * 1000);
          return apply(scope, [job]);
      }
    }

    return kindController<ModelVersionObject>(deps, {
      name: 'modelversion',
      resource: modelVersionResource,
      conditions: modelVersionConditions,
      steps: [inspect],
      children: [builtin.job],
      predicate: generationChanged,
      // The inspect pod's end, read at once rather than after the Job controller's batched update of the Job.
      watches: [jobPodsWatch('ModelVersion')],
    });
  };
}

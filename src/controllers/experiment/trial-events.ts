/**
 * Which events of a trial's Job and pods the Experiment's reconcile needs, on top of the kit's jobVerdictChanged
 * and podOutcomeChanged. A dropped event costs nothing when the reconcile it would queue decides the same
 * (docs/style.md §1: the next reconcile reads the whole cache anyway); each one dropped is a reconcile a trial
 * pod's end does not wait behind.
 *
 * - A trial recorded in the trial table (as cached) is never read from its Job and pods again: what they do next
 *   (the Job's Complete condition, their deletion after the prune, the pods' last updates) changes nothing. Its
 *   Job's prune is started by the table's own event. A hand edit of a Job kept to show a failure still passes.
 * - A Job or pod that appears telling nothing reads as a trial Pending, which the status says from the moment the
 *   trial starts: the echo of the operator's own Job creation, and the Job controller's new pod before it starts.
 */
import type { InformerEvent } from '../../runtime/informer.js';
import type { KubeObject } from '../../runtime/kube/object.js';
import { hasStarted, stuckReason } from '../../render/job-pods.js';
import { jobEdited, jobOutcomeView, jobVerdictChanged, podOutcomeChanged } from '../kit/index.js';

/** Whether the trial of this Job or pod (its `cairn.dev/trial` label) is recorded in its Experiment's table. */
export type RecordedTrial = (object: KubeObject) => boolean;

const silentJob = JSON.stringify(jobOutcomeView({}, { ready: false }));

/** A Job whose status says nothing yet: no condition, no ended pod. */
const jobSaysNothing = (job: KubeObject): boolean => JSON.stringify(jobOutcomeView(job, { ready: false })) === silentJob;

/** A pod that has not started, is not stuck, has not ended and is not being deleted. */
function podSaysNothing(pod: KubeObject): boolean {
  const phase = (pod as { status?: { phase?: unknown } }).status?.phase;
  return pod.metadata?.deletionTimestamp === undefined && phase !== 'Succeeded' && phase !== 'Failed' && !hasStarted(pod as Record<string, unknown>) && stuckReason(pod as Record<string, unknown>) === undefined;
}

export function trialJobEventMatters(event: InformerEvent<KubeObject>, recorded: RecordedTrial): boolean {
  if (recorded(event.object as KubeObject)) return event.type === 'update' && jobEdited(event);
  if (event.type === 'add') return !jobSaysNothing(event.object as KubeObject);
  return jobVerdictChanged(event);
}

export function trialPodEventMatters(event: InformerEvent<KubeObject>, recorded: RecordedTrial): boolean {
  if (recorded(event.object as KubeObject)) return false;
  if (event.type === 'add') return !podSaysNothing(event.object as KubeObject);
  return podOutcomeChanged(event);
}

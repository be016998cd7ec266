/**
 * observeJob: what became of a Job, from the Job and its pods as the API server returns them. Pure and total:
 * whatever it is given (a Job without status, pods of another shape, null), it returns an observation and
 * never throws, so a reconcile can always record what it saw.
 */
import { containerCount, hasStarted, jobPods, mainContainerName, relevantPod, stuckReason, subjectContainer, terminatedOf, type Stuck } from './job-pods.js';
import { dictsAt, integerAt, isDict, textAt, type Dict } from './read.js';
import { parseTerminationMessage, terminationMessageLimit, type TerminationMessage } from './termination.js';

export type JobPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface JobObservation {
  /**
   * Pending: no pod of the Job has started (none yet, unschedulable, pulling images, suspended). Running: one
   * has. Succeeded / Failed: the Job says so (its conditions, else its counts).
   */
  phase: JobPhase;
  /**
   * CamelCase: for Failed, DeadlineExceeded (the Job's deadline), else the container's reason when the
   * container failed (OOMKilled, Error, StartError, ContainerCannotRun), else the pod's (Evicted), else the
   * Job's (BackoffLimitExceeded, PodFailurePolicy); for Succeeded, Completed or the Job's; for Pending, why it
   * is stuck (ImagePullBackOff, CreateContainerConfigError, Unschedulable, Suspended), if it is.
   */
  reason?: string;
  /** The container's termination message (or, for a failed container without one, its log tail), else the message that goes with the reason. */
  message?: string;
  /** The exit code of the container, once it terminated. */
  exitCode?: number;
  /** The container the reason, exit code and termination message come from. */
  container?: string;
  /** The pod they come from (the latest, preferring one that ended as the Job did). */
  pod?: string;
  /** The container's termination message, parsed (see parseTerminationMessage). */
  termination: TerminationMessage;
}

export interface ObserveJobOptions {
  /** The container whose result is the Job's; default the first container of the pod's spec. */
  container?: string;
}

interface Outcome {
  phase?: 'Succeeded' | 'Failed';
  reason?: string;
  message?: string;
  /** Suspended, and not finished. */
  suspended?: boolean;
}

/** Terminal conditions in the order they decide (Failed and Complete are final; the *Target ones come first in 1.31+). */
const terminalConditions: ReadonlyArray<readonly [string, 'Succeeded' | 'Failed']> = [
  ['Failed', 'Failed'],
  ['Complete', 'Succeeded'],
  ['FailureTarget', 'Failed'],
  ['SuccessCriteriaMet', 'Succeeded'],
];

/** The Job's own verdict: its conditions, else its counts (completions and backoffLimit as the Job controller defaults them). */
function jobOutcome(job: unknown): Outcome {
  const conditions = dictsAt(job, 'status', 'conditions').filter((c) => c.status === 'True');
  for (const [type, phase] of terminalConditions) {
    const condition = conditions.find((c) => c.type === type);
    if (condition) return { phase, reason: textAt(condition, 'reason'), message: textAt(condition, 'message') };
  }
  const succeeded = integerAt(job, 'status', 'succeeded') ?? 0;
  if (succeeded > 0 && succeeded >= (integerAt(job, 'spec', 'completions') ?? 1)) return { phase: 'Succeeded' };
  const failed = integerAt(job, 'status', 'failed') ?? 0;
  if (failed > (integerAt(job, 'spec', 'backoffLimit') ?? 6)) return { phase: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
  const suspended = conditions.find((c) => c.type === 'Suspended');
  if (suspended) return { suspended: true, message: textAt(suspended, 'message') };
  return {};
}

/** Container reasons that only restate the exit code. */
const plainEnds = new Set(['Completed', 'Error']);

/** Why a Failed Job failed, and the message that goes with it (see JobObservation.reason). */
function failure(outcome: Outcome, pod: Dict | undefined, terminated: Dict | undefined): { reason?: string; message?: string } {
  const fromContainer = { reason: textAt(terminated, 'reason'), message: textAt(terminated, 'message') };
  const exitCode = integerAt(terminated, 'exitCode');
  const containerFailed = terminated !== undefined && exitCode !== 0;
  const disruption = dictsAt(pod, 'status', 'conditions').find((c) => c.type === 'DisruptionTarget' && c.status === 'True');
  const candidates = [
    outcome.reason === 'DeadlineExceeded' ? outcome : undefined,
    containerFailed && fromContainer.reason !== undefined && !plainEnds.has(fromContainer.reason) ? fromContainer : undefined,
    { reason: textAt(pod, 'status', 'reason'), message: textAt(pod, 'status', 'message') },
    { reason: textAt(disruption, 'reason'), message: textAt(disruption, 'message') },
    containerFailed ? fromContainer : undefined,
    outcome,
  ];
  const chosen = candidates.find((c) => c?.reason !== undefined);
  return { reason: chosen?.reason, message: chosen === fromContainer ? fromContainer.message : (chosen?.message ?? fromContainer.message) };
}

function observe(job: unknown, pods: unknown, wanted: string | undefined): JobObservation {
  const outcome = jobOutcome(job);
  const candidates = jobPods(pods, textAt(job, 'metadata', 'uid'));
  const mainOf = (p: Dict) => mainContainerName(p, job, wanted);
  const pod = relevantPod(candidates, outcome.phase, mainOf);
  const subject = subjectContainer(pod, pod === undefined ? undefined : mainOf(pod));
  const terminated = terminatedOf(subject);
  const termination = terminated === undefined ? { state: 'missing' as const } : parseTerminationMessage(terminated.message, terminationMessageLimit(containerCount(pod, job)));
  const base = {
    exitCode: integerAt(terminated, 'exitCode'),
    container: subject?.name,
    pod: textAt(pod, 'metadata', 'name'),
    termination,
  };
  if (outcome.phase === 'Failed') return defined({ phase: 'Failed', ...failure(outcome, pod, terminated), ...base });
  if (outcome.phase === 'Succeeded') {
    return defined({ phase: 'Succeeded', reason: textAt(terminated, 'reason') ?? outcome.reason, message: textAt(terminated, 'message') ?? outcome.message, ...base });
  }
  if ((integerAt(job, 'status', 'ready') ?? 0) > 0 || hasStarted(pod)) return defined({ phase: 'Running', ...base });
  const stuck: Stuck | undefined = outcome.suspended ? { reason: 'Suspended', message: outcome.message } : stuckReason(pod);
  return defined({ phase: 'Pending', ...base, reason: stuck?.reason, message: stuck?.message, container: stuck?.container ?? base.container });
}

/** The observation without the fields left undefined (so it equals its JSON round trip). */
function defined(observation: JobObservation): JobObservation {
  return Object.fromEntries(Object.entries(observation).filter(([, v]) => v !== undefined)) as unknown as JobObservation;
}

/**
 * What became of `job` (a batch/v1 Job) given its pods (batch/v1 Jobs' pods, as listed: any order, the
 * Job's own selected by their controller ownerReference). Reads the Job's conditions (Failed, Complete, and
 * FailureTarget, SuccessCriteriaMet of Kubernetes ≥ 1.31), else its counts; then the most relevant pod and
 * its main container's terminated state: exit code, reason, termination message. Never throws: input it
 * cannot read counts as absent, and should reading fail anyway, the Job is reported Pending with reason
 * ObservationFailed.
 */
export function observeJob(job: unknown, pods: unknown, options?: ObserveJobOptions): JobObservation {
  try {
    const wanted = typeof options?.container === 'string' && options.container !== '' ? options.container : undefined;
    return observe(job, pods, wanted);
  } catch (err) {
    return { phase: 'Pending', reason: 'ObservationFailed', message: `could not read the Job: ${describe(err)}`, termination: { state: 'missing' } };
  }
}

/** A thrown value as text, even one whose message or toString throws. */
function describe(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return 'an unreadable error';
  }
}

/**
 * The Job as its pod decides it, before kube-controller-manager's Job controller says so (it batches pod updates
 * for about a second): a Job of one completion whose pod succeeded will be Complete, and one with backoffLimit 0
 * (and no pod failure policy, which could ignore the failure) whose pod failed will be Failed. Such a Job comes
 * back as a copy with that condition added, so observeJob reads its end as soon as the pod's final status is
 * cached; any other Job comes back as it is. Pure.
 */
export function decidedByPod<T>(job: T, pods: readonly unknown[]): T {
  if (!isDict(job)) return job;
  const conditions = dictsAt(job, 'status', 'conditions');
  if (conditions.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')) return job;
  const uid = textAt(job, 'metadata', 'uid');
  if (uid === undefined) return job;
  const ended = pods
    .filter((p): p is Dict => isDict(p) && dictsAt(p, 'metadata', 'ownerReferences').some((r) => r.controller === true && r.uid === uid))
    .map((p) => textAt(p, 'status', 'phase'))
    .find((phase) => phase === 'Succeeded' || phase === 'Failed');
  const oneCompletion = (integerAt(job, 'spec', 'completions') ?? 1) === 1;
  const failsAtOnce = integerAt(job, 'spec', 'backoffLimit') === 0 && !isDict((job.spec as Dict | undefined)?.podFailurePolicy);
  if (ended === 'Succeeded' && oneCompletion) return withCondition(job, conditions, 'Complete');
  if (ended === 'Failed' && failsAtOnce) return withCondition(job, conditions, 'Failed');
  return job;
}

function withCondition<T>(job: Dict, conditions: Dict[], type: 'Complete' | 'Failed'): T {
  const status = isDict(job.status) ? job.status : {};
  return { ...job, status: { ...status, conditions: [...conditions, { type, status: 'True' }] } } as T;
}

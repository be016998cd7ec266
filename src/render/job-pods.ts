/**
 * The pods of a Job as observeJob reads them: which pod tells the Job's story, and which container of it.
 * Every function takes values of unknown shape and never throws.
 */
import { dictAt, dictsAt, integerAt, stringAt, textAt, timeAt, type Dict } from './read.js';

/** One container's status in a pod, with where it was found. */
export interface ContainerView {
  name: string;
  status: Dict;
  init: boolean;
}

/** The pods in `pods` (an array; anything else is none) that may belong to the Job with uid `jobUid`, latest first. */
export function jobPods(pods: unknown, jobUid: string | undefined): Dict[] {
  const list = Array.isArray(pods) ? pods.filter((p): p is Dict => typeof p === 'object' && p !== null && !Array.isArray(p)) : [];
  const ours = list.filter((pod) => {
    const controller = dictsAt(pod, 'metadata', 'ownerReferences').find((ref) => ref.controller === true);
    const uid = controller === undefined ? undefined : stringAt(controller, 'uid');
    return jobUid === undefined || uid === undefined || uid === jobUid;
  });
  const created = (pod: Dict) => timeAt(pod, 'metadata', 'creationTimestamp') ?? -Infinity;
  const name = (pod: Dict) => stringAt(pod, 'metadata', 'name') ?? '';
  // Latest first; equal times by name, so the order the pods came in does not matter.
  return ours.sort((a, b) => created(b) - created(a) || (name(a) < name(b) ? 1 : name(a) > name(b) ? -1 : 0));
}

/** The name of the pod's main container: `wanted`, else the first container of the pod's spec, else of the Job's template. */
export function mainContainerName(pod: Dict | undefined, job: unknown, wanted: string | undefined): string | undefined {
  if (wanted !== undefined) return wanted;
  const [first] = dictsAt(pod, 'spec', 'containers');
  const [fromTemplate] = dictsAt(job, 'spec', 'template', 'spec', 'containers');
  return textAt(first, 'name') ?? textAt(fromTemplate, 'name');
}

/** The status of container `name` of the pod (among its containers, then its init containers). */
export function containerView(pod: Dict | undefined, name: string | undefined): ContainerView | undefined {
  if (name === undefined) return undefined;
  const main = dictsAt(pod, 'status', 'containerStatuses').find((s) => s.name === name);
  if (main) return { name, status: main, init: false };
  const init = dictsAt(pod, 'status', 'initContainerStatuses').find((s) => s.name === name);
  return init ? { name, status: init, init: true } : undefined;
}

export const terminatedOf = (view: ContainerView | undefined): Dict | undefined => dictAt(view?.status, 'state', 'terminated');

const failedExit = (view: ContainerView | undefined): boolean => {
  const code = integerAt(terminatedOf(view), 'exitCode');
  return code !== undefined && code !== 0;
};

/**
 * The container whose end explains the pod: the main one once it terminated; else an init container (not a
 * sidecar) that failed, since the main one then never ran; else the main one as it is.
 */
export function subjectContainer(pod: Dict | undefined, main: string | undefined): ContainerView | undefined {
  const view = containerView(pod, main);
  if (terminatedOf(view)) return view;
  const sidecars = new Set(dictsAt(pod, 'spec', 'initContainers').filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  const failedInit = dictsAt(pod, 'status', 'initContainerStatuses')
    .filter((s) => typeof s.name === 'string' && !sidecars.has(s.name))
    .map((s): ContainerView => ({ name: s.name as string, status: s, init: true }))
    .find(failedExit);
  return failedInit ?? view;
}

/**
 * The pod that best tells how the Job went: the latest whose subject container ended as the Job did (exit 0
 * for Succeeded, non-zero for Failed), else the latest in the matching phase, else the latest that ran to an
 * end, else the latest.
 */
export function relevantPod(pods: readonly Dict[], outcome: 'Succeeded' | 'Failed' | undefined, main: (pod: Dict) => string | undefined): Dict | undefined {
  const ended = (pod: Dict) => subjectContainer(pod, main(pod));
  if (outcome !== undefined) {
    const matchesExit = (pod: Dict) => {
      const view = ended(pod);
      return terminatedOf(view) !== undefined && failedExit(view) === (outcome === 'Failed');
    };
    const found = pods.find(matchesExit) ?? pods.find((pod) => stringAt(pod, 'status', 'phase') === outcome) ?? pods.find((pod) => terminatedOf(ended(pod)) !== undefined);
    if (found) return found;
  }
  return pods[0];
}

/** Why a pod has not started, and which container says so. */
export interface Stuck {
  reason: string;
  message?: string;
  container?: string;
}

/** Waiting reasons of a pod on its way up, which say nothing is wrong. */
const benignWaiting = new Set(['ContainerCreating', 'PodInitializing']);

/**
 * Why a pod that has not started is stuck, if it is: a container waiting for a reason other than the usual
 * (ImagePullBackOff, CreateContainerConfigError...), init containers first, else the scheduler's reason
 * (Unschedulable).
 */
export function stuckReason(pod: Dict | undefined): Stuck | undefined {
  const statuses = [...dictsAt(pod, 'status', 'initContainerStatuses'), ...dictsAt(pod, 'status', 'containerStatuses')];
  for (const status of statuses) {
    const reason = textAt(status, 'state', 'waiting', 'reason');
    if (reason !== undefined && !benignWaiting.has(reason)) {
      return { reason, message: textAt(status, 'state', 'waiting', 'message'), container: textAt(status, 'name') };
    }
  }
  const scheduled = dictsAt(pod, 'status', 'conditions').find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const reason = textAt(scheduled, 'reason');
  return reason === undefined ? undefined : { reason, message: textAt(scheduled, 'message') };
}

/** Whether any container of the pod is running or has run. */
export function hasStarted(pod: Dict | undefined): boolean {
  if (stringAt(pod, 'status', 'phase') === 'Running') return true;
  const statuses = [...dictsAt(pod, 'status', 'initContainerStatuses'), ...dictsAt(pod, 'status', 'containerStatuses')];
  return statuses.some((s) => dictAt(s, 'state', 'running') !== undefined || dictAt(s, 'state', 'terminated') !== undefined);
}

/** How many containers and init containers the pod (else the Job's template) has; undefined when unknown. */
export function containerCount(pod: Dict | undefined, job: unknown): number | undefined {
  const count = (spec: Dict | undefined) => dictsAt(spec, 'containers').length + dictsAt(spec, 'initContainers').length;
  const fromPod = count(dictAt(pod, 'spec'));
  if (fromPod > 0) return fromPod;
  const fromJob = count(dictAt(job, 'spec', 'template', 'spec'));
  return fromJob > 0 ? fromJob : undefined;
}

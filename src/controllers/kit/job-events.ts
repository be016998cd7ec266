/**
 * Predicates for the events of Jobs and their pods, for controllers that read them with observeJob
 * (src/render/observe-job.ts, src/render/job-pods.ts). A trial pod's status is updated some ten times between its
 * creation and its end (scheduled, each container started, ready, IP, conditions), and its Job's a few more
 * (active, ready, uncounted pods); each event queues the owner, and the one that matters (the pod ended) waits
 * behind the reconciles of the others, one worker per key. These pass an update only when what observeJob
 * concludes from it may have changed; adds and deletes always pass. A dropped event costs nothing (docs/style.md §1): the next
 * reconcile reads the whole cache anyway.
 */
import { isDeepStrictEqual } from 'node:util';
import { hasStarted, stuckReason } from '../../render/job-pods.js';
import { LABEL_OWNER_KIND, LABEL_OWNER_NAME } from '../../render/labels.js';
import type { WatchSpec } from '../../runtime/controller.js';
import type { InformerEvent } from '../../runtime/informer.js';
import type { Frozen, KubeObject } from '../../runtime/kube/object.js';
import { builtin } from '../../runtime/kube/resource.js';
import { keyOf } from '../../runtime/keys.js';
import { childSelector } from './children.js';

type Json = Record<string, unknown>;

const dict = (value: unknown): Json | undefined => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined);
const list = (value: unknown): Json[] => (Array.isArray(value) ? value.map(dict).filter((v): v is Json => v !== undefined) : []);

/** One container's state as observeJob tells it: which state, why it waits, how it ended. */
function containerState(status: Json): unknown[] {
  const state = dict(status.state) ?? {};
  const waiting = dict(state.waiting);
  const terminated = dict(state.terminated);
  return [status.name, waiting ? ['waiting', waiting.reason, waiting.message] : terminated ? ['terminated', terminated.exitCode, terminated.reason, terminated.message] : state.running ? 'running' : undefined];
}

/**
 * What observeJob concludes from a pod. A pod on its way (neither Succeeded nor Failed) decides nothing yet: it
 * counts only by whether it started (Running, not Pending) and why it is stuck, if it is; its containers' states
 * as they start, get ready or end one by one are not read until the pod ended (a trial pod updates some ten
 * times on its way). A pod that ended: its phase and reason, its containers' end states, unschedulable or
 * disrupted. Both: being deleted.
 */
export function podOutcomeView(pod: KubeObject): unknown[] {
  const status = dict((pod as Json).status) ?? {};
  if (status.phase !== 'Succeeded' && status.phase !== 'Failed') {
    const stuck = stuckReason(pod as Json);
    return [pod.metadata?.deletionTimestamp !== undefined, status.phase, hasStarted(pod as Json), stuck ? [stuck.reason, stuck.message, stuck.container] : undefined];
  }
  const conditions = list(status.conditions)
    .filter((c) => c.type === 'PodScheduled' || c.type === 'DisruptionTarget')
    .map((c) => [c.type, c.status, c.reason, c.message]);
  return [
    pod.metadata?.deletionTimestamp !== undefined,
    status.phase,
    status.reason,
    status.message,
    list(status.initContainerStatuses).map(containerState),
    list(status.containerStatuses).map(containerState),
    conditions,
  ];
}

/**
 * What observeJob reads of a Job's status: its conditions (Complete, Failed, suspended), its counts of ended pods,
 * and whether a pod is ready unless `ready: false` (for a controller that also watches the pods with
 * podOutcomeChanged: a pod that got ready has started, and that pod's update passed already).
 */
export function jobOutcomeView(job: KubeObject, options: { ready?: boolean } = {}): unknown[] {
  const status = dict((job as Json).status) ?? {};
  const conditions = list(status.conditions).map((c) => [c.type, c.status, c.reason, c.message]);
  const view = [job.metadata?.deletionTimestamp !== undefined, conditions, status.succeeded, status.failed];
  return options.ready === false ? view : [...view, ((status.ready as number | undefined) ?? 0) > 0];
}

/** Passes a pod's add and delete, and an update that changed what observeJob concludes from it (podOutcomeView). */
export const podOutcomeChanged = (event: InformerEvent<KubeObject>): boolean =>
  event.type !== 'update' || !isDeepStrictEqual(podOutcomeView(event.old as KubeObject), podOutcomeView(event.object as KubeObject));

/**
 * Passes a Job's add and delete, and an update that changed what observeJob reads of it, its spec, labels or
 * annotations (a hand edit the kit's applyChildren puts back).
 */
export const jobOutcomeChanged = (event: InformerEvent<KubeObject>): boolean => event.type !== 'update' || jobEdited(event) || !isDeepStrictEqual(jobOutcomeView(event.old as KubeObject), jobOutcomeView(event.object as KubeObject));

/** jobOutcomeChanged without the Job's ready count: for a controller that also watches the Job's pods (podOutcomeChanged). */
export const jobVerdictChanged = (event: InformerEvent<KubeObject>): boolean =>
  event.type !== 'update' || jobEdited(event) || !isDeepStrictEqual(jobOutcomeView(event.old as KubeObject, { ready: false }), jobOutcomeView(event.object as KubeObject, { ready: false }));

/** An update of the Job's spec, labels or annotations: a hand edit the kit's applyChildren puts back. */
export function jobEdited(event: { old: Frozen<KubeObject>; object: Frozen<KubeObject> }): boolean {
  const [a, b] = [event.old.metadata, event.object.metadata];
  return a?.generation !== b?.generation || !isDeepStrictEqual(a?.labels ?? {}, b?.labels ?? {}) || !isDeepStrictEqual(a?.annotations ?? {}, b?.annotations ?? {});
}

/**
 * A watch on the pods of a kind's Jobs (labelled with their owner by the Job renderer), so a pod's end reaches its
 * owner's reconcile at once: read through decidedByPod (src/render/observe-job.ts), it ends the Job there without
 * waiting for the Job controller's update. Only the changes observeJob reads pass (podOutcomeChanged).
 */
export function jobPodsWatch(ownerKind: string, predicate: (event: InformerEvent<KubeObject>) => boolean = podOutcomeChanged): WatchSpec {
  return {
    resource: builtin.pod,
    labelSelector: childSelector,
    predicate,
    map: (pod) => {
      const labels = pod.metadata?.labels;
      const namespace = pod.metadata?.namespace;
      return labels?.[LABEL_OWNER_KIND] === ownerKind && labels[LABEL_OWNER_NAME] && namespace ? [keyOf(namespace, labels[LABEL_OWNER_NAME])] : [];
    },
  };
}

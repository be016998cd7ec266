/**
 * Predicates for the events of Jobs and their pods, for controllers that read them with observeJob
 * (src/render/observe-job.ts, src/render/job-pods.ts). A trial pod's status is updated some ten times between its
 * creation and its end (scheduled, each container started, ready, IP, conditions), and its Job's a few more
 * (active, ready, uncounted pods); each event queues the owner, and the one that matters (the pod ended) waits
 * behind the reconciles of the others, one worker per key. These pass an update only when something observeJob
 * reads changed; adds and deletes always pass. A dropped event costs nothing (docs/style.md §1): the next
 * reconcile reads the whole cache anyway.
 */
import { isDeepStrictEqual } from 'node:util';
import type { InformerEvent } from '../../runtime/informer.js';
import type { KubeObject } from '../../runtime/kube/object.js';

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

/** What observeJob reads of a pod: its phase and reason, its containers' states, being deleted, unschedulable or disrupted. */
export function podOutcomeView(pod: KubeObject): unknown[] {
  const status = dict((pod as Json).status) ?? {};
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

/** What observeJob reads of a Job's status: its conditions (Complete, Failed, suspended), its counts of ended pods, whether a pod is ready. */
export function jobOutcomeView(job: KubeObject): unknown[] {
  const status = dict((job as Json).status) ?? {};
  const conditions = list(status.conditions).map((c) => [c.type, c.status, c.reason, c.message]);
  return [job.metadata?.deletionTimestamp !== undefined, conditions, status.succeeded, status.failed, ((status.ready as number | undefined) ?? 0) > 0];
}

/** Passes a pod's add and delete, and an update that changed what observeJob reads of it. */
export const podOutcomeChanged = (event: InformerEvent<KubeObject>): boolean =>
  event.type !== 'update' || !isDeepStrictEqual(podOutcomeView(event.old as KubeObject), podOutcomeView(event.object as KubeObject));

/**
 * Passes a Job's add and delete, and an update that changed what observeJob reads of it, its spec, labels or
 * annotations (a hand edit the kit's applyChildren puts back).
 */
export const jobOutcomeChanged = (event: InformerEvent<KubeObject>): boolean => {
  if (event.type !== 'update') return true;
  const [a, b] = [event.old.metadata, event.object.metadata];
  return (
    a?.generation !== b?.generation ||
    !isDeepStrictEqual(a?.labels ?? {}, b?.labels ?? {}) ||
    !isDeepStrictEqual(a?.annotations ?? {}, b?.annotations ?? {}) ||
    !isDeepStrictEqual(jobOutcomeView(event.old as KubeObject), jobOutcomeView(event.object as KubeObject))
  );
};

/**
 * The one condition helper (fluxcd/pkg conditions): every controller sets conditions through it, so
 * lastTransitionTime moves only when a condition's status changes and the vocabulary stays the same.
 * Pure: the caller passes the time.
 */

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** Types every kind has (kstatus: Ready; Reconciling and Stalled are abnormal-true). */
export const ConditionType = {
  Ready: 'Ready',
  Reconciling: 'Reconciling',
  Stalled: 'Stalled',
  FetchFailed: 'FetchFailed',
  ValidationFailed: 'ValidationFailed',
} as const;

/** Reasons shared by the kinds (API.md); Events use the same strings. */
export const Reason = {
  Succeeded: 'Succeeded',
  Progressing: 'Progressing',
  InvalidSpec: 'InvalidSpec',
  DependencyNotReady: 'DependencyNotReady',
  Suspended: 'Suspended',
  GitOperationFailed: 'GitOperationFailed',
  AuthenticationFailed: 'AuthenticationFailed',
  DocumentsInvalid: 'DocumentsInvalid',
  ApplyFailed: 'ApplyFailed',
  PruneFailed: 'PruneFailed',
  Pruned: 'Pruned',
} as const;

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Kubernetes caps condition messages at 32768 characters; keep them readable well below that. */
const maxMessage = 4096;

/** Cuts `message` to at most `max` characters (the API server refuses a longer field, and the whole write with it). */
export function truncate(message: string, max = maxMessage): string {
  const suffix = '... (truncated)';
  return message.length <= max ? message : message.slice(0, max - suffix.length) + suffix;
}

/**
 * Returns the conditions with `input` set. The list is new; the input list is not modified.
 * lastTransitionTime keeps its old value unless the status changed.
 */
export function setCondition(conditions: readonly Condition[] | undefined, input: ConditionInput, now: string, generation?: number): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === input.type);
  const previous = index >= 0 ? list[index] : undefined;
  const next: Condition = {
    type: input.type,
    status: input.status,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    lastTransitionTime: previous && previous.status === input.status ? previous.lastTransitionTime : now,
    reason: input.reason,
    message: truncate(input.message),
  };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** Ready=True, and the abnormal-true conditions removed: what a successful reconcile leaves. */
export function markReady(conditions: readonly Condition[] | undefined, reason: string, message: string, now: string, generation?: number): Condition[] {
  let list = setCondition(conditions, { type: ConditionType.Ready, status: 'True', reason, message }, now, generation);
  list = removeCondition(list, ConditionType.Reconciling);
  return removeCondition(list, ConditionType.Stalled);
}

/** Ready=False with Stalled=True: the spec cannot work until someone changes it. */
export function markStalled(conditions: readonly Condition[] | undefined, reason: string, message: string, now: string, generation?: number): Condition[] {
  let list = setCondition(conditions, { type: ConditionType.Ready, status: 'False', reason, message }, now, generation);
  list = removeCondition(list, ConditionType.Reconciling);
  return setCondition(list, { type: ConditionType.Stalled, status: 'True', reason, message }, now, generation);
}

/** Ready=False (or Unknown while work is in progress) without Stalled: it will be retried. */
export function markNotReady(conditions: readonly Condition[] | undefined, reason: string, message: string, now: string, generation?: number, status: 'False' | 'Unknown' = 'False'): Condition[] {
  const list = setCondition(conditions, { type: ConditionType.Ready, status, reason, message }, now, generation);
  return removeCondition(list, ConditionType.Stalled);
}

/**
 * Conditions, one vocabulary for every kind (after fluxcd/pkg/runtime/conditions, docs/style.md §5):
 *
 * - every kind has `Ready`, `Reconciling` and `Stalled`, plus conditions of its own, each declared with a
 *   polarity: positive when True is good (`Verified`), negative when True is abnormal (`FetchFailed`);
 * - `Ready` is never set by hand: {@link ConditionSet.result} summarises it from the others, so it cannot
 *   disagree with them (Flux's summarize helper);
 * - `lastTransitionTime` moves only when a condition's status changes;
 * - the list is written in the declared order, so two reconciles that agree write the same bytes.
 *
 * kstatus reads this as: Reconciling=True -> InProgress, Stalled=True -> Failed, Ready=True -> Current.
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

/** The three types every kind has. */
export const Ready = 'Ready';
export const Reconciling = 'Reconciling';
export const Stalled = 'Stalled';

/** Reasons of the kit itself; each kind keeps its own reasons beside it (e.g. controllers/gitsource/reasons.ts). */
export const KitReason = {
  /** Ready=True when a kind gives no reason of its own. */
  Succeeded: 'Succeeded',
  /** Reconciling=True while long work runs (a Job, a rollout step). */
  Progressing: 'Progressing',
  /** The spec cannot work as written: Stalled until someone changes it. */
  InvalidSpec: 'InvalidSpec',
  /** Another object (a Secret, a Dataset) is missing or not ready yet. */
  DependencyNotReady: 'DependencyNotReady',
  /** `spec.suspend: true`: nothing is reconciled. */
  Suspended: 'Suspended',
  /** An unexpected error (the API server unreachable, a bug); retried with backoff. */
  ReconcileFailed: 'ReconcileFailed',
  /** Reconciling=True while a failure is being retried (Flux's reason), so kstatus reads InProgress, not Current. */
  ProgressingWithRetry: 'ProgressingWithRetry',
} as const;

/** Positive: True is the healthy state. Negative ("abnormal-true"): True means something is wrong or in progress. */
export type Polarity = 'positive' | 'negative';

export interface ConditionDeclaration {
  type: string;
  polarity: Polarity;
}

/** A kind's conditions in the order they are written and summarised (earlier ones win the Ready summary). */
export interface KindConditions {
  readonly declared: readonly ConditionDeclaration[];
}

/**
 * Declares a kind's conditions: Ready, Reconciling and Stalled first, then `own` in priority order: when
 * several are abnormal, Ready takes the reason and message of the first.
 */
export function kindConditions(...own: ConditionDeclaration[]): KindConditions {
  const declared: ConditionDeclaration[] = [
    { type: Ready, polarity: 'positive' },
    { type: Reconciling, polarity: 'negative' },
    { type: Stalled, polarity: 'negative' },
  ];
  for (const decl of own) {
    if (declared.some((d) => d.type === decl.type)) throw new Error(`condition ${decl.type} is declared twice`);
    declared.push(decl);
  }
  return { declared };
}

/** Kubernetes caps condition messages at 32768 characters; keep them readable well below that. */
const maxMessage = 4096;

/** Cuts `message` to at most `max` characters (the API server refuses a longer field, and the whole write with it). */
export function truncate(message: string, max = maxMessage): string {
  const suffix = '... (truncated)';
  return message.length <= max ? message : message.slice(0, max - suffix.length) + suffix;
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/** Whether `condition` says something is wrong, given its polarity (Unknown is not abnormal: it is undecided). */
export function isAbnormal(condition: Condition, polarity: Polarity): boolean {
  return polarity === 'positive' ? condition.status === 'False' : condition.status === 'True';
}

export interface ConditionInput {
  status: ConditionStatus;
  reason: string;
  message: string;
}

/** Why the reconcile ended early, when it did: a thrown typed error. Stalled is set from it by the set itself. */
export interface Failure {
  kind: 'stalled' | 'waiting' | 'error';
  reason: string;
  message: string;
}

/**
 * The conditions of one object during one reconcile. It starts from what the object's status said, without
 * Ready, Reconciling and Stalled: those describe this reconcile alone, so each is decided again (a stall that
 * no longer holds disappears by itself). The kind's own conditions carry over until a step changes them.
 */
export class ConditionSet {
  private readonly current = new Map<string, Omit<Condition, 'lastTransitionTime'>>();
  private readonly previous: ReadonlyMap<string, Condition>;
  private success: { reason: string; message: string } = { reason: KitReason.Succeeded, message: 'Reconciled' };

  constructor(
    previous: readonly Condition[] | undefined,
    private readonly kind: KindConditions,
    private readonly now: string,
    private readonly generation?: number,
  ) {
    this.previous = new Map((previous ?? []).map((c) => [c.type, c]));
    for (const c of previous ?? []) {
      if (c.type === Ready || c.type === Reconciling || c.type === Stalled) continue;
      this.current.set(c.type, { type: c.type, status: c.status, ...(c.observedGeneration !== undefined ? { observedGeneration: c.observedGeneration } : {}), reason: c.reason, message: c.message });
    }
  }

  /** Sets a condition of the kind (not Ready: that one is summarised). */
  set(type: string, input: ConditionInput): void {
    if (type === Ready) throw new Error('Ready is summarised from the other conditions; set those, or succeed() for its message');
    if (!this.kind.declared.some((d) => d.type === type)) throw new Error(`condition ${type} is not declared for this kind`);
    this.current.set(type, { type, status: input.status, ...(this.generation !== undefined ? { observedGeneration: this.generation } : {}), reason: input.reason, message: truncate(input.message) });
  }

  remove(type: string): void {
    this.current.delete(type);
  }

  get(type: string): ConditionInput | undefined {
    return this.current.get(type);
  }

  /** Reconciling=True: long work runs (Ready turns Unknown unless something is abnormal). */
  progressing(message: string, reason: string = KitReason.Progressing): void {
    this.set(Reconciling, { status: 'True', reason, message });
  }

  /** The reason and message Ready=True carries when nothing is abnormal or in progress. */
  succeed(reason: string, message: string): void {
    this.success = { reason, message };
  }

  /**
   * Reconciling=True with ProgressingWithRetry: what failed is tried again by itself (a fetch at the next
   * interval). kstatus reads Ready=False alone as Current, i.e. done; with this it reads InProgress.
   */
  retrying(message: string): void {
    this.progressing(message, KitReason.ProgressingWithRetry);
  }

  /**
   * The list to write: Ready summarised, in declared order (undeclared types a previous version left go last,
   * in their old order). Ready is False with the first of: the failure; an abnormal condition in declared
   * order. Else Unknown while Reconciling, else True with the success reason. A stall ends Reconciling; a
   * failure that is retried (waiting, transient) keeps it True with ProgressingWithRetry, as Flux does.
   */
  result(failure?: Failure): Condition[] {
    if (failure?.kind === 'stalled') {
      this.set(Stalled, { status: 'True', reason: failure.reason, message: failure.message });
      this.remove(Reconciling);
    } else if (failure) {
      this.retrying(failure.message);
    }
    this.current.delete(Ready);
    const abnormal = this.kind.declared.map((d) => ({ d, c: this.current.get(d.type) })).find(({ d, c }) => c !== undefined && d.type !== Reconciling && isAbnormal(c as Condition, d.polarity))?.c;
    const reconciling = this.current.get(Reconciling);
    const ready: ConditionInput = failure
      ? { status: 'False', reason: failure.reason, message: failure.message }
      : abnormal
        ? { status: 'False', reason: abnormal.reason, message: abnormal.message }
        : reconciling?.status === 'True'
          ? { status: 'Unknown', reason: reconciling.reason, message: reconciling.message }
          : { status: 'True', ...this.success };
    const readyCondition = { type: Ready, ...ready, message: truncate(ready.message), ...(this.generation !== undefined ? { observedGeneration: this.generation } : {}) };
    const order = new Map(this.kind.declared.map((d, i) => [d.type, i]));
    const all = [readyCondition, ...this.current.values()];
    const rank = (type: string) => order.get(type) ?? order.size;
    // Array.prototype.sort is stable: undeclared types keep their old relative order.
    return all
      .map((c) => {
        const before = this.previous.get(c.type);
        return { ...c, lastTransitionTime: before && before.status === c.status ? before.lastTransitionTime : this.now } as Condition;
      })
      .sort((a, b) => rank(a.type) - rank(b.type))
      .map(orderFields);
  }
}

/** The field order of metav1.Condition, so a status read back compares equal to one computed. */
function orderFields(c: Condition): Condition {
  return {
    type: c.type,
    status: c.status,
    ...(c.observedGeneration !== undefined ? { observedGeneration: c.observedGeneration } : {}),
    lastTransitionTime: c.lastTransitionTime,
    reason: c.reason,
    message: c.message,
  };
}

export interface Transition {
  condition: Condition;
  type: 'Normal' | 'Warning';
}

/**
 * The conditions that changed in a way a person would want an Event for: a new status or a new reason, or a new
 * message on a healthy condition ("Applied revision b"). Removals and Reconciling are not Events (Reconciling
 * comes and goes with every long step). An Event whose reason Ready's Event already carries is left out.
 */
export function transitions(before: readonly Condition[] | undefined, after: readonly Condition[], kind: KindConditions): Transition[] {
  const polarity = new Map(kind.declared.map((d) => [d.type, d.polarity]));
  const out: Transition[] = [];
  for (const c of after) {
    if (c.type === Reconciling) continue;
    const old = findCondition(before, c.type);
    const p = polarity.get(c.type) ?? 'positive';
    const healthy = !isAbnormal(c, p) && c.status !== 'Unknown';
    const changed = !old || old.status !== c.status || old.reason !== c.reason || (healthy && p === 'positive' && old.message !== c.message);
    if (!changed) continue;
    // Unknown is "not decided yet" (work in progress): not worth an Event of its own.
    if (c.status === 'Unknown') continue;
    if (out.some((t) => t.condition.reason === c.reason)) continue;
    out.push({ condition: c, type: isAbnormal(c, p) ? 'Warning' : 'Normal' });
  }
  return out;
}

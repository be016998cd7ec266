/**
 * Pure: the GitSource status after a sync attempt, from the previous status and what happened. The
 * controller writes it only when it differs from the previous one.
 */
import type { GitSourceStatus } from '../../api/kinds/index.js';
import type { InventoryEntry, SourceError } from '../../gitops/plan.js';
import { ConditionType, Reason, markNotReady, markReady, markStalled, removeCondition, setCondition, truncate, type Condition } from '../../status/conditions.js';

export type SyncOutcome =
  | { type: 'stalled'; reason: string; message: string }
  | { type: 'waiting'; reason: string; message: string }
  | { type: 'fetchFailed'; reason: string; message: string }
  | {
      type: 'synced';
      revision: string;
      inventory: InventoryEntry[];
      errors: SourceError[];
      applied: number;
      unchanged: number;
      pruned: number;
      pruneBlocked?: string;
    };

const maxErrors = 100;

function firstError(errors: readonly SourceError[]): string {
  const [e] = errors;
  if (!e) return '';
  const where = e.file ? `${e.file}${e.line ? `:${e.line}` : ''}: ` : '';
  return `${where}${e.message}`;
}

export function nextStatus(previous: GitSourceStatus | undefined, outcome: SyncOutcome, now: string, generation: number | undefined): GitSourceStatus {
  const base: GitSourceStatus = { ...(previous ?? {}) };
  if (generation !== undefined) base.observedGeneration = generation;
  let conditions = (previous?.conditions ?? []) as Condition[];
  switch (outcome.type) {
    case 'stalled':
      conditions = markStalled(conditions, outcome.reason, outcome.message, now, generation);
      break;
    case 'waiting':
      conditions = markNotReady(conditions, outcome.reason, outcome.message, now, generation);
      break;
    case 'fetchFailed':
      // The last applied state stays as it is; the status says why it is not moving.
      conditions = markNotReady(conditions, outcome.reason, `${outcome.message}; the last applied revision stays in place`, now, generation);
      conditions = setCondition(conditions, { type: ConditionType.FetchFailed, status: 'True', reason: outcome.reason, message: outcome.message }, now, generation);
      break;
    case 'synced': {
      base.revision = outcome.revision;
      base.lastAttemptedRevision = outcome.revision;
      base.inventory = { count: outcome.inventory.length, entries: outcome.inventory.map((e) => ({ kind: e.kind, ...(e.namespace ? { namespace: e.namespace } : {}), name: e.name })) };
      conditions = removeCondition(conditions, ConditionType.FetchFailed);
      if (outcome.errors.length > 0) {
        // Within the CRD's limits (file 1024, message 4096): one over-long field would refuse the whole status write.
        base.errors = outcome.errors.slice(0, maxErrors).map((e) => ({ file: truncate(e.file, 1024), ...(e.line ? { line: e.line } : {}), message: truncate(e.message) }));
        const summary = `Revision ${outcome.revision} has ${outcome.errors.length} problem(s); the valid objects were applied${outcome.pruneBlocked ? ' and nothing was pruned' : ''}. First: ${firstError(outcome.errors)}`;
        const failed = (what: string) => outcome.errors.some((e) => e.message.includes(`${what} failed:`));
        const reason = failed('apply') ? Reason.ApplyFailed : failed('prune') ? Reason.PruneFailed : Reason.DocumentsInvalid;
        conditions = markNotReady(conditions, reason, summary, now, generation);
        conditions = setCondition(conditions, { type: ConditionType.ValidationFailed, status: 'True', reason, message: summary }, now, generation);
      } else {
        delete base.errors;
        conditions = removeCondition(conditions, ConditionType.ValidationFailed);
        const blocked = outcome.pruneBlocked ? `; ${outcome.pruneBlocked}` : '';
        conditions = markReady(conditions, Reason.Succeeded, `Applied revision ${outcome.revision}: ${outcome.inventory.length} object(s)${blocked}`, now, generation);
      }
      break;
    }
  }
  base.conditions = conditions as GitSourceStatus['conditions'];
  return base;
}

/** Whether a Warning or Normal Event is due: only when the Ready condition changed. */
export function readyTransition(previous: GitSourceStatus | undefined, next: GitSourceStatus): Condition | undefined {
  const before = previous?.conditions?.find((c) => c.type === ConditionType.Ready);
  const after = next.conditions?.find((c) => c.type === ConditionType.Ready) as Condition | undefined;
  if (!after) return undefined;
  if (before && before.status === after.status && before.reason === after.reason && (after.status !== 'True' || previous?.revision === next.revision)) return undefined;
  return after;
}

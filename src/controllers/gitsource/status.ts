/**
 * Pure: what a sync or a failed fetch says in the GitSource's status and conditions. The driver of the kit
 * summarises Ready from these conditions and writes the status only when it changed.
 */
import type { GitSourceStatus } from '../../api/kinds/index.js';
import type { InventoryEntry, SourceError } from '../../gitops/plan.js';
import { truncate, type ConditionSet } from '../kit/index.js';
import { GitSourceCondition, GitSourceReason } from './reasons.js';

/** What one sync of a fetched revision did. */
export interface SyncOutcome {
  revision: string;
  inventory: InventoryEntry[];
  errors: SourceError[];
  applied: number;
  unchanged: number;
  pruned: number;
  /** Why objects that left Git were not pruned, when they were not. */
  pruneBlocked?: string;
}

const maxErrors = 100;

function firstError(errors: readonly SourceError[]): string {
  const [e] = errors;
  if (!e) return '';
  const where = e.file ? `${e.file}${e.line ? `:${e.line}` : ''}: ` : '';
  return `${where}${e.message}`;
}

/**
 * The last fetch failed: FetchFailed=True (so Ready=False with its reason), retried at the next interval; the
 * last applied state stays.
 */
export function recordFetchFailure(conditions: ConditionSet, reason: string, message: string): void {
  const full = `${message}; the last applied revision stays in place`;
  conditions.set(GitSourceCondition.FetchFailed, { status: 'True', reason, message: full });
  conditions.retrying(full);
}

/** Records a sync: revision, inventory and errors in `status`; ValidationFailed while the revision has problems. */
export function recordSync(status: GitSourceStatus, conditions: ConditionSet, outcome: SyncOutcome): void {
  status.revision = outcome.revision;
  status.lastAttemptedRevision = outcome.revision;
  status.inventory = { count: outcome.inventory.length, entries: outcome.inventory.map((e) => ({ kind: e.kind, ...(e.namespace ? { namespace: e.namespace } : {}), name: e.name })) };
  conditions.remove(GitSourceCondition.FetchFailed);
  if (outcome.errors.length > 0) {
    // Within the CRD's limits (file 1024, message 4096): one over-long field would refuse the whole status write.
    status.errors = outcome.errors.slice(0, maxErrors).map((e) => ({ file: truncate(e.file, 1024), ...(e.line ? { line: e.line } : {}), message: truncate(e.message) }));
    const summary = `Revision ${outcome.revision} has ${outcome.errors.length} problem(s); the valid objects were applied${outcome.pruneBlocked ? ' and nothing was pruned' : ''}. First: ${firstError(outcome.errors)}`;
    const failed = (what: string) => outcome.errors.some((e) => e.message.includes(`${what} failed:`));
    const reason = failed('apply') ? GitSourceReason.ApplyFailed : failed('prune') ? GitSourceReason.PruneFailed : GitSourceReason.DocumentsInvalid;
    conditions.set(GitSourceCondition.ValidationFailed, { status: 'True', reason, message: summary });
  } else {
    delete status.errors;
    conditions.remove(GitSourceCondition.ValidationFailed);
    const blocked = outcome.pruneBlocked ? `; ${outcome.pruneBlocked}` : '';
    conditions.succeed(GitSourceReason.Synced, `Applied revision ${outcome.revision}: ${outcome.inventory.length} object(s)${blocked}`);
  }
}

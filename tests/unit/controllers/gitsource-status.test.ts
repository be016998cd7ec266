import { describe, expect, it } from 'vitest';
import type { GitSourceStatus } from '../../../src/api/kinds/index.js';
import { gitSourceConditions } from '../../../src/controllers/gitsource/reasons.js';
import { recordFetchFailure, recordSync, type SyncOutcome as Synced } from '../../../src/controllers/gitsource/status.js';
import { ConditionSet, transitions, type Condition, type Failure } from '../../../src/controllers/kit/index.js';

type SyncOutcome = ({ type: 'synced' } & Synced) | { type: 'fetchFailed' | 'stalled' | 'waiting'; reason: string; message: string };

/** What the kit's driver does with the GitSource's steps, for one outcome: the status it would write. */
function nextStatus(previous: GitSourceStatus | undefined, outcome: SyncOutcome, now: string, generation: number): GitSourceStatus {
  const { conditions: before, ...rest } = previous ?? {};
  const status: GitSourceStatus = structuredClone(rest);
  const conditions = new ConditionSet(before as Condition[] | undefined, gitSourceConditions, now, generation);
  let failure: Failure | undefined;
  if (outcome.type === 'synced') recordSync(status, conditions, outcome);
  else if (outcome.type === 'fetchFailed') recordFetchFailure(conditions, outcome.reason, outcome.message);
  else failure = { kind: outcome.type, reason: outcome.reason, message: outcome.message };
  return { ...status, observedGeneration: generation, conditions: conditions.result(failure) as GitSourceStatus['conditions'] };
}

/** The Event the driver records for Ready, if any. */
const readyTransition = (previous: GitSourceStatus | undefined, next: GitSourceStatus) =>
  transitions(previous?.conditions as Condition[] | undefined, next.conditions as Condition[], gitSourceConditions).find((t) => t.condition.type === 'Ready')?.condition;

const t0 = '2026-11-23T10:00:00.000Z';
const t1 = '2026-11-23T10:01:00.000Z';
const synced = (revision: string, extra: Partial<Synced> = {}): SyncOutcome => ({
  type: 'synced',
  revision,
  inventory: [{ kind: 'Deployment', namespace: 'ml', name: 'eta' }],
  errors: [],
  applied: 1,
  unchanged: 0,
  pruned: 0,
  ...extra,
});
const types = (s: ReturnType<typeof nextStatus>) => (s.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);

describe('GitSource status', () => {
  it('a clean sync: Ready=True, revision, inventory, no errors', () => {
    const s = nextStatus(undefined, synced('main@sha1:a'), t0, 2);
    expect(types(s)).toEqual(['Ready=True/Succeeded']);
    expect(s).toMatchObject({ observedGeneration: 2, revision: 'main@sha1:a', lastAttemptedRevision: 'main@sha1:a', inventory: { count: 1 } });
    expect(s.errors).toBeUndefined();
    expect(s.conditions?.[0]?.message).toBe('Applied revision main@sha1:a: 1 object(s)');
  });

  it('a sync with problems: Ready=False DocumentsInvalid, ValidationFailed, the first error with file:line', () => {
    const s = nextStatus(undefined, synced('main@sha1:b', { errors: [{ file: 'x.yaml', line: 4, message: 'Dataset/d: spec.source: Required value' }], pruneBlocked: 'not pruning 1 object(s)' }), t0, 1);
    expect(types(s)).toEqual(['Ready=False/DocumentsInvalid', 'ValidationFailed=True/DocumentsInvalid']);
    expect(s.errors).toEqual([{ file: 'x.yaml', line: 4, message: 'Dataset/d: spec.source: Required value' }]);
    expect(s.conditions?.[0]?.message).toBe('Revision main@sha1:b has 1 problem(s); the valid objects were applied and nothing was pruned. First: x.yaml:4: Dataset/d: spec.source: Required value');
  });

  it('errors stay within the CRD limits (file 1024, message 4096), so the status write is never refused', () => {
    const s = nextStatus(undefined, synced('main@sha1:b', { errors: [{ file: `${'d/'.repeat(600)}x.yaml`, line: 1, message: `admission webhook denied: ${'x'.repeat(10_000)}` }] }), t0, 1);
    const [error] = s.errors!;
    expect(error!.file.length).toBe(1024);
    expect(error!.message.length).toBe(4096);
    expect(error!.message.startsWith('admission webhook denied: xxx')).toBe(true);
    expect(error!.message.endsWith('... (truncated)')).toBe(true);
  });

  it('an apply failure is ApplyFailed', () => {
    const s = nextStatus(undefined, synced('main@sha1:b', { errors: [{ file: 'm.yaml', line: 1, message: 'ModelVersion/m: apply failed: spec is immutable' }] }), t0, 1);
    expect(types(s)[0]).toBe('Ready=False/ApplyFailed');
  });

  it('a prune failure is PruneFailed', () => {
    const s = nextStatus(undefined, synced('main@sha1:b', { errors: [{ file: '', message: 'ModelVersion/old: prune failed: connection reset' }] }), t0, 1);
    expect(types(s)).toEqual(['Ready=False/PruneFailed', 'ValidationFailed=True/PruneFailed']);
  });

  it('a fetch failure keeps the last applied revision and inventory, and says so', () => {
    const before = nextStatus(undefined, synced('main@sha1:a'), t0, 1);
    const s = nextStatus(before, { type: 'fetchFailed', reason: 'AuthenticationFailed', message: 'Authentication failed for https://git.example.com/ml.git' }, t1, 1);
    expect(s.revision).toBe('main@sha1:a');
    expect(s.inventory).toEqual(before.inventory);
    expect(types(s)).toEqual(['Ready=False/AuthenticationFailed', 'Reconciling=True/ProgressingWithRetry', 'FetchFailed=True/AuthenticationFailed']);
    expect(s.conditions?.[0]?.message).toBe('Authentication failed for https://git.example.com/ml.git; the last applied revision stays in place');
  });

  it('recovery clears FetchFailed and ValidationFailed', () => {
    let s = nextStatus(undefined, synced('main@sha1:b', { errors: [{ file: 'x.yaml', message: 'bad' }] }), t0, 1);
    s = nextStatus(s, { type: 'fetchFailed', reason: 'GitOperationFailed', message: 'unreachable' }, t0, 1);
    s = nextStatus(s, synced('main@sha1:c'), t1, 1);
    expect(types(s)).toEqual(['Ready=True/Succeeded']);
  });

  it('an invalid spec stalls', () => {
    expect(types(nextStatus(undefined, { type: 'stalled', reason: 'InvalidSpec', message: 'Refused Git URL' }, t0, 3))).toEqual(['Ready=False/InvalidSpec', 'Stalled=True/InvalidSpec']);
  });

  it('the same outcome twice gives the same status (so no write)', () => {
    const once = nextStatus(undefined, synced('main@sha1:a'), t0, 1);
    expect(nextStatus(once, synced('main@sha1:a'), t1, 1)).toEqual(once);
  });

  it('Events on transitions only: a new revision, a change of Ready, not a repeat', () => {
    const a = nextStatus(undefined, synced('main@sha1:a'), t0, 1);
    expect(readyTransition(undefined, a)?.reason).toBe('Succeeded');
    expect(readyTransition(a, nextStatus(a, synced('main@sha1:a'), t1, 1))).toBeUndefined();
    expect(readyTransition(a, nextStatus(a, synced('main@sha1:b'), t1, 1))?.message).toBe('Applied revision main@sha1:b: 1 object(s)');
    const failed = nextStatus(a, { type: 'fetchFailed', reason: 'GitOperationFailed', message: 'x' }, t1, 1);
    expect(readyTransition(a, failed)?.reason).toBe('GitOperationFailed');
    expect(readyTransition(failed, nextStatus(failed, { type: 'fetchFailed', reason: 'GitOperationFailed', message: 'x' }, t1, 1))).toBeUndefined();
  });
});

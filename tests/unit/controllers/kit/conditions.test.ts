import { describe, expect, it } from 'vitest';
import { ConditionSet, kindConditions, transitions, type Condition, type Failure } from '../../../../src/controllers/kit/index.js';

const t0 = '2026-11-23T10:00:00Z';
const t1 = '2026-11-23T10:05:00Z';
const kind = kindConditions({ type: 'Verified', polarity: 'positive' }, { type: 'FetchFailed', polarity: 'negative' }, { type: 'Validated', polarity: 'positive' });
const c = (type: string, status: Condition['status'], reason = 'R', message = ''): Condition => ({ type, status, lastTransitionTime: t0, reason, message });
const brief = (list: readonly Condition[]) => list.map((x) => `${x.type}=${x.status}/${x.reason}`);

describe('ConditionSet.result: Ready summarised from the others', () => {
  const cases: Array<{ name: string; previous?: Condition[]; set?: Array<[string, Condition['status'], string]>; progressing?: boolean; failure?: Failure; want: string[] }> = [
    { name: 'nothing abnormal', want: ['Ready=True/Succeeded'] },
    { name: 'a positive condition True', set: [['Verified', 'True', 'ChecksumMatched']], want: ['Ready=True/Succeeded', 'Verified=True/ChecksumMatched'] },
    { name: 'a positive condition False', set: [['Verified', 'False', 'ChecksumMismatch']], want: ['Ready=False/ChecksumMismatch', 'Verified=False/ChecksumMismatch'] },
    { name: 'a negative condition True', set: [['FetchFailed', 'True', 'AuthenticationFailed']], want: ['Ready=False/AuthenticationFailed', 'FetchFailed=True/AuthenticationFailed'] },
    { name: 'a negative condition False is healthy', set: [['FetchFailed', 'False', 'Fetched']], want: ['Ready=True/Succeeded', 'FetchFailed=False/Fetched'] },
    {
      name: 'several abnormal: the first declared wins',
      set: [
        ['Validated', 'False', 'NullsAboveLimit'],
        ['Verified', 'False', 'ChecksumMismatch'],
      ],
      want: ['Ready=False/ChecksumMismatch', 'Verified=False/ChecksumMismatch', 'Validated=False/NullsAboveLimit'],
    },
    { name: 'Unknown is undecided, not abnormal', set: [['Verified', 'Unknown', 'Pending']], want: ['Ready=True/Succeeded', 'Verified=Unknown/Pending'] },
    { name: 'long work: Ready=Unknown with Reconciling', progressing: true, want: ['Ready=Unknown/Progressing', 'Reconciling=True/Progressing'] },
    { name: 'abnormal beats progressing', progressing: true, set: [['Verified', 'False', 'ChecksumMismatch']], want: ['Ready=False/ChecksumMismatch', 'Reconciling=True/Progressing', 'Verified=False/ChecksumMismatch'] },
    { name: 'a stall', failure: { kind: 'stalled', reason: 'InvalidSpec', message: 'm' }, want: ['Ready=False/InvalidSpec', 'Stalled=True/InvalidSpec'] },
    { name: 'a retried failure: Reconciling=True ProgressingWithRetry (kstatus: InProgress, not Current)', failure: { kind: 'error', reason: 'ReconcileFailed', message: 'm' }, want: ['Ready=False/ReconcileFailed', 'Reconciling=True/ProgressingWithRetry'] },
    { name: 'a stall ends Reconciling', progressing: true, failure: { kind: 'stalled', reason: 'InvalidSpec', message: 'm' }, want: ['Ready=False/InvalidSpec', 'Stalled=True/InvalidSpec'] },
    { name: 'the failure beats the kind conditions', set: [['FetchFailed', 'True', 'AuthenticationFailed']], failure: { kind: 'waiting', reason: 'DependencyNotReady', message: 'm' }, want: ['Ready=False/DependencyNotReady', 'Reconciling=True/ProgressingWithRetry', 'FetchFailed=True/AuthenticationFailed'] },
    { name: 'Stalled and Reconciling of the last reconcile do not carry over', previous: [c('Ready', 'False', 'InvalidSpec'), c('Stalled', 'True', 'InvalidSpec'), c('Reconciling', 'True', 'Progressing')], want: ['Ready=True/Succeeded'] },
    { name: "the kind's conditions carry over", previous: [c('Ready', 'True'), c('Verified', 'True', 'ChecksumMatched')], want: ['Ready=True/Succeeded', 'Verified=True/ChecksumMatched'] },
    {
      name: 'declared order whatever the order of the previous list; undeclared types last, in their old order',
      previous: [c('Old2', 'True'), c('Validated', 'True'), c('Old1', 'True'), c('Verified', 'True')],
      want: ['Ready=True/Succeeded', 'Verified=True/R', 'Validated=True/R', 'Old2=True/R', 'Old1=True/R'],
    },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      const set = new ConditionSet(tc.previous, kind, t1, 4);
      for (const [type, status, reason] of tc.set ?? []) set.set(type, { status, reason, message: `${type} ${reason}` });
      if (tc.progressing) set.progressing('Job running');
      expect(brief(set.result(tc.failure))).toEqual(tc.want);
    });
  }

  it('takes the message of the condition it summarises; Ready=True carries the success message', () => {
    const a = new ConditionSet(undefined, kind, t0);
    a.set('Verified', { status: 'False', reason: 'ChecksumMismatch', message: 'sha256 abc, want def' });
    expect(a.result()[0]!.message).toBe('sha256 abc, want def');
    const b = new ConditionSet(undefined, kind, t0);
    b.succeed('Profiled', '48210 rows');
    expect(b.result()[0]).toMatchObject({ status: 'True', reason: 'Profiled', message: '48210 rows' });
  });

  it('lastTransitionTime moves only when the status changes; observedGeneration is the current one', () => {
    const previous = [c('Ready', 'False', 'X'), c('Verified', 'False', 'ChecksumMismatch')];
    const set = new ConditionSet(previous, kind, t1, 7);
    set.set('Verified', { status: 'False', reason: 'Other', message: 'still bad' });
    const [ready, verified] = set.result();
    expect(ready).toMatchObject({ status: 'False', lastTransitionTime: t0, observedGeneration: 7, reason: 'Other' });
    expect(verified).toMatchObject({ lastTransitionTime: t0, observedGeneration: 7 });
    const fixed = new ConditionSet(previous, kind, t1, 7);
    fixed.set('Verified', { status: 'True', reason: 'ChecksumMatched', message: '' });
    expect(fixed.result().map((x) => x.lastTransitionTime)).toEqual([t1, t1]);
  });

  it('writes fields in metav1.Condition order and truncates long messages within the API limit', () => {
    const set = new ConditionSet(undefined, kind, t0, 1);
    set.set('Verified', { status: 'False', reason: 'X', message: 'x'.repeat(10_000) });
    const [ready] = set.result();
    expect(Object.keys(ready!)).toEqual(['type', 'status', 'observedGeneration', 'lastTransitionTime', 'reason', 'message']);
    expect(ready!.message.length).toBe(4096);
    expect(ready!.message.endsWith('... (truncated)')).toBe(true);
  });

  it('does not modify the list it was given', () => {
    const previous = [c('Ready', 'True'), c('Verified', 'True')];
    const copy = structuredClone(previous);
    const set = new ConditionSet(previous, kind, t1);
    set.set('Verified', { status: 'False', reason: 'X', message: '' });
    set.result();
    expect(previous).toEqual(copy);
  });

  it('refuses Ready by hand, undeclared types, and a type declared twice', () => {
    const set = new ConditionSet(undefined, kind, t0);
    expect(() => set.set('Ready', { status: 'True', reason: 'X', message: '' })).toThrow(/summarised/);
    expect(() => set.set('Nope', { status: 'True', reason: 'X', message: '' })).toThrow(/not declared/);
    expect(() => kindConditions({ type: 'Stalled', polarity: 'negative' })).toThrow(/twice/);
  });
});

describe('transitions: the Events a status change is worth', () => {
  const cases: Array<{ name: string; before?: Condition[]; after: Condition[]; want: string[] }> = [
    { name: 'first Ready=True', after: [c('Ready', 'True', 'Succeeded', 'a')], want: ['Normal/Succeeded'] },
    { name: 'nothing changed', before: [c('Ready', 'True', 'Succeeded', 'a')], after: [c('Ready', 'True', 'Succeeded', 'a')], want: [] },
    { name: 'a new message on Ready=True', before: [c('Ready', 'True', 'Succeeded', 'a')], after: [c('Ready', 'True', 'Succeeded', 'b')], want: ['Normal/Succeeded'] },
    { name: 'a new message on Ready=False (errors vary; not news)', before: [c('Ready', 'False', 'FetchFailed', 'a')], after: [c('Ready', 'False', 'FetchFailed', 'b')], want: [] },
    { name: 'a new reason on Ready=False', before: [c('Ready', 'False', 'A')], after: [c('Ready', 'False', 'B')], want: ['Warning/B'] },
    { name: 'Ready=Unknown and Reconciling are not Events', before: [c('Ready', 'True')], after: [c('Ready', 'Unknown', 'Progressing'), c('Reconciling', 'True', 'Progressing')], want: [] },
    { name: "a kind condition with Ready's reason is one Event", after: [c('Ready', 'False', 'ChecksumMismatch'), c('Verified', 'False', 'ChecksumMismatch')], want: ['Warning/ChecksumMismatch'] },
    { name: 'a kind condition with its own reason is its own Event', before: [c('Ready', 'True', 'Succeeded')], after: [c('Ready', 'True', 'Succeeded'), c('Verified', 'True', 'ChecksumMatched')], want: ['Normal/ChecksumMatched'] },
    { name: 'a removed condition is not an Event', before: [c('Ready', 'True', 'Succeeded'), c('Verified', 'True', 'X')], after: [c('Ready', 'True', 'Succeeded')], want: [] },
  ];
  for (const tc of cases) {
    it(tc.name, () => {
      expect(transitions(tc.before, tc.after, kind).map((t) => `${t.type}/${t.condition.reason}`)).toEqual(tc.want);
    });
  }
});

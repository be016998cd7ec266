import { describe, expect, it } from 'vitest';
import type { JobObservation } from '../../../src/render/index.js';
import { bestTrial, gate, metricsOf, trialResult } from '../../../src/training/gate.js';
import { trialArtifactsUri, trialName } from '../../../src/training/names.js';

const succeeded = (termination: JobObservation['termination']): JobObservation => ({ phase: 'Succeeded', reason: 'Completed', exitCode: 0, container: 'trainer', termination });

describe('trialResult: what a finished trial reported', () => {
  const cases: Array<{ name: string; observed: JobObservation; want: ReturnType<typeof trialResult> }> = [
    { name: 'metrics', observed: succeeded({ state: 'ok', value: { metrics: { rmse: 0.43, r2: 0.86 } } }), want: { ok: true, metrics: { rmse: 0.43, r2: 0.86 } } },
    { name: 'exit 0 and no message', observed: succeeded({ state: 'missing' }), want: { ok: false, reason: 'NoResult', message: 'the trainer exited 0 without writing its result to $CAIRN_TERMINATION_LOG' } },
    { name: 'not JSON', observed: succeeded({ state: 'malformed', error: 'not JSON: Unexpected token' }), want: { ok: false, reason: 'MalformedResult', message: "the trainer's result is not JSON: Unexpected token" } },
    { name: 'too large', observed: succeeded({ state: 'tooLarge', bytes: 5120 }), want: { ok: false, reason: 'ResultTooLarge', message: "the trainer's result is 5120 bytes; at most 4096" } },
    { name: 'no metrics object', observed: succeeded({ state: 'ok', value: { rmse: 0.4 } }), want: { ok: false, reason: 'InvalidMetrics', message: 'the result has no "metrics" object' } },
    { name: 'NaN as a string', observed: succeeded({ state: 'ok', value: { metrics: { rmse: 'NaN' } } }), want: { ok: false, reason: 'InvalidMetrics', message: 'metric rmse is "NaN", not a finite number' } },
    { name: 'null (a NaN the trainer turned into null; a bare NaN is not JSON and arrives as malformed)', observed: succeeded({ state: 'ok', value: { metrics: { rmse: null } } }), want: { ok: false, reason: 'InvalidMetrics', message: 'metric rmse is null, not a finite number' } },
    { name: 'empty metrics', observed: succeeded({ state: 'ok', value: { metrics: {} } }), want: { ok: false, reason: 'InvalidMetrics', message: 'the result reports no metric' } },
    { name: 'a bad metric name', observed: succeeded({ state: 'ok', value: { metrics: { 'r m s e': 1 } } }), want: { ok: false, reason: 'InvalidMetrics', message: 'metric name "r m s e" is not an identifier' } },
    {
      name: 'exit 1 with the log tail',
      observed: { phase: 'Failed', reason: 'Error', exitCode: 1, container: 'trainer', message: 'Traceback (most recent call last):\n  File "train.py"\nValueError: bad alpha\n', termination: { state: 'malformed', error: 'x' } },
      want: { ok: false, reason: 'TrainerFailed', message: 'exit code 1: Traceback (most recent call last): |   File "train.py" | ValueError: bad alpha' },
    },
    { name: 'OOMKilled', observed: { phase: 'Failed', reason: 'OOMKilled', exitCode: 137, container: 'trainer', termination: { state: 'missing' } }, want: { ok: false, reason: 'TrainerFailed', message: 'exit code 137 (OOMKilled)' } },
    { name: 'past trialTimeout', observed: { phase: 'Failed', reason: 'DeadlineExceeded', termination: { state: 'missing' } }, want: { ok: false, reason: 'DeadlineExceeded', message: 'the trial ran past trialTimeout and was stopped' } },
    {
      name: 'the data fetch failed before training',
      observed: { phase: 'Failed', reason: 'Error', exitCode: 1, container: 'fetch', message: 'ChecksumMismatch: sha256 abc, want def', termination: { state: 'missing' } },
      want: { ok: false, reason: 'TrainerFailed', message: 'exit code 1 in container fetch: ChecksumMismatch: sha256 abc, want def' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(trialResult(c.observed)).toEqual(c.want));
  }

  it('at most 64 metrics', () => {
    const metrics = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`m${i}`, i]));
    expect(metricsOf({ metrics })).toMatchObject({ ok: false, reason: 'InvalidMetrics' });
  });
});

describe('gate', () => {
  const objective = { metric: 'rmse', goal: 'minimize' as const };
  const poc = [
    { metric: 'rmse', op: '<' as const, value: 0.5 },
    { metric: 'r2', op: '>=' as const, value: 0.8 },
  ];
  const cases: Array<{ name: string; metrics: Record<string, number>; criteria?: typeof poc; want: { passed: boolean; failures: string[] } }> = [
    { name: 'passes every criterion', metrics: { rmse: 0.43, r2: 0.86 }, criteria: poc, want: { passed: true, failures: [] } },
    { name: 'fails one', metrics: { rmse: 0.52, r2: 0.86 }, criteria: poc, want: { passed: false, failures: ['rmse = 0.52, needs < 0.5'] } },
    { name: 'the boundary of a strict comparison fails', metrics: { rmse: 0.5, r2: 0.8 }, criteria: poc, want: { passed: false, failures: ['rmse = 0.5, needs < 0.5'] } },
    { name: 'a metric not reported fails its criterion', metrics: { rmse: 0.1 }, criteria: poc, want: { passed: false, failures: ['r2 not reported (needs >= 0.8)'] } },
    { name: 'no criteria: reporting the objective passes', metrics: { rmse: 9 }, want: { passed: true, failures: [] } },
    { name: 'no criteria and no objective metric fails', metrics: { mae: 1 }, want: { passed: false, failures: ['objective metric rmse not reported'] } },
    { name: '== is exact', metrics: { rmse: 1, r2: 1 }, criteria: [{ metric: 'r2', op: '==' as never, value: 1 }], want: { passed: true, failures: [] } },
  ];
  for (const c of cases) {
    it(c.name, () => expect(gate(c.metrics, { objective, ...(c.criteria ? { successCriteria: c.criteria } : {}) })).toEqual(c.want));
  }
});

describe('bestTrial', () => {
  const trials = [
    { name: 't0', passed: true, metrics: { rmse: 0.45, r2: 0.9 } },
    { name: 't1', passed: false, metrics: { rmse: 0.1, r2: 0.2 } },
    { name: 't2', passed: true, metrics: { rmse: 0.41, r2: 0.88 } },
    { name: 't3', passed: true, metrics: { rmse: 0.41, r2: 0.95 } },
    { name: 't4' },
  ];
  it('minimize: the lowest passing value; a tie goes to the earlier trial', () => expect(bestTrial(trials, { metric: 'rmse', goal: 'minimize' })?.name).toBe('t2'));
  it('maximize: the highest passing value, a failed trial never wins', () => expect(bestTrial(trials, { metric: 'r2', goal: 'maximize' })?.name).toBe('t3'));
  it('none passed: undefined', () => expect(bestTrial([trials[1]!, trials[4]!], { metric: 'rmse', goal: 'minimize' })).toBeUndefined());
});

describe('names', () => {
  it.each([
    ['eta-elasticnet', 2, 4, 'eta-elasticnet-2-t4'],
    ['eta.v2', 1, 0, 'eta-v2-'],
    ['x'.repeat(70), 12, 999, 'x'],
  ])('%s run %i trial %i', (experiment, run, index, prefix) => {
    const name = trialName(experiment, run, index);
    expect(name.startsWith(prefix)).toBe(true);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(name.endsWith(`-${run}-t${index}`)).toBe(true);
  });

  it('a dotted name and its dashed twin do not meet; long names stay distinct', () => {
    expect(trialName('eta.v2', 1, 0)).not.toBe(trialName('eta-v2', 1, 0));
    expect(trialName(`${'a'.repeat(60)}-one`, 1, 0)).not.toBe(trialName(`${'a'.repeat(60)}-two`, 1, 0));
  });

  it('artifacts go under <uri>/<experiment>/<run>/<trial>/', () => {
    expect(trialArtifactsUri('s3://ml-artifacts/eta/', 'eta-elasticnet', 2, 'eta-elasticnet-2-t4')).toBe('s3://ml-artifacts/eta/eta-elasticnet/2/eta-elasticnet-2-t4/');
  });
});

import { describe, expect, test } from 'vitest';
import { parseDuration } from '../../../src/api/duration.js';
import { decide, initialState, type Decision, type Observed, type RolloutState, type Strategy } from '../../../src/rollout/machine.js';

const T0 = Date.parse('2026-11-29T12:00:00Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
const iso = (seconds: number): string => at(seconds).toISOString();

/** Decides once with sensible defaults: canary available, weight verified. */
function step(strategy: Strategy | undefined, state: RolloutState, observed: Partial<Observed> & { t: number }): Decision {
  const { t, ...rest } = observed;
  return decide(strategy, state, { canaryAvailable: true, weightVerified: true, ...rest, now: at(t) }, parseDuration);
}

/** A Deployment already serving version 1. */
function serving(version = 1): RolloutState {
  return step(undefined, initialState(), { selected: version, t: 0 }).state;
}

const canary: Strategy = {
  type: 'Canary',
  canary: { steps: [{ setWeight: 20 }, { pause: { duration: '1m' } }, { setWeight: 50 }, { analysis: {} }, { pause: {} }, { setWeight: 80 }] },
  analysis: { interval: '30s', failureLimit: 1, metrics: [{ name: 'error-rate', max: 0.01 }] },
};

describe('the first version', () => {
  test('waits for its pods, then serves everything with no rollout', () => {
    const waiting = step(canary, initialState(), { selected: 1, canaryAvailable: false, t: 0 });
    expect(waiting.state).toMatchObject({ phase: 'Progressing', canary: 1, weight: 0 });
    expect(waiting.state.stable).toBeUndefined();
    const up = step(canary, waiting.state, { selected: 1, t: 5 });
    expect(up.state).toMatchObject({ phase: 'Healthy', stable: 1, canary: undefined, weight: 0 });
    expect(up.events.map((e) => e.reason)).toEqual(['Promoted']);
  });

  test('no ModelVersion yet is Degraded', () => {
    expect(step(canary, initialState(), { t: 0 }).state).toMatchObject({ phase: 'Degraded', message: 'no ModelVersion to serve yet' });
  });
});

describe('Canary', () => {
  test('walks its steps: weight, timed pause, weight, analysis, pause until promoted, weight, then promotes', () => {
    let d = step(canary, serving(), { selected: 2, t: 0 });
    expect(d.events.map((e) => e.reason)).toEqual(['RolloutStarted', 'WeightSet']);
    expect(d.state).toMatchObject({ phase: 'Progressing', stable: 1, canary: 2, step: 0, weight: 20 });

    // the router has not applied 20% yet: stay
    d = step(canary, d.state, { selected: 2, weightVerified: false, t: 1 });
    expect(d.state).toMatchObject({ step: 0, weight: 20, message: 'step 1 of 6: waiting for the router to apply weight 20%' });

    // verified: into the 1m pause, which asks to come back when it runs out (or at the next measurement)
    d = step(canary, d.state, { selected: 2, t: 2 });
    expect(d.state).toMatchObject({ step: 1, stepStartedAt: iso(2), weight: 20 });
    expect(d.requeueAfterMs).toBe(30_000); // the analysis runs while the canary has traffic: first measurement at 2+30 s
    expect(d.measure).toBe(false);

    d = step(canary, d.state, { selected: 2, t: 32 });
    expect(d.measure).toBe(true);
    d = step(canary, d.state, { selected: 2, measurement: { verdict: 'Passed', at: iso(33) }, t: 33 });
    expect(d.state.analysis).toMatchObject({ passed: 1, failed: 0, lastAt: iso(33) });
    expect(d.requeueAfterMs).toBe(29_000); // pause ends at 62, next measurement at 63

    // the pause ran out: straight on to weight 50
    d = step(canary, d.state, { selected: 2, t: 62 });
    expect(d.state).toMatchObject({ step: 2, weight: 50 });
    // verified: the analysis step waits for a passing measurement taken after it began
    d = step(canary, d.state, { selected: 2, t: 63 });
    expect(d.state).toMatchObject({ step: 3, phase: 'Progressing' });
    expect(d.measure).toBe(true); // the last measurement (33) is an interval old
    d = step(canary, d.state, { selected: 2, measurement: { verdict: 'Inconclusive', at: iso(64) }, t: 64 });
    expect(d.state).toMatchObject({ step: 3 });
    expect(d.state.analysis.inconclusive).toBe(1);
    d = step(canary, d.state, { selected: 2, measurement: { verdict: 'Passed', at: iso(94) }, t: 94 });
    expect(d.state).toMatchObject({ step: 4, phase: 'Paused', message: 'step 5 of 6: paused at 50% until cairn.dev/promote' });

    // paused with no duration: time alone does nothing
    d = step(canary, d.state, { selected: 2, t: 10_000 });
    expect(d.state).toMatchObject({ step: 4, phase: 'Paused' });

    // promote finishes the rollout at once
    d = step(canary, d.state, { selected: 2, promote: 'now', t: 10_001 });
    expect(d.state).toMatchObject({ phase: 'Healthy', stable: 2, canary: undefined, weight: 0, promoteHandled: 'now' });
    expect(d.events.map((e) => e.reason)).toEqual(['Promoted']);
  });

  test('a promote value is acted on once: the same value left on the object does not promote the next rollout', () => {
    const done = step(canary, step(canary, serving(), { selected: 2, t: 0 }).state, { selected: 2, promote: 'x', t: 1 }).state;
    expect(done).toMatchObject({ stable: 2, promoteHandled: 'x' });
    const next = step(canary, done, { selected: 3, promote: 'x', t: 2 });
    expect(next.state).toMatchObject({ stable: 2, canary: 3, phase: 'Progressing' });
  });

  test('failed measurements beyond failureLimit roll back; the failure is named; the version is not retried', () => {
    let d = step(canary, serving(), { selected: 2, t: 0 });
    d = step(canary, d.state, { selected: 2, measurement: { verdict: 'Failed', at: iso(30), detail: 'error-rate = 0.5, above the max 0.01' }, t: 30 });
    expect(d.state).toMatchObject({ phase: 'Progressing', canary: 2 });
    expect(d.events).toEqual([{ reason: 'AnalysisFailed', message: 'error-rate = 0.5, above the max 0.01 (1 of 1 failures tolerated)', warning: true }]);
    d = step(canary, d.state, { selected: 2, measurement: { verdict: 'Failed', at: iso(60), detail: 'error-rate = 0.4, above the max 0.01' }, t: 60 });
    expect(d.state).toMatchObject({ phase: 'RolledBack', stable: 1, canary: undefined, weight: 0, rolledBack: 2 });
    expect(d.state.message).toBe('version 2 rolled back: analysis failed: error-rate = 0.4, above the max 0.01');
    expect(d.events.map((e) => e.reason)).toEqual(['RolledBack']);

    // latestReady still selects 2: it stays rolled back
    const again = step(canary, d.state, { selected: 2, t: 90 });
    expect(again.state).toMatchObject({ phase: 'RolledBack', canary: undefined, weight: 0 });
    expect(again.events).toEqual([]);
    // a newer version starts a new rollout with a clean tally
    const next = step(canary, again.state, { selected: 3, t: 120 });
    expect(next.state).toMatchObject({ phase: 'Progressing', canary: 3, weight: 20, rolledBack: undefined });
    expect(next.state.analysis).toMatchObject({ passed: 0, failed: 0, inconclusive: 0 });
  });

  test('abort rolls back at once', () => {
    const d = step(canary, step(canary, serving(), { selected: 2, t: 0 }).state, { selected: 2, abort: 'please', t: 5 });
    expect(d.state).toMatchObject({ phase: 'RolledBack', stable: 1, weight: 0, abortHandled: 'please', message: 'version 2 rolled back: aborted by the cairn.dev/abort annotation' });
  });

  test('a new selection mid-rollout restarts from the first step; the selection back to stable cancels', () => {
    let d = step(canary, serving(), { selected: 2, t: 0 });
    d = step(canary, d.state, { selected: 2, t: 1 }); // into the pause
    d = step(canary, d.state, { selected: 3, t: 2 });
    expect(d.state).toMatchObject({ canary: 3, step: 0, weight: 20, stepStartedAt: iso(2) });
    d = step(canary, d.state, { selected: 1, t: 3 });
    expect(d.state).toMatchObject({ phase: 'Healthy', stable: 1, canary: undefined, weight: 0 });
    expect(d.events.map((e) => e.reason)).toEqual(['RolloutCanceled']);
  });

  test('a hold (drift) keeps the rollout at its step, still measured and rolled back by a failure; lifted, it moves on', () => {
    let d = step(canary, serving(), { selected: 2, t: 0 });
    expect(d.state).toMatchObject({ step: 0, weight: 20 });
    d = step(canary, d.state, { selected: 2, hold: 'DriftMonitor eta-drift: live traffic drifted', t: 1 });
    expect(d.state).toMatchObject({ phase: 'Paused', step: 0, weight: 20, message: 'held at 20%: DriftMonitor eta-drift: live traffic drifted' });
    // well past the 1m pause: still held
    const held = step(canary, d.state, { selected: 2, hold: 'drift', t: 200 });
    expect(held.state).toMatchObject({ step: 0, weight: 20 });
    expect(held.measure).toBe(true);
    const failing = step(canary, held.state, { selected: 2, hold: 'drift', measurement: { verdict: 'Failed', at: iso(200), detail: 'x' }, t: 200 });
    const rolledBack = step(canary, failing.state, { selected: 2, hold: 'drift', measurement: { verdict: 'Failed', at: iso(230), detail: 'x' }, t: 230 });
    expect(rolledBack.state).toMatchObject({ phase: 'RolledBack', canary: undefined });
    const lifted = step(canary, held.state, { selected: 2, t: 201 });
    expect(lifted.state).toMatchObject({ step: 1, phase: 'Progressing' });
  });

  test('pods not available hold the rollout where it is', () => {
    let d = step(canary, serving(), { selected: 2, canaryAvailable: false, t: 0 });
    expect(d.state).toMatchObject({ canary: 2, step: 0, weight: 0, unavailableSince: iso(0), message: 'waiting for the pods of version 2 (rolled back if not available by 2026-11-29T12:10:00.000Z)' });
    d = step(canary, d.state, { selected: 2, t: 100 });
    expect(d.state.unavailableSince).toBeUndefined();
    // The analysis clock starts with the first traffic, not with the pods' start-up: no measurement is due yet.
    expect(d.state).toMatchObject({ step: 0, weight: 20, stepStartedAt: iso(100) });
    expect(d.measure).toBe(false);
    expect(d.requeueAfterMs).toBe(30_000);
  });

  test.each([
    // seconds unavailable -> rolled back (default deadline 10m)
    [599, false],
    [600, true],
  ])('a canary whose pods stay unavailable for %i s from the rollout start: rolled back %s', (seconds, rolledBack) => {
    const started = step(canary, serving(), { selected: 2, canaryAvailable: false, t: 0 });
    expect(started.requeueAfterMs).toBe(600_000);
    const later = step(canary, started.state, { selected: 2, canaryAvailable: false, t: seconds });
    if (!rolledBack) {
      expect(later.state).toMatchObject({ phase: 'Progressing', canary: 2, unavailableSince: iso(0) });
      expect(later.requeueAfterMs).toBe(1000);
      return;
    }
    expect(later.state).toMatchObject({ phase: 'RolledBack', stable: 1, canary: undefined, rolledBack: 2, unavailableSince: undefined });
    expect(later.state.message).toBe(`version 2 rolled back: its pods were not available within the progress deadline of 10m (since ${iso(0)})`);
    expect(later.events).toEqual([{ reason: 'RolledBack', message: expect.stringContaining('progress deadline of 10m'), warning: true }]);
  });

  test('the deadline counts from when the pods stopped being available mid-rollout, and spec.strategy.progressDeadline sets it', () => {
    const strict: Strategy = { ...canary, progressDeadline: '30s' };
    let d = step(strict, serving(), { selected: 2, t: 0 });
    d = step(strict, d.state, { selected: 2, t: 1 }); // at 20%, into the pause
    expect(d.state).toMatchObject({ step: 1, weight: 20 });
    d = step(strict, d.state, { selected: 2, canaryAvailable: false, t: 100 }); // a pod crashed
    expect(d.state).toMatchObject({ phase: 'Progressing', step: 1, weight: 20, unavailableSince: iso(100) });
    expect(d.requeueAfterMs).toBe(30_000);
    d = step(strict, d.state, { selected: 2, t: 110 }); // back, the clock is cleared
    expect(d.state.unavailableSince).toBeUndefined();
    d = step(strict, d.state, { selected: 2, canaryAvailable: false, t: 120 });
    expect(d.state.unavailableSince).toBe(iso(120));
    d = step(strict, d.state, { selected: 2, canaryAvailable: false, t: 150 });
    expect(d.state).toMatchObject({ phase: 'RolledBack', stable: 1, weight: 0, rolledBack: 2 });
  });

  test('an operator restart resumes at the same step: the state alone decides (replaying a decision changes nothing)', () => {
    let d = step(canary, serving(), { selected: 2, t: 0 });
    d = step(canary, d.state, { selected: 2, t: 1 });
    const saved = JSON.parse(JSON.stringify(d.state)) as RolloutState; // what status holds
    const again = step(canary, saved, { selected: 2, t: 20 });
    expect(again.state).toEqual({ ...d.state });
    expect(again.events).toEqual([]);
  });

  test('steps without analysis metrics pass an analysis step; weights with no analysis never measure', () => {
    const plain: Strategy = { type: 'Canary', canary: { steps: [{ setWeight: 10 }, { analysis: {} }, { setWeight: 100 }] } };
    let d = step(plain, serving(), { selected: 2, t: 0 });
    d = step(plain, d.state, { selected: 2, t: 1 });
    expect(d.state).toMatchObject({ step: 2, weight: 100 });
    expect(d.measure).toBe(false);
    expect(d.requeueAfterMs).toBeUndefined();
    d = step(plain, d.state, { selected: 2, t: 2 });
    expect(d.state).toMatchObject({ phase: 'Healthy', stable: 2 });
  });
});

describe('BlueGreen, Shadow, Immediate', () => {
  test('BlueGreen waits on the preview for a promote; with autoPromote it switches once the analysis passed', () => {
    const manual: Strategy = { type: 'BlueGreen' };
    let d = step(manual, serving(), { selected: 2, t: 0 });
    expect(d.state).toMatchObject({ phase: 'Paused', canary: 2, weight: 0, message: 'version 2 is on the preview Service; waiting for cairn.dev/promote' });
    d = step(manual, d.state, { selected: 2, promote: '1', t: 10 });
    expect(d.state).toMatchObject({ phase: 'Healthy', stable: 2 });

    const auto: Strategy = { type: 'BlueGreen', blueGreen: { autoPromote: true }, analysis: { interval: '10s', metrics: [{ name: 'error-rate', max: 0.05 }] } };
    d = step(auto, serving(), { selected: 2, t: 0 });
    expect(d.state).toMatchObject({ phase: 'Progressing', message: 'version 2 is on the preview Service; waiting for a passing analysis' });
    expect(d.requeueAfterMs).toBe(10_000);
    d = step(auto, d.state, { selected: 2, t: 10 });
    expect(d.measure).toBe(true);
    d = step(auto, d.state, { selected: 2, measurement: { verdict: 'Passed', at: iso(11) }, t: 11 });
    expect(d.state).toMatchObject({ phase: 'Healthy', stable: 2 });
  });

  test('Shadow mirrors its percent and waits for a promote; a failed analysis rolls back', () => {
    const shadow: Strategy = { type: 'Shadow', shadow: { percent: 25 }, analysis: { metrics: [{ name: 'error-rate', max: 0.05 }] } };
    let d = step(shadow, serving(), { selected: 2, t: 0 });
    expect(d.state).toMatchObject({ phase: 'Paused', weight: 0, mirror: 25 });
    d = step(shadow, d.state, { selected: 2, measurement: { verdict: 'Failed', at: iso(30), detail: 'error-rate = 1' }, t: 30 });
    expect(d.state).toMatchObject({ phase: 'RolledBack', mirror: 0, stable: 1 });
  });

  test('Immediate (and no strategy) switches as soon as the pods are available', () => {
    for (const strategy of [{ type: 'Immediate' } as Strategy, undefined]) {
      let d = step(strategy, serving(), { selected: 2, canaryAvailable: false, t: 0 });
      expect(d.state).toMatchObject({ stable: 1, canary: 2, phase: 'Progressing' });
      d = step(strategy, d.state, { selected: 2, t: 1 });
      expect(d.state).toMatchObject({ stable: 2, canary: undefined, phase: 'Healthy' });
    }
  });
});

import { describe, expect, test } from 'vitest';
import { parseDuration } from '../../../src/api/duration.js';
import { decide, initialState, type RolloutState, type Strategy } from '../../../src/rollout/machine.js';
import { stateFromStatus, statusFromState } from '../../../src/rollout/state.js';

const strategy: Strategy = {
  type: 'Canary',
  canary: { steps: [{ setWeight: 20 }, { pause: { duration: '10m' } }, { setWeight: 60 }] },
  analysis: { metrics: [{ name: 'error-rate', max: 0.01 }] },
};

describe('the machine state through status', () => {
  test('every state of a rollout survives the round trip through status (JSON included)', () => {
    const now = (s: number) => new Date(Date.parse('2026-11-29T12:00:00Z') + s * 1000);
    const observe = { canaryAvailable: true, weightVerified: true };
    const states: RolloutState[] = [initialState()];
    let state = decide(strategy, initialState(), { ...observe, selected: 1, now: now(0) }, parseDuration).state;
    states.push(state);
    state = decide(strategy, state, { ...observe, selected: 2, now: now(1) }, parseDuration).state;
    states.push(state);
    state = decide(strategy, state, { ...observe, selected: 2, now: now(2), measurement: { verdict: 'Failed', at: now(2).toISOString(), detail: 'error-rate = 1' } }, parseDuration).state;
    states.push(state); // rolled back
    state = decide(strategy, state, { ...observe, selected: 3, promote: 'go', now: now(3) }, parseDuration).state;
    states.push(state);
    for (const s of states) {
      const status = JSON.parse(JSON.stringify(statusFromState(s))) as ReturnType<typeof statusFromState>;
      const back = stateFromStatus(status);
      expect(statusFromState(back)).toEqual(statusFromState(s));
      // and deciding from the read-back state gives what deciding from the original gives
      const next = (from: RolloutState) => decide(strategy, from, { ...observe, selected: 3, now: now(100) }, parseDuration);
      expect(statusFromState(next(back).state)).toEqual(statusFromState(next(s).state));
    }
  });

  test('the status a canary at step 1 gives: weights that add up to 100, the step, the clock of the pause', () => {
    const state: RolloutState = { ...initialState(), phase: 'Progressing', stable: 1, canary: 2, step: 1, weight: 20, stepStartedAt: '2026-11-29T12:00:01.000Z', message: 'step 2 of 3: pausing 10m at 20%' };
    expect(statusFromState(state)).toEqual({
      phase: 'Progressing',
      stable: { version: 1, weight: 80 },
      canary: { version: 2, weight: 20, step: 1 },
      message: 'step 2 of 3: pausing 10m at 20%',
      rollout: { stepStartedAt: '2026-11-29T12:00:01.000Z' },
    });
  });

  test('no status is the initial state', () => {
    expect(stateFromStatus(undefined)).toEqual(initialState());
    expect(stateFromStatus({})).toEqual(initialState());
  });
});

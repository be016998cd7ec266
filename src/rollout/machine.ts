/**
 * The progressive-delivery step machine: one pure function from (the strategy, the state recorded in status,
 * what was observed now) to the next state and what traffic should look like. All of its memory lives in the
 * state it returns, which the controller writes to status, so an operator restarted between two steps resumes
 * at the same step. No I/O, no clock (the caller passes `now`), no randomness.
 *
 * Semantics (docs/rollouts.md):
 * - The first version a Deployment serves becomes stable at once; a new selection then starts a rollout.
 * - Canary: steps in order. `setWeight` moves traffic and passes once the router confirms the weight; `pause`
 *   with a duration waits that long, without one waits for a promote; `analysis` passes at the first passing
 *   measurement taken after the step began. Measurements are taken every interval while the canary has traffic;
 *   more failed measurements than `failureLimit` roll back.
 * - BlueGreen: the new version runs beside stable behind the preview Service with no live traffic; it is
 *   switched in once its pods are available, the analysis (if any) passed, and either autoPromote or a promote.
 * - Shadow: a percentage of requests is mirrored to the new version (its answers are compared, never returned);
 *   a promote switches it in; failed analysis rolls back.
 * - Immediate: the new version is switched in as soon as its pods are available.
 * - Progress deadline: a new version whose pods stay unavailable for longer than `progressDeadline` (default
 *   10m, Argo Rollouts' default too), from the start of the rollout or from when they stopped being available,
 *   is rolled back: a canary that can never start must not hold the Deployment in Progressing for ever.
 * - A hold (a DriftMonitor's pauseRollout) keeps a rollout at its step, measured, until it is lifted.
 * - Promote (`cairn.dev/promote`) finishes a rollout at once; abort (`cairn.dev/abort`) rolls it back. Each is
 *   acted on once per distinct annotation value, which the state records.
 * - A rolled-back version is not tried again until the selection changes.
 */
import type { DeploymentSpec } from '../api/kinds/deployment.js';

export type Strategy = NonNullable<DeploymentSpec['strategy']>;
export type Phase = 'Healthy' | 'Progressing' | 'Paused' | 'Degraded' | 'RolledBack';

export interface AnalysisTally {
  passed: number;
  failed: number;
  inconclusive: number;
  /** RFC 3339 time of the last measurement. */
  lastAt?: string;
  /** The last failing metric, its value and its threshold, for the condition and the Event. */
  lastFailure?: string;
}

export interface RolloutState {
  phase: Phase;
  /** The version serving live traffic; absent until the first version is up. */
  stable?: number;
  /** The version being rolled out. */
  canary?: number;
  /** Index of the current Canary step; BlueGreen and Shadow use 0. */
  step: number;
  /** RFC 3339 time the current step began (a pause's duration counts from it). */
  stepStartedAt?: string;
  /** Percent of live traffic the canary has. */
  weight: number;
  /** Percent of requests mirrored to the canary (Shadow). */
  mirror: number;
  analysis: AnalysisTally;
  /** RFC 3339 time since when the canary's pods have been unavailable (the progress deadline counts from it). */
  unavailableSince?: string;
  /** The version last rolled back: not tried again while it is still the selection. */
  rolledBack?: number;
  /** The promote and abort annotation values already acted on. */
  promoteHandled?: string;
  abortHandled?: string;
  message: string;
}

export type Verdict = 'Passed' | 'Failed' | 'Inconclusive';

export interface Measurement {
  verdict: Verdict;
  /** RFC 3339. */
  at: string;
  /** For a failure: `<metric> = <value>, above the max <threshold>` or the like. */
  detail?: string;
}

export interface Observed {
  /** The version the spec selects now (pinned, or the newest passing Ready ModelVersion); absent: none yet. */
  selected?: number;
  /** The pods of the canary version are available. */
  canaryAvailable: boolean;
  /** The router reports the traffic it was last asked for (verifyWeight). */
  weightVerified: boolean;
  /** Values of the cairn.dev/promote and cairn.dev/abort annotations, when set. */
  promote?: string;
  abort?: string;
  /** A measurement taken since the last decision, when the analysis was due. */
  measurement?: Measurement;
  /**
   * Why the rollout must not move on (a DriftMonitor's pauseRollout while live traffic drifts): it stays at its
   * step, still measured and still rolled back by a failing analysis; promote and abort still act.
   */
  hold?: string;
  now: Date;
}

export interface Decision {
  state: RolloutState;
  /** Ask again in this many ms (a pause running out, the next measurement); absent: on the next change. */
  requeueAfterMs?: number;
  /** A measurement is due now (the controller takes one before the next decision). */
  measure: boolean;
  /** One line per thing that happened, for Events (reason, message). */
  events: Array<{ reason: string; message: string; warning?: boolean }>;
}

export const DEFAULT_ANALYSIS_INTERVAL_MS = 30_000;
export const DEFAULT_PROGRESS_DEADLINE = '10m';

export function initialState(): RolloutState {
  return { phase: 'Healthy', step: 0, weight: 0, mirror: 0, analysis: emptyTally(), message: '' };
}

function emptyTally(): AnalysisTally {
  return { passed: 0, failed: 0, inconclusive: 0 };
}

/** The strategy with its defaults: Canary with no steps given is a single switch (Immediate). */
function typeOf(strategy: Strategy | undefined): Strategy['type'] {
  return strategy?.type ?? 'Immediate';
}

export function decide(strategy: Strategy | undefined, previous: RolloutState, observed: Observed, parseDuration: (text: string) => number): Decision {
  const now = observed.now.toISOString();
  const events: Decision['events'] = [];
  let state: RolloutState = { ...previous, analysis: { ...previous.analysis } };
  const done = (extra: Partial<Decision> = {}): Decision => ({ state, events, measure: false, ...extra });

  // A promote or abort annotation is acted on once per value, whatever the phase.
  const promote = observed.promote !== undefined && observed.promote !== state.promoteHandled;
  const abort = observed.abort !== undefined && observed.abort !== state.abortHandled;
  if (promote) state.promoteHandled = observed.promote;
  if (abort) state.abortHandled = observed.abort;

  const selected = observed.selected;
  if (selected === undefined) {
    if (state.stable === undefined) state = { ...state, phase: 'Degraded', message: 'no ModelVersion to serve yet' };
    return done();
  }
  if (state.stable === undefined) {
    // The first version: nothing to protect, it becomes stable once its pods are available.
    state = { ...state, canary: selected, weight: 0, mirror: 0 };
    if (!observed.canaryAvailable) {
      state = { ...state, phase: 'Progressing', message: `waiting for the pods of version ${selected}` };
      return done();
    }
    events.push({ reason: 'Promoted', message: `version ${selected} serves all traffic` });
    state = settle(state, selected, `version ${selected} serves all traffic`);
    return done();
  }

  if (selected === state.stable) {
    if (state.canary !== undefined) events.push({ reason: 'RolloutCanceled', message: `the selection went back to stable version ${selected}; version ${state.canary} removed` });
    if (state.canary !== undefined || state.phase !== 'RolledBack') state = settle(state, selected, `version ${selected} serves all traffic`);
    return done();
  }
  if (selected === state.rolledBack) {
    state = { ...state, canary: undefined, weight: 0, mirror: 0, phase: 'RolledBack' };
    return done();
  }
  if (selected !== state.canary) {
    // A new selection (re)starts the rollout from its first step.
    events.push({ reason: 'RolloutStarted', message: `rolling out version ${selected} over stable version ${state.stable} (${typeOf(strategy)})` });
    state = { ...state, canary: selected, step: 0, stepStartedAt: now, weight: 0, mirror: 0, analysis: emptyTally(), phase: 'Progressing', message: '', rolledBack: undefined, unavailableSince: undefined };
  }

  if (abort) return rollBack(state, events, 'aborted by the cairn.dev/abort annotation', done);
  if (promote) {
    events.push({ reason: 'Promoted', message: `version ${state.canary} promoted by the cairn.dev/promote annotation` });
    state = settle(state, state.canary!, `version ${state.canary} serves all traffic (promoted)`);
    return done();
  }

  // Analysis: record a measurement; too many failures roll back.
  const analysis = strategy?.analysis;
  if (observed.measurement) {
    const m = observed.measurement;
    state.analysis = {
      ...state.analysis,
      lastAt: m.at,
      passed: state.analysis.passed + (m.verdict === 'Passed' ? 1 : 0),
      failed: state.analysis.failed + (m.verdict === 'Failed' ? 1 : 0),
      inconclusive: state.analysis.inconclusive + (m.verdict === 'Inconclusive' ? 1 : 0),
      lastFailure: m.verdict === 'Failed' ? m.detail : state.analysis.lastFailure,
    };
    if (m.verdict === 'Failed') {
      const limit = analysis?.failureLimit ?? 0;
      if (state.analysis.failed > limit) return rollBack(state, events, `analysis failed: ${m.detail ?? 'a metric crossed its threshold'}`, done);
      events.push({ reason: 'AnalysisFailed', message: `${m.detail ?? 'a metric crossed its threshold'} (${state.analysis.failed} of ${limit} failures tolerated)`, warning: true });
    }
  }

  if (!observed.canaryAvailable) {
    const deadline = strategy?.progressDeadline ?? DEFAULT_PROGRESS_DEADLINE;
    const since = state.unavailableSince ?? now;
    const left = Date.parse(since) + parseDuration(deadline) - observed.now.getTime();
    if (left <= 0) return rollBack(state, events, `its pods were not available within the progress deadline of ${deadline} (since ${since})`, done);
    state = { ...state, unavailableSince: since, phase: 'Progressing', message: `waiting for the pods of version ${state.canary} (rolled back if not available by ${new Date(Date.parse(since) + parseDuration(deadline)).toISOString()})` };
    return done({ requeueAfterMs: left });
  }
  state.unavailableSince = undefined;

  const interval = analysis ? parseDuration(analysis.interval ?? '30s') : DEFAULT_ANALYSIS_INTERVAL_MS;
  const measuring = (s: RolloutState, analysisStep: boolean): boolean => analysis !== undefined && (analysisStep || s.weight > 0 || s.mirror > 0 || typeOf(strategy) === 'BlueGreen');
  const due = (s: RolloutState): number => {
    const last = s.analysis.lastAt ?? s.stepStartedAt ?? now;
    return Math.max(0, Date.parse(last) + interval - observed.now.getTime());
  };
  /** The decision while waiting in the current step: measure when due, come back at the earliest deadline. */
  const waiting = (until?: number, analysisStep = false): Decision => {
    const untilMeasure = measuring(state, analysisStep) ? due(state) : undefined;
    const measure = untilMeasure === 0;
    const next = [until, untilMeasure === undefined ? undefined : measure ? interval : untilMeasure].filter((x): x is number => x !== undefined);
    return { state, events, measure, requeueAfterMs: next.length > 0 ? Math.min(...next) : undefined };
  };

  if (observed.hold !== undefined) {
    state = { ...state, phase: 'Paused', message: `held at ${state.weight}%: ${observed.hold}` };
    return waiting();
  }

  switch (typeOf(strategy)) {
    case 'Immediate': {
      events.push({ reason: 'Promoted', message: `version ${state.canary} serves all traffic` });
      state = settle(state, state.canary!, `version ${state.canary} serves all traffic`);
      return done();
    }
    case 'BlueGreen': {
      const passed = analysis === undefined || state.analysis.passed > 0;
      if (passed && strategy?.blueGreen?.autoPromote) {
        events.push({ reason: 'Promoted', message: `version ${state.canary} switched in from the preview` });
        state = settle(state, state.canary!, `version ${state.canary} serves all traffic`);
        return done();
      }
      state = { ...state, phase: passed ? 'Paused' : 'Progressing', message: passed ? `version ${state.canary} is on the preview Service; waiting for cairn.dev/promote` : `version ${state.canary} is on the preview Service; waiting for a passing analysis` };
      return waiting();
    }
    case 'Shadow': {
      state = { ...state, mirror: strategy?.shadow?.percent ?? 0, phase: 'Paused', message: `mirroring ${strategy?.shadow?.percent ?? 0}% of requests to version ${state.canary}; waiting for cairn.dev/promote` };
      return waiting();
    }
    case 'Canary':
      return canarySteps(strategy?.canary?.steps ?? [], state, observed, events, now, parseDuration, analysis !== undefined, waiting, done);
  }
}

function canarySteps(
  steps: NonNullable<Strategy['canary']>['steps'],
  start: RolloutState,
  observed: Observed,
  events: Decision['events'],
  now: string,
  parseDuration: (text: string) => number,
  hasAnalysis: boolean,
  waiting: (until?: number, analysisStep?: boolean) => Decision,
  done: () => Decision,
): Decision {
  const state = start;
  const advance = (): void => {
    state.step += 1;
    state.stepStartedAt = now;
  };
  // Passes as many steps as are already satisfied in this one decision.
  for (let guard = 0; guard <= steps.length; guard++) {
    const step = steps[state.step];
    if (step === undefined) {
      events.push({ reason: 'Promoted', message: `version ${state.canary} passed every step and serves all traffic` });
      Object.assign(state, settle(state, state.canary!, `version ${state.canary} serves all traffic`));
      return done();
    }
    const where = `step ${state.step + 1} of ${steps.length}`;
    if (step.setWeight !== undefined) {
      if (state.weight !== step.setWeight) {
        // The step acts from now: the analysis clock starts with the canary's first traffic, so the first
        // measurement covers a whole interval of it instead of the pods' start-up.
        if (state.weight === 0) state.stepStartedAt = now;
        state.weight = step.setWeight;
        events.push({ reason: 'WeightSet', message: `${where}: version ${state.canary} gets ${step.setWeight}% of traffic` });
        state.phase = 'Progressing';
        state.message = `${where}: setting weight ${step.setWeight}%`;
        return waiting();
      }
      if (!observed.weightVerified) {
        state.phase = 'Progressing';
        state.message = `${where}: waiting for the router to apply weight ${step.setWeight}%`;
        return waiting();
      }
      advance();
      continue;
    }
    if (step.pause !== undefined) {
      if (step.pause.duration === undefined) {
        state.phase = 'Paused';
        state.message = `${where}: paused at ${state.weight}% until cairn.dev/promote`;
        return waiting();
      }
      const left = Date.parse(state.stepStartedAt ?? now) + parseDuration(step.pause.duration) - observed.now.getTime();
      if (left > 0) {
        state.phase = 'Progressing';
        state.message = `${where}: pausing ${step.pause.duration} at ${state.weight}%`;
        return waiting(left);
      }
      advance();
      continue;
    }
    // analysis: the first passing measurement taken after this step began (nothing to check without metrics)
    if (!hasAnalysis) {
      advance();
      continue;
    }
    const lastAt = state.analysis.lastAt;
    const passedSince = observed.measurement?.verdict === 'Passed' && lastAt !== undefined && Date.parse(lastAt) >= Date.parse(state.stepStartedAt ?? now);
    if (passedSince) {
      advance();
      continue;
    }
    state.phase = 'Progressing';
    state.message = `${where}: analysing version ${state.canary} at ${state.weight}%`;
    return waiting(undefined, true);
  }
  throw new Error('canary steps: no progress');
}

/** Everything on `version`, no rollout in progress. */
function settle(state: RolloutState, version: number, message: string): RolloutState {
  return { ...state, phase: 'Healthy', stable: version, canary: undefined, step: 0, stepStartedAt: undefined, weight: 0, mirror: 0, analysis: emptyTally(), unavailableSince: undefined, message };
}

function rollBack(state: RolloutState, events: Decision['events'], why: string, done: () => Decision): Decision {
  events.push({ reason: 'RolledBack', message: `version ${state.canary} rolled back, all traffic on stable version ${state.stable}: ${why}`, warning: true });
  Object.assign(state, { phase: 'RolledBack', rolledBack: state.canary, canary: undefined, step: 0, stepStartedAt: undefined, weight: 0, mirror: 0, unavailableSince: undefined, message: `version ${state.canary} rolled back: ${why}` });
  return done();
}

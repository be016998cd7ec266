/** The Experiment's conditions and reasons (docs/api.md, Conditions). */
import { kindConditions } from '../kit/index.js';

/**
 * Failed (negative: True when the run failed) first, so Ready takes its reason; Succeeded (positive: False when
 * the run ended without a model to register); Running (True only while a run's trials run; removed after).
 */
export const experimentConditions = kindConditions({ type: 'Failed', polarity: 'negative' }, { type: 'Succeeded', polarity: 'positive' }, { type: 'Running', polarity: 'positive' });

export const ExperimentCondition = { Failed: 'Failed', Succeeded: 'Succeeded', Running: 'Running' } as const;

export const ExperimentReason = {
  /** Event: a new run started, and why. */
  RunStarted: 'RunStarted',
  /** Event: a cairn.dev/rerun request the run in progress already answers (src/training/run.ts, coalescedRerun). */
  RerunCoalesced: 'RerunCoalesced',
  TrialsRunning: 'TrialsRunning',
  /** Event: one trial failed, with its reason and message. */
  TrialFailed: 'TrialFailed',
  MaxFailedTrialsReached: 'MaxFailedTrialsReached',
  NoTrialPassed: 'NoTrialPassed',
  Registered: 'Registered',
  /** The run ended with a best trial and nothing to register (no `register`, or policy none). */
  RunCompleted: 'RunCompleted',
  RegistrationFailed: 'RegistrationFailed',
  JobApplyFailed: 'JobApplyFailed',
} as const;

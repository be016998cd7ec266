/** The DriftMonitor's own conditions and reasons (the kit's are in src/controllers/kit/conditions.ts). */
import { kindConditions } from '../kit/index.js';

export const DriftMonitorCondition = {
  /** True while the last window drifted; False after a window without drift; Unknown while there is no verdict. */
  Drifted: 'Drifted',
  /**
   * True while drifted and `onDrift` has `pauseRollout`: the watched Deployment's rollout should hold (the
   * Deployment controller reads it). Removed when a window shows no drift.
   */
  RolloutPauseRequested: 'RolloutPauseRequested',
  /** True once this drift episode's retrain was requested (cairn.dev/rerun on the Experiment); removed when the episode ends. */
  RetrainRequested: 'RetrainRequested',
} as const;

/**
 * Drifted is negative (True is the problem, Ready turns False with its reason). The two action conditions are
 * positive: True records that an action was taken, which is not a fault of the monitor.
 */
export const driftMonitorConditions = kindConditions(
  { type: DriftMonitorCondition.Drifted, polarity: 'negative' },
  { type: DriftMonitorCondition.RolloutPauseRequested, polarity: 'positive' },
  { type: DriftMonitorCondition.RetrainRequested, polarity: 'positive' },
);

export const DriftMonitorReason = {
  /** Drifted=True: a checked feature or the output drifted. */
  DriftDetected: 'DriftDetected',
  /** Drifted=False: the window looks like the baseline. */
  NoDrift: 'NoDrift',
  /** Drifted=Unknown: fewer samples in the window than minSamples (or no serving pod answered). */
  NotEnoughSamples: 'NotEnoughSamples',
  /** Ready=True: the last evaluation gave a verdict. */
  Evaluated: 'Evaluated',
  /** RetrainRequested=True, and its Event. */
  RetrainRequested: 'RetrainRequested',
  /** RolloutPauseRequested=True, and its Event. */
  RolloutPauseRequested: 'RolloutPauseRequested',
  // Ready=False from a thrown error
  DeploymentNotFound: 'DeploymentNotFound',
  BaselineNotReady: 'BaselineNotReady',
  InvalidProfile: 'InvalidProfile',
  ExperimentNotFound: 'ExperimentNotFound',
  RetrainFailed: 'RetrainFailed',
  /** Warning Event: some serving pods did not answer on /metrics (the others were counted). */
  ScrapeFailed: 'ScrapeFailed',
  /** Warning Event: a checked column could not be scored this time (not counted, counted on other bins). */
  ColumnNotScored: 'ColumnNotScored',
} as const;

/**
 * What a DriftMonitor does about drift (docs/api.md, `onDrift`), once per drift episode. An episode starts when
 * Drifted turns True and ends only with a window that shows no drift (Drifted=False): a window too thin to judge
 * (Unknown) does not end it, so traffic that comes and goes cannot start a retrain storm.
 *
 * - `retrain`: a new value of `cairn.dev/rerun` on each named Experiment, which starts a new run
 *   (src/training/run.ts); RetrainRequested=True records that this episode's request was made, in status, so an
 *   operator restart does not ask again.
 * - `pauseRollout`: RolloutPauseRequested=True while drifted. The Deployment controller reads it: a rollout of the
 *   watched Deployment holds at its current step while a DriftMonitor of it has RolloutPauseRequested=True.
 */
import type { DriftMonitorSpec } from '../../api/kinds/driftmonitor.js';
import { driftedFromNote, rerunAnnotation } from '../../training/run.js';
import type { ConditionSet } from '../kit/index.js';
import { DriftMonitorCondition, DriftMonitorReason } from './reasons.js';

export type EpisodeStep =
  /** No verdict of drift: nothing to do (a thin window keeps what the episode did). */
  | { kind: 'none' }
  /** The window showed no drift: the episode (if any) is over. */
  | { kind: 'ended' }
  /** Drifted: these Experiments still need their rerun, and the rollout should hold if `pause`. */
  | { kind: 'drifted'; retrain: string[]; pause: boolean };

/** What the actions of this reconcile are, from the Drifted condition and what the episode already did. */
export function episodeStep(spec: Pick<DriftMonitorSpec, 'onDrift'>, conditions: ConditionSet): EpisodeStep {
  const drifted = conditions.get(DriftMonitorCondition.Drifted)?.status;
  if (drifted === 'False') return { kind: 'ended' };
  if (drifted !== 'True') return { kind: 'none' };
  const actions = spec.onDrift ?? [];
  const requested = conditions.get(DriftMonitorCondition.RetrainRequested)?.status === 'True';
  const experiments = [...new Set(actions.flatMap((a) => (a.retrain ? [a.retrain.experimentRef.name] : [])))];
  return { kind: 'drifted', retrain: requested ? [] : experiments, pause: actions.some((a) => a.pauseRollout === true) };
}

/**
 * The annotation value that asks for this episode's run: new for every episode, so the Experiment runs again.
 * `driftedFrom`, the data version the drifted stable model was trained on, lets the Experiment coalesce the
 * request when its run in progress already trains on other data (src/training/run.ts, `coalescedRerun`).
 */
export function rerunValue(monitor: string, at: string, driftedFrom?: string): string {
  return `driftmonitor/${monitor}@${at}${driftedFrom ? ` ${driftedFromNote(driftedFrom)}` : ''}`;
}

/**
 * Whether `pauseRollout` holds the rollout in progress: not when its canary was trained on other data than the
 * baseline's (the retrained model, the fix for the drift), else the drift would hold its own remedy. A canary of
 * unknown lineage is held.
 */
export function holdsCanary(baselineVersion: string | undefined, canaryTrainedOn: string | undefined): boolean {
  return baselineVersion === undefined || canaryTrainedOn === undefined || canaryTrainedOn === baselineVersion;
}

/** The merge patch setting cairn.dev/rerun (metadata only: the Experiment stays Git-managed). */
export const rerunPatch = (value: string) => ({ metadata: { annotations: { [rerunAnnotation]: value } } });

export function recordRetrain(conditions: ConditionSet, experiments: readonly string[], value: string): void {
  conditions.set(DriftMonitorCondition.RetrainRequested, {
    status: 'True',
    reason: DriftMonitorReason.RetrainRequested,
    message: `Requested a new run of Experiment ${experiments.join(', ')} (${rerunAnnotation}=${value}); no other retrain until a window shows no drift`,
  });
}

export function recordPause(conditions: ConditionSet, spec: Pick<DriftMonitorSpec, 'deploymentRef'>, wanted: boolean): void {
  if (!wanted) {
    conditions.remove(DriftMonitorCondition.RolloutPauseRequested);
    return;
  }
  conditions.set(DriftMonitorCondition.RolloutPauseRequested, {
    status: 'True',
    reason: DriftMonitorReason.RolloutPauseRequested,
    message: `The rollout of Deployment ${spec.deploymentRef.name} holds while drifted`,
  });
}

export function endEpisode(conditions: ConditionSet): void {
  conditions.remove(DriftMonitorCondition.RetrainRequested);
  conditions.remove(DriftMonitorCondition.RolloutPauseRequested);
}

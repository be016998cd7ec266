/**
 * The step machine's state as a Deployment's status holds it, and back, pure: what the controller reads before
 * `decide` and writes after it, so everything the machine remembers survives an operator restart.
 */
import type { DeploymentStatus } from '../api/kinds/deployment.js';
import { initialState, type RolloutState } from './machine.js';

type StatusFields = Pick<DeploymentStatus, 'phase' | 'stable' | 'canary' | 'message' | 'rollout'>;

export function stateFromStatus(status: StatusFields | undefined): RolloutState {
  const state = initialState();
  if (!status) return state;
  const record = status.rollout ?? {};
  return {
    ...state,
    phase: status.phase ?? state.phase,
    stable: status.stable?.version || undefined,
    canary: status.canary?.version || undefined,
    step: status.canary?.step ?? 0,
    weight: status.canary?.weight ?? 0,
    mirror: record.mirror ?? 0,
    stepStartedAt: record.stepStartedAt,
    unavailableSince: record.unavailableSince,
    analysis: { passed: 0, failed: 0, inconclusive: 0, ...record.analysis },
    rolledBack: record.rolledBack,
    promoteHandled: record.promoteHandled,
    abortHandled: record.abortHandled,
    message: status.message ?? '',
  };
}

/** The status fields for `state` (fields with nothing to say are left out, so equal states give equal status). */
export function statusFromState(state: RolloutState): StatusFields {
  const analysis = state.analysis.passed + state.analysis.failed + state.analysis.inconclusive > 0 ? { ...state.analysis } : undefined;
  const rollout = Object.fromEntries(
    Object.entries({
      stepStartedAt: state.stepStartedAt,
      mirror: state.mirror > 0 ? state.mirror : undefined,
      unavailableSince: state.unavailableSince,
      analysis,
      rolledBack: state.rolledBack,
      promoteHandled: state.promoteHandled,
      abortHandled: state.abortHandled,
    }).filter(([, v]) => v !== undefined),
  ) as NonNullable<StatusFields['rollout']>;
  return {
    phase: state.phase,
    stable: state.stable === undefined ? undefined : { version: state.stable, weight: state.canary === undefined ? 100 : 100 - state.weight },
    canary: state.canary === undefined ? undefined : { version: state.canary, weight: state.weight, step: state.step },
    message: state.message === '' ? undefined : state.message,
    rollout: Object.keys(rollout).length > 0 ? rollout : undefined,
  };
}

/**
 * The Dataset's status and conditions for each verdict on its profile Job (result.ts). Pure over the status
 * draft and the condition set, so each outcome is a table case in tests/unit/controllers/dataset-status.test.ts.
 */
import type { DatasetSpec, DatasetStatus } from '../../api/kinds/dataset.js';
import type { ConditionSet } from '../kit/index.js';
import { DatasetCondition, DatasetReason } from './reasons.js';
import type { Figures } from './result.js';

export interface ProfileSummary extends Figures {
  rows: number;
}

const percent = (fraction: number | undefined): string => `${+((fraction ?? 0) * 100).toFixed(4)}%`;

/** Forgets the figures of a version that is no longer the one in the spec. */
function clearVersion(status: DatasetStatus): void {
  delete status.version;
  delete status.rows;
  delete status.profile;
}

/** A Job for a version (or spec) not yet recorded runs: the old verdicts no longer apply. */
export function recordProfiling(conditions: ConditionSet, jobName: string): void {
  const message = `Job ${jobName} is fetching and profiling the pinned version`;
  conditions.set(DatasetCondition.Verified, { status: 'Unknown', reason: DatasetReason.Profiling, message });
  conditions.set(DatasetCondition.Validated, { status: 'Unknown', reason: DatasetReason.Profiling, message });
}

/** Ready=True's message: what a person sees in `kubectl get mldata -o wide`. */
export function profiledMessage(rows: number | undefined): string {
  return `Verified and profiled ${rows ?? 0} rows`;
}

export function recordSuccess(status: DatasetStatus, conditions: ConditionSet, input: { spec: DatasetSpec; jobName: string; configMap: string; summary: ProfileSummary }): void {
  const { spec, summary } = input;
  status.version = `sha256:${spec.source.sha256}`;
  status.rows = summary.rows;
  status.profile = { configMapRef: { name: input.configMap }, features: spec.schema.features.length };
  status.validation = { nullFraction: summary.nullFraction, outOfRange: summary.outOfRange };
  status.profileJob = { name: input.jobName, result: 'Succeeded' };
  conditions.set(DatasetCondition.Verified, { status: 'True', reason: DatasetReason.ChecksumMatched, message: `The file matches sha256:${spec.source.sha256}` });
  const gates = spec.validation ?? {};
  conditions.set(DatasetCondition.Validated, {
    status: 'True',
    reason: DatasetReason.GatesPassed,
    message: `Schema and quality gates passed (nulls at most ${percent(gates.maxNullFraction)}, out of range at most ${percent(gates.maxOutOfRangeFraction)} per column)`,
  });
  conditions.succeed(DatasetReason.Profiled, profiledMessage(summary.rows));
}

/** cairn fetch failed: Verified=False with its reason; nothing was profiled. */
export function recordUnverified(status: DatasetStatus, conditions: ConditionSet, input: { jobName: string; reason: string; message: string; final: boolean }): void {
  clearVersion(status);
  delete status.validation;
  status.profileJob = { name: input.jobName, result: input.final ? 'Failed' : 'Retrying' };
  conditions.set(DatasetCondition.Verified, { status: 'False', reason: input.reason, message: input.message });
  conditions.set(DatasetCondition.Validated, { status: 'Unknown', reason: input.reason, message: 'The file was not verified, so it was not checked' });
  if (!input.final) conditions.retrying(`${input.message} (a new Job tries again when the failed one expires)`);
}

/** cairn profile refused the contents: Verified=True (fetch passed), Validated=False with the reason and the figures. */
export function recordInvalid(status: DatasetStatus, conditions: ConditionSet, input: { spec: DatasetSpec; jobName: string; reason: string; message: string; validation?: Figures }): void {
  clearVersion(status);
  if (input.validation) status.validation = { nullFraction: input.validation.nullFraction, outOfRange: input.validation.outOfRange };
  else delete status.validation;
  status.profileJob = { name: input.jobName, result: 'Failed' };
  conditions.set(DatasetCondition.Verified, { status: 'True', reason: DatasetReason.ChecksumMatched, message: `The file matches sha256:${input.spec.source.sha256}` });
  conditions.set(DatasetCondition.Validated, { status: 'False', reason: input.reason, message: input.message });
}

/** The Job failed for a reason of its own (memory, deadline, the ConfigMap write): a new Job runs later. */
export function recordJobFailure(status: DatasetStatus, jobName: string): void {
  status.profileJob = { name: jobName, result: 'Retrying' };
}

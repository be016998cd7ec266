/** Pure: the trials an Experiment's status shows (docs/api.md, Experiment status). */
import type { ExperimentSpec, ExperimentStatus } from '../../api/kinds/experiment.js';
import { bestTrial } from '../../training/gate.js';
import type { TrialRecord } from '../../training/table.js';

type StatusTrial = NonNullable<ExperimentStatus['trials']>[number];

/**
 * The most recent trials are shown, at most this many, plus the best one: a run of 1,000 trials keeps its
 * status small (the full table is in the trials ConfigMap).
 */
export const maxStatusTrials = 50;

/** The started trials with the highest indexes, plus the best passing one, in index order. */
export function statusTrials(records: ReadonlyArray<TrialRecord | undefined>, objective: ExperimentSpec['objective']): StatusTrial[] {
  const started = records.filter((r): r is TrialRecord => r !== undefined);
  const recent = started.slice(-maxStatusTrials);
  const best = bestTrial(started.filter((r) => r.model !== undefined), objective);
  const shown = best && !recent.includes(best) ? [best, ...recent] : recent;
  return shown.map(statusTrial);
}

export function statusTrial(r: TrialRecord): StatusTrial {
  const message = r.phase === 'Failed' && r.reason ? `${r.reason}: ${r.message ?? ''}` : r.message;
  return {
    name: r.name,
    parameters: Object.fromEntries(Object.entries(r.parameters).map(([k, v]) => [k, String(v)])),
    phase: r.phase,
    ...(r.metrics ? { metrics: { ...r.metrics } } : {}),
    ...(r.passed !== undefined ? { passed: r.passed } : {}),
    job: r.name,
    ...(r.model ? { model: { ...r.model } } : {}),
    ...(message ? { message: message.length > 4096 ? `${message.slice(0, 4081)}... (truncated)` : message } : {}),
  };
}

/**
 * A DriftMonitor's status and Drifted condition for each verdict on a window (src/drift/evaluate.ts). Pure over
 * the status draft and the condition set, so each outcome is a table case in tests/unit/drift/monitor-status.test.ts.
 */
import type { DriftMonitorStatus } from '../../api/kinds/driftmonitor.js';
import type { ColumnResult, LivePerformance, WindowVerdict } from '../../drift/index.js';
import type { ConditionSet } from '../kit/index.js';
import { DriftMonitorCondition, DriftMonitorReason } from './reasons.js';

/** Six significant digits: enough to compare with a threshold, short enough to read. */
const shown = (value: number): number => Number(value.toPrecision(6));

/** `conv_rate: psi 0.31 >= 0.2`, or for a p-value `city: chi2 p-value 0.001 < 0.01`. */
export function describeResult(result: ColumnResult): string {
  const pValue = result.method === 'ks' || result.method === 'chi2';
  const score = shown(result.score);
  const threshold = shown(result.threshold);
  if (pValue) return `${result.name}: ${result.method} p-value ${score} ${result.drifted ? '<' : '>='} ${threshold}`;
  return `${result.name}: ${result.method} ${score} ${result.drifted ? '>=' : '<'} ${threshold}`;
}

export interface VerdictContext {
  /** When the window was read (RFC 3339). */
  at: string;
  minSamples: number;
  window: string;
  /** Why there may be no samples at all (no serving pod), for the message. */
  noPods?: string;
}

export function recordVerdict(status: DriftMonitorStatus, conditions: ConditionSet, verdict: WindowVerdict, context: VerdictContext): void {
  status.lastEvaluation = context.at;
  status.samples = verdict.samples;
  if (verdict.kind === 'notEnoughSamples') {
    delete status.drifted;
    delete status.features;
    const message = context.noPods ?? `${verdict.samples} samples in the last ${context.window}, fewer than minSamples ${context.minSamples}: no verdict`;
    conditions.set(DriftMonitorCondition.Drifted, { status: 'Unknown', reason: DriftMonitorReason.NotEnoughSamples, message });
    summarise(status, conditions);
    return;
  }
  const drifted = verdict.results.filter((r) => r.drifted);
  status.drifted = drifted.length > 0;
  status.features = verdict.results.map((r) => ({ name: r.name, method: r.method, score: shown(r.score), threshold: shown(r.threshold), drifted: r.drifted }));
  if (drifted.length > 0) {
    conditions.set(DriftMonitorCondition.Drifted, { status: 'True', reason: DriftMonitorReason.DriftDetected, message: drifted.map(describeResult).join('; ') });
  } else {
    conditions.set(DriftMonitorCondition.Drifted, { status: 'False', reason: DriftMonitorReason.NoDrift, message: `No drift in ${verdict.results.length} checks over ${verdict.samples} samples of the last ${context.window}` });
  }
  summarise(status, conditions);
}

/**
 * Ready's reason and message when nothing is wrong, from the last verdict in status: the same on a reconcile that
 * evaluates nothing (between two intervals), so such a reconcile writes no status.
 */
export function summarise(status: DriftMonitorStatus, conditions: ConditionSet): void {
  const drifted = conditions.get(DriftMonitorCondition.Drifted);
  if (drifted?.reason === DriftMonitorReason.NotEnoughSamples) conditions.succeed(DriftMonitorReason.NotEnoughSamples, drifted.message);
  else if (status.features) conditions.succeed(DriftMonitorReason.Evaluated, `Evaluated ${status.features.length} checks over ${status.samples ?? 0} samples`);
}

/**
 * status.performance: the window's live performance from the labels posted to the serving pods' feedback
 * endpoint, whatever the drift verdict (labels do not wait for minSamples); removed when none arrived in it.
 */
export function recordPerformance(status: DriftMonitorStatus, performance: LivePerformance | undefined): void {
  if (!performance) {
    delete status.performance;
    return;
  }
  status.performance = {
    labelledRows: performance.labelledRows,
    ...(performance.rmse !== undefined ? { rmse: shown(performance.rmse) } : {}),
    ...(performance.mae !== undefined ? { mae: shown(performance.mae) } : {}),
    ...(performance.accuracy !== undefined ? { accuracy: shown(performance.accuracy) } : {}),
  };
}

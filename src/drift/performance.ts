/**
 * Live performance from delayed labels (docs/drift.md, "Live performance"): the serving pods' feedback counters
 * of sums (docs/contracts.md §2, "Feedback") taken over the monitor's window like the drift counters
 * (counter-window.ts), then rmse = sqrt(squared errors / rows), mae = absolute errors / rows and accuracy =
 * correct / rows. Pure.
 */
import type { Sample } from '../metrics/exposition.js';

const PREFIX = 'performance\u001f';

/** The series of the feedback sums, by the field they add to. */
const SERIES: Readonly<Record<string, string>> = {
  cairn_feedback_rows_total: 'rows',
  cairn_feedback_squared_error_sum: 'squaredError',
  cairn_feedback_absolute_error_sum: 'absoluteError',
  cairn_feedback_correct_total: 'correct',
};

/** The window key of a feedback series (`performance<US>rows`, ...), or undefined for any other series. */
export function performanceKey(sample: Sample): string | undefined {
  const field = SERIES[sample.name];
  return field === undefined || !Number.isFinite(sample.value) ? undefined : `${PREFIX}${field}`;
}

export interface LivePerformance {
  /** Predictions rows scored against a label in the window. */
  labelledRows: number;
  /** Regression models: root mean squared error and mean absolute error of those rows. */
  rmse?: number;
  mae?: number;
  /** Classification models: the share of those rows predicted right. */
  accuracy?: number;
}

/** The window's live performance; undefined when no labelled row arrived in it. */
export function livePerformance(counts: ReadonlyMap<string, number>): LivePerformance | undefined {
  const at = (field: string) => counts.get(`${PREFIX}${field}`);
  const rows = at('rows') ?? 0;
  if (rows <= 0) return undefined;
  const performance: LivePerformance = { labelledRows: rows };
  const squared = at('squaredError');
  const absolute = at('absoluteError');
  const correct = at('correct');
  if (squared !== undefined) performance.rmse = Math.sqrt(squared / rows);
  if (absolute !== undefined) performance.mae = absolute / rows;
  if (correct !== undefined) performance.accuracy = correct / rows;
  return performance;
}

/**
 * One evaluation of a DriftMonitor: the window's live counts against the baseline, column by column (pure). The
 * window's size is the largest number of observations a checked column got; below `minSamples` there is no
 * verdict. A column that cannot be scored (not counted by the pods, counted on other bins) is reported as a
 * problem beside the others' results rather than failing them all.
 */
import { criteriaOf, thresholdIsPValue, type ColumnCheck } from './checks.js';
import type { DriftMethod, DriftTest } from './drift-test.js';
import { DriftInputError, type DriftInputReason } from './errors.js';
import { liveBinCounts, liveCategoryCounts, predictionOutputs } from './live-counts.js';
import { scoreCategorical, scoreNumeric } from './score.js';

/** One column's verdict as status shows it: for ks and chi2 the score is the p-value and the threshold alpha. */
export interface ColumnResult {
  name: string;
  method: DriftMethod;
  score: number;
  threshold: number;
  drifted: boolean;
  test: DriftTest;
}

export interface ColumnProblem {
  name: string;
  reason: DriftInputReason;
  message: string;
}

export type WindowVerdict =
  | { kind: 'notEnoughSamples'; samples: number }
  | { kind: 'scored'; samples: number; results: ColumnResult[]; problems: ColumnProblem[] };

type Live = { kind: 'bins'; counts: number[] } | { kind: 'categories'; counts: Record<string, number> };

const total = (live: Live): number => (live.kind === 'bins' ? live.counts : Object.values(live.counts)).reduce((a, b) => a + b, 0);

/** The predictions of the one output whose buckets are the target's bins. */
function outputCounts(counts: ReadonlyMap<string, number>, edges: readonly number[]): number[] | undefined {
  let mismatch: unknown;
  for (const output of predictionOutputs(counts)) {
    try {
      return liveBinCounts(counts, 'prediction', output, edges);
    } catch (err) {
      mismatch = err;
    }
  }
  if (mismatch) throw mismatch;
  return undefined;
}

function liveOf(check: ColumnCheck, counts: ReadonlyMap<string, number>): Live | undefined {
  const { column } = check;
  if (column.type === 'categorical') {
    const live = liveCategoryCounts(counts, column.name);
    return live && { kind: 'categories', counts: live };
  }
  const live = check.source === 'output' ? outputCounts(counts, column.bins.edges) : liveBinCounts(counts, 'feature', column.name, column.bins.edges);
  return live && { kind: 'bins', counts: live };
}

/** The status view of a test: a p-value against alpha, or the statistic against max(minimum effect, critical value). */
export function resultOf(check: ColumnCheck, test: DriftTest): ColumnResult {
  const pValue = thresholdIsPValue(check.method);
  return {
    name: check.name,
    method: check.method,
    score: pValue ? test.pValue : test.statistic,
    threshold: pValue ? test.alpha : (test.threshold ?? test.minEffect),
    drifted: test.drifted,
    test,
  };
}

const asProblem = (name: string, err: unknown): ColumnProblem => {
  if (err instanceof DriftInputError) return { name, reason: err.reason, message: err.message };
  throw err;
};

export function evaluateWindow(checks: readonly ColumnCheck[], counts: ReadonlyMap<string, number>, minSamples: number): WindowVerdict {
  const problems: ColumnProblem[] = [];
  const lives: Array<{ check: ColumnCheck; live: Live }> = [];
  for (const check of checks) {
    try {
      const live = liveOf(check, counts);
      if (live) lives.push({ check, live });
      else problems.push({ name: check.name, reason: 'NotCounted', message: `the serving pods export no counts of ${check.source === 'output' ? 'predictions' : `feature ${check.name}`} (started without the profile, or the feature is not bound to a model input)` });
    } catch (err) {
      problems.push(asProblem(check.name, err));
    }
  }
  const samples = Math.max(0, ...lives.map(({ live }) => total(live)));
  if (samples < minSamples) return { kind: 'notEnoughSamples', samples };
  const results: ColumnResult[] = [];
  for (const { check, live } of lives) {
    try {
      const criteria = criteriaOf(check);
      const test = live.kind === 'bins' && check.column.type === 'number' ? scoreNumeric(check.method, check.column.bins, live.counts, criteria) : scoreCategorical(check.method, check.column as never, live.kind === 'categories' ? live.counts : {}, criteria);
      results.push(resultOf(check, test));
    } catch (err) {
      problems.push(asProblem(check.name, err));
    }
  }
  return { kind: 'scored', samples, results, problems };
}

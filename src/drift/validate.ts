/**
 * Checks of what the statistics take: counts (finite, non-negative, same length on both sides, some mass on
 * each side), bin edges (finite, ascending, one more than the counts) and raw samples (finite, non-empty).
 */
import { DriftInputError } from './errors.js';

export type Side = 'baseline' | 'live';

/** Refuses NaN, infinite and negative counts, naming the side and the bin; returns the total. */
export function checkedTotal(counts: readonly number[], side: Side, label: (i: number) => string = (i) => `bin ${i}`): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (!Number.isFinite(c) || c < 0) {
      throw new DriftInputError('InvalidCounts', `${side} count of ${label(i)} is ${c}: counts must be finite and not negative`);
    }
    total += c;
  }
  if (total === 0) throw new DriftInputError('EmptySample', `the ${side} histogram holds no observation`);
  return total;
}

/** Both sides' totals, after checking that they are histograms over the same bins. */
export function checkedPair(baseline: readonly number[], live: readonly number[], label?: (i: number) => string): { n: number; m: number } {
  if (baseline.length !== live.length) {
    throw new DriftInputError('MismatchedBins', `the live histogram has ${live.length} bins and the baseline ${baseline.length}: live counts must be taken on the baseline's bin edges`);
  }
  if (baseline.length === 0) throw new DriftInputError('EmptySample', 'the histograms have no bin');
  return { n: checkedTotal(baseline, 'baseline', label), m: checkedTotal(live, 'live', label) };
}

/** Refuses edges that are not finite, not ascending (equal neighbours are allowed), or not counts + 1. */
export function checkEdges(edges: readonly number[], bins: number): void {
  if (edges.length !== bins + 1) {
    throw new DriftInputError('InvalidEdges', `the baseline has ${bins} bins and ${edges.length} edges: n bins need n+1 edges`);
  }
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    if (!Number.isFinite(e)) throw new DriftInputError('InvalidEdges', `baseline edge ${i} is ${e}: edges must be finite`);
    if (i > 0 && e < edges[i - 1]!) throw new DriftInputError('InvalidEdges', `baseline edge ${i} (${e}) is below edge ${i - 1} (${edges[i - 1]}): edges must ascend`);
  }
}

/** Refuses an empty sample and NaN or infinite values, naming the side and the index. */
export function checkSamples(values: ArrayLike<number>, side: Side): void {
  if (values.length === 0) throw new DriftInputError('EmptySample', `the ${side} sample is empty`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new DriftInputError('InvalidSamples', `${side} value ${i} is ${v}: samples must be finite numbers`);
  }
}

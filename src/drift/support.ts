/**
 * Two distributions on one ordered support, the common ground of KS and Wasserstein: the points in ascending
 * order and each side's count at each point. Raw samples give the distinct values of both samples pooled;
 * a histogram gives one point per bin, its midpoint (the profile's first bin is (-inf, e1] and its last
 * (e[n-1], +inf), but the profile's min and max, e0 and e[n], bound what the training data held).
 */
import type { NumericBins } from '../profile/types.js';
import { checkedPair, checkEdges, checkSamples } from './validate.js';

export interface Support {
  /** Ascending (equal neighbours possible for bins with equal edges). */
  points: Float64Array;
  baseline: Float64Array;
  live: Float64Array;
  n: number;
  m: number;
}

/** The bins' midpoints, with the baseline's counts and the live counts on the same bins. */
export function binSupport(bins: NumericBins, live: readonly number[]): Support {
  const { n, m } = checkedPair(bins.counts, live);
  checkEdges(bins.edges, bins.counts.length);
  const k = bins.counts.length;
  const points = new Float64Array(k);
  for (let i = 0; i < k; i++) points[i] = (bins.edges[i]! + bins.edges[i + 1]!) / 2;
  return { points, baseline: Float64Array.from(bins.counts), live: Float64Array.from(live), n, m };
}

/** The distinct values of both samples, ascending, with how often each sample holds each. */
export function sampleSupport(baseline: ArrayLike<number>, live: ArrayLike<number>): Support {
  checkSamples(baseline, 'baseline');
  checkSamples(live, 'live');
  const a = Float64Array.from(baseline).sort();
  const b = Float64Array.from(live).sort();
  const points: number[] = [];
  const ca: number[] = [];
  const cb: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    let na = 0;
    let nb = 0;
    while (i < a.length && a[i] === x) {
      i++;
      na++;
    }
    while (j < b.length && b[j] === x) {
      j++;
      nb++;
    }
    points.push(x);
    ca.push(na);
    cb.push(nb);
  }
  return { points: Float64Array.from(points), baseline: Float64Array.from(ca), live: Float64Array.from(cb), n: a.length, m: b.length };
}

/**
 * Two-sample Kolmogorov-Smirnov: D = sup |F(x) - G(x)| between the baseline's and the live cumulative
 * distributions.
 *
 * - On raw samples D is exact (scipy.stats.ks_2samp's statistic), and so is its p-value when n·m is at most
 *   {@link KS_EXACT_MAX_CELLS} (Hodges' lattice paths, ks-exact.ts); above that, Kolmogorov's limit.
 * - On histograms over shared bin edges (what the serving pods export) F and G are known at the edges only,
 *   so D is the largest difference there: a lower bound of the samples' D. Its p-value takes Kolmogorov's
 *   limit, which is conservative for grouped data (a coarser D can only be smaller).
 *
 * Kolmogorov's limit: P(D >= d) ≈ Q_KS(sqrt(nm/(n+m)) · d). Exact and limit treat the data as continuous;
 * with ties (integer columns) both are conservative.
 */
import type { NumericBins } from '../profile/types.js';
import { decide, resolveCriteria, type DriftCriteria, type DriftTest, type PValueKind } from './drift-test.js';
import { kolmogorovIsf, kolmogorovSf } from './kolmogorov-distribution.js';
import { ksExactCritical, ksExactSf } from './ks-exact.js';
import { binSupport, sampleSupport, type Support } from './support.js';

/** Up to this n·m, raw samples get the exact p-value (its cost grows as n·m; 1e6 cells take milliseconds). */
export const KS_EXACT_MAX_CELLS = 1_000_000;

/** max_j |A_j·m - B_j·n| over the cumulative counts: n·m·D, an integer for integer counts. */
function scaledStatistic(support: Support): number {
  const { baseline, live, n, m } = support;
  let a = 0;
  let b = 0;
  let max = 0;
  for (let j = 0; j < baseline.length; j++) {
    a += baseline[j]!;
    b += live[j]!;
    max = Math.max(max, Math.abs(a * m - b * n));
  }
  return max;
}

function asymptotic(d: number, n: number, m: number, alpha: number): { pValue: number; criticalValue: number } {
  const scale = Math.sqrt((n * m) / (n + m));
  return { pValue: kolmogorovSf(scale * d), criticalValue: kolmogorovIsf(alpha) / scale };
}

function test(support: Support, criteria: DriftCriteria | undefined, exact: boolean): DriftTest {
  const resolved = resolveCriteria(criteria);
  const { n, m } = support;
  const h = scaledStatistic(support);
  const d = h / (n * m);
  let pValue: number;
  let criticalValue: number | null;
  let pValueKind: PValueKind = 'asymptotic';
  if (exact && n * m <= KS_EXACT_MAX_CELLS) {
    pValueKind = 'exact';
    pValue = ksExactSf(h, n, m);
    const critical = ksExactCritical(resolved.alpha, n, m);
    criticalValue = critical === null ? null : critical / (n * m);
  } else {
    ({ pValue, criticalValue } = asymptotic(d, n, m, resolved.alpha));
  }
  return decide({ method: 'ks', statistic: d, pValue, pValueKind, criticalValue, baselineSamples: n, liveSamples: m }, resolved);
}

/** KS on raw samples: exact statistic, exact p-value up to {@link KS_EXACT_MAX_CELLS}. */
export function ksSamplesTest(baseline: ArrayLike<number>, live: ArrayLike<number>, criteria?: DriftCriteria): DriftTest {
  return test(sampleSupport(baseline, live), criteria, true);
}

/** KS on a live histogram over the baseline profile's bin edges. */
export function ksBinnedTest(bins: NumericBins, live: readonly number[], criteria?: DriftCriteria): DriftTest {
  return test(binSupport(bins, live), criteria, false);
}

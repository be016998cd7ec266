/**
 * Pearson's chi-square test of homogeneity of the baseline's and the live counts (the 2 × k contingency table
 * of scipy.stats.chi2_contingency, without Yates' correction): both are samples, so the baseline's counts are
 * not taken as exact expected frequencies. Categories empty on both sides are left out; df = non-empty - 1.
 *
 * For a 2 × k table, O - E in the baseline row is (b_i·m - l_i·n)/N, which gives the closed form
 * X² = Σ (b_i·m - l_i·n)² / (n·m·(b_i + l_i)): exactly 0 when the live counts are proportional to the baseline.
 */
import { chiSquareIsf, chiSquareSf } from './chi-square-distribution.js';
import { decide, resolveCriteria, type DriftCriteria, type DriftTest } from './drift-test.js';
import { checkedPair } from './validate.js';

export function chiSquareStatistic(baseline: readonly number[], live: readonly number[], label?: (i: number) => string): { chi2: number; n: number; m: number; nonEmpty: number } {
  const { n, m } = checkedPair(baseline, live, label);
  let chi2 = 0;
  let nonEmpty = 0;
  for (let i = 0; i < baseline.length; i++) {
    const b = baseline[i]!;
    const l = live[i]!;
    if (b + l === 0) continue;
    nonEmpty++;
    const d = b * m - l * n;
    chi2 += (d / (n * m)) * (d / (b + l));
  }
  return { chi2, n, m, nonEmpty };
}

/** The chi-square statistic with its p-value and critical value (df = non-empty cells - 1). */
export function chiSquareTest(baseline: readonly number[], live: readonly number[], criteria?: DriftCriteria, label?: (i: number) => string): DriftTest {
  const resolved = resolveCriteria(criteria);
  const { chi2, n, m, nonEmpty } = chiSquareStatistic(baseline, live, label);
  const df = nonEmpty - 1;
  return decide(
    {
      method: 'chi2',
      statistic: chi2,
      pValue: df === 0 ? 1 : chiSquareSf(chi2, df),
      pValueKind: 'asymptotic',
      degreesOfFreedom: df,
      criticalValue: df === 0 ? null : chiSquareIsf(resolved.alpha, df),
      baselineSamples: n,
      liveSamples: m,
    },
    resolved,
  );
}

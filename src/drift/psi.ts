/**
 * Population stability index of a live histogram against the baseline's, on the same bins:
 *
 *   PSI = Σ (q_i - p_i) · ln(q_i / p_i),  p_i = b_i / n,  q_i = l_i / m
 *
 * The epsilon for empty bins: a bin that is empty on one side counts as half an observation of that side
 * (p_i = 0.5 / n, or q_i = 0.5 / m), so the floor scales with the window instead of being a constant such as
 * 1e-4 that dwarfs what a small window can show. A bin empty on both sides holds no evidence and is left out.
 *
 * Under no drift, PSI / (1/n + 1/m) is approximately chi-square with (non-empty bins - 1) degrees of freedom
 * (PSI is the symmetric Kullback-Leibler divergence, whose second-order term is Pearson's chi-square for two
 * samples; Yurdakul, 2018). That gives the p-value and the size-aware critical value.
 */
import { chiSquareIsf, chiSquareSf } from './chi-square-distribution.js';
import { decide, resolveCriteria, type DriftCriteria, type DriftTest } from './drift-test.js';
import { needsSimulation, simulatedCriticalValue, simulatedNull, simulatedPValue } from './simulated-null.js';
import { checkedPair } from './validate.js';

/** Half an observation: the count an empty bin is taken to hold, on its own side. */
export const EMPTY_BIN_COUNT = 0.5;

export function psiStatistic(baseline: readonly number[], live: readonly number[]): { psi: number; n: number; m: number; nonEmpty: number } {
  const { n, m } = checkedPair(baseline, live);
  let psi = 0;
  let nonEmpty = 0;
  for (let i = 0; i < baseline.length; i++) {
    const b = baseline[i]!;
    const l = live[i]!;
    if (b === 0 && l === 0) continue;
    nonEmpty++;
    const p = (b === 0 ? EMPTY_BIN_COUNT : b) / n;
    const q = (l === 0 ? EMPTY_BIN_COUNT : l) / m;
    psi += (q - p) * Math.log(q / p);
  }
  return { psi, n, m, nonEmpty };
}

/**
 * PSI with its p-value and critical value at these sample sizes: chi-square, or simulated for a window with
 * fewer than 50 expected counts in the thinnest bin, where the approximation runs hot (simulated-null.ts).
 */
export function psiTest(baseline: readonly number[], live: readonly number[], criteria?: DriftCriteria): DriftTest {
  const resolved = resolveCriteria(criteria);
  const { psi, n, m, nonEmpty } = psiStatistic(baseline, live);
  const df = nonEmpty - 1;
  const scale = 1 / n + 1 / m;
  const simulated = df > 0 && needsSimulation(baseline, n, m) ? simulatedNull('psi', baseline, n, m, (b, l) => psiStatistic(b, l).psi) : undefined;
  return decide(
    {
      method: 'psi',
      statistic: psi,
      pValue: df === 0 ? 1 : simulated ? simulatedPValue(simulated, psi) : chiSquareSf(psi / scale, df),
      pValueKind: simulated ? 'simulated' : 'asymptotic',
      degreesOfFreedom: df,
      criticalValue: df === 0 ? null : simulated ? simulatedCriticalValue(simulated, resolved.alpha) : chiSquareIsf(resolved.alpha, df) * scale,
      baselineSamples: n,
      liveSamples: m,
    },
    resolved,
  );
}

/**
 * Jensen-Shannon distance of the live histogram from the baseline's, natural logarithm (as
 * scipy.spatial.distance.jensenshannon): sqrt(½ KL(p‖r) + ½ KL(q‖r)) with r = (p + q)/2. It needs no
 * epsilon: 0·ln 0 is 0, and r is never 0 where p or q is not. Between 0 and sqrt(ln 2).
 *
 * Under no drift the divergence (the distance squared) is about (1/8)(1/n + 1/m) times a chi-square with
 * (non-empty bins - 1) degrees of freedom: its second-order term is an eighth of PSI's.
 */
import { chiSquareIsf, chiSquareSf } from './chi-square-distribution.js';
import { decide, resolveCriteria, type DriftCriteria, type DriftTest } from './drift-test.js';
import { needsSimulation, simulatedCriticalValue, simulatedNull, simulatedPValue } from './simulated-null.js';
import { checkedPair } from './validate.js';

/** p·ln(p/r), 0 when p is 0 (scipy.special.rel_entr). */
function relEntropy(p: number, r: number): number {
  return p === 0 ? 0 : p * Math.log(p / r);
}

export function jensenShannonStatistic(baseline: readonly number[], live: readonly number[], label?: (i: number) => string): { distance: number; n: number; m: number; nonEmpty: number } {
  const { n, m } = checkedPair(baseline, live, label);
  let divergence = 0;
  let nonEmpty = 0;
  for (let i = 0; i < baseline.length; i++) {
    const p = baseline[i]! / n;
    const q = live[i]! / m;
    if (p === 0 && q === 0) continue;
    nonEmpty++;
    const r = (p + q) / 2;
    divergence += relEntropy(p, r) + relEntropy(q, r);
  }
  return { distance: Math.sqrt(Math.max(0, divergence / 2)), n, m, nonEmpty };
}

/** JS distance with its chi-square p-value and critical distance at these sample sizes. */
export function jensenShannonTest(baseline: readonly number[], live: readonly number[], criteria?: DriftCriteria, label?: (i: number) => string): DriftTest {
  const resolved = resolveCriteria(criteria);
  const { distance, n, m, nonEmpty } = jensenShannonStatistic(baseline, live, label);
  const df = nonEmpty - 1;
  const scale = (1 / n + 1 / m) / 8;
  // small windows: the null simulated, as for PSI (simulated-null.ts)
  const simulated = df > 0 && needsSimulation(baseline, n, m) ? simulatedNull('jensenShannon', baseline, n, m, (b, l) => jensenShannonStatistic(b, l).distance) : undefined;
  return decide(
    {
      method: 'jensenShannon',
      statistic: distance,
      pValue: df === 0 ? 1 : simulated ? simulatedPValue(simulated, distance) : chiSquareSf((distance * distance) / scale, df),
      pValueKind: simulated ? 'simulated' : 'asymptotic',
      degreesOfFreedom: df,
      criticalValue: df === 0 ? null : simulated ? simulatedCriticalValue(simulated, resolved.alpha) : Math.sqrt(chiSquareIsf(resolved.alpha, df) * scale),
      baselineSamples: n,
      liveSamples: m,
    },
    resolved,
  );
}

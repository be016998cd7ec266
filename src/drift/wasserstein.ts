/**
 * Wasserstein-1 (earth mover's) distance, in the feature's units: W1 = ∫ |F(x) - G(x)| dx, which on an ordered
 * support x_0 < ... < x_K is Σ (x_{j+1} - x_j) · |F_j - G_j| (scipy.stats.wasserstein_distance). On raw
 * samples the support is the pooled values; on histograms each bin's mass sits at its midpoint, which equals
 * integrating the cumulative distributions linearly between the bin edges wherever F - G keeps its sign.
 *
 * Its null distribution depends on the baseline's shape, so W1 gets a size-aware upper bound of the p-value
 * rather than a p-value. Under no drift, sqrt(nm/(n+m)) · (F_j - G_j) tends to a Brownian bridge Z at
 * t_j (the pooled cumulative share), so sqrt(nm/(n+m)) · W1 tends to f(Z) = Σ c_j |Z_j| with c_j the gaps.
 * Two bounds hold for f, and the p-value is the smaller:
 *   - Gaussian concentration (f is Lipschitz with constant at most S = Σ c_j sqrt(t_j(1-t_j)), and
 *     E f = sqrt(2/π) · S): P(f >= w) <= exp(-(w - sqrt(2/π)·S)² / (2S²)) for w above the mean;
 *   - f <= C · sup|Z| with C = Σ c_j over 0 < t_j < 1: P(f >= w) <= Q_KS(w / C).
 * Both are conservative: false alarms stay at or below alpha, at some cost in power.
 */
import type { NumericBins } from '../profile/types.js';
import { decide, resolveCriteria, type DriftCriteria, type DriftTest } from './drift-test.js';
import { kolmogorovIsf, kolmogorovSf } from './kolmogorov-distribution.js';
import { binSupport, sampleSupport, type Support } from './support.js';

const MEAN_ABS_NORMAL = Math.sqrt(2 / Math.PI);

interface Measured {
  distance: number;
  /** S: the Lipschitz bound of the limit functional. */
  spread: number;
  /** C: the total gap where the bridge can move. */
  span: number;
}

function measure(support: Support): Measured {
  const { points, baseline, live, n, m } = support;
  let a = 0;
  let b = 0;
  let distance = 0;
  let spread = 0;
  let span = 0;
  for (let j = 0; j + 1 < points.length; j++) {
    a += baseline[j]!;
    b += live[j]!;
    const gap = points[j + 1]! - points[j]!;
    distance += gap * Math.abs(a / n - b / m);
    const t = (a + b) / (n + m);
    if (t > 0 && t < 1) {
      spread += gap * Math.sqrt(t * (1 - t));
      span += gap;
    }
  }
  return { distance, spread, span };
}

/** The bound on P(W1 >= distance) under no drift. */
function pValueBound(scaled: number, spread: number, span: number): number {
  if (spread === 0 || span === 0) return 1;
  const mean = MEAN_ABS_NORMAL * spread;
  const gaussian = scaled <= mean ? 1 : Math.exp(-((scaled - mean) ** 2) / (2 * spread * spread));
  return Math.min(1, gaussian, kolmogorovSf(scaled / span));
}

/** The W1 at which the bound reaches alpha (both bounds invert in closed form). */
function criticalValue(alpha: number, spread: number, span: number, scale: number): number | null {
  if (spread === 0 || span === 0) return null;
  const gaussian = spread * (MEAN_ABS_NORMAL + Math.sqrt(2 * Math.log(1 / alpha)));
  const ks = span * kolmogorovIsf(alpha);
  return Math.min(gaussian, ks) / scale;
}

function test(support: Support, criteria: DriftCriteria | undefined): DriftTest {
  const resolved = resolveCriteria(criteria);
  const { n, m } = support;
  const { distance, spread, span } = measure(support);
  const scale = Math.sqrt((n * m) / (n + m));
  return decide(
    {
      method: 'wasserstein',
      statistic: distance,
      pValue: pValueBound(scale * distance, spread, span),
      pValueKind: 'upperBound',
      criticalValue: criticalValue(resolved.alpha, spread, span, scale),
      baselineSamples: n,
      liveSamples: m,
    },
    resolved,
  );
}

/** W1 between raw samples (the feature's units). */
export function wassersteinSamplesTest(baseline: ArrayLike<number>, live: ArrayLike<number>, criteria?: DriftCriteria): DriftTest {
  return test(sampleSupport(baseline, live), criteria);
}

/** W1 between the baseline profile's histogram and a live one on its bin edges, mass at the bins' midpoints. */
export function wassersteinBinnedTest(bins: NumericBins, live: readonly number[], criteria?: DriftCriteria): DriftTest {
  return test(binSupport(bins, live), criteria);
}

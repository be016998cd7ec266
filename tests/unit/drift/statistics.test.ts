/**
 * The drift statistics on cases small enough to compute by hand (each expected value is written as the formula
 * it came from), and the verdict: a p-value below alpha and a statistic at or above the minimum effect.
 */
import { describe, expect, it } from 'vitest';
import {
  alignCategories,
  chiSquareIsf,
  chiSquareTest,
  jensenShannonTest,
  kolmogorovSf,
  ksBinnedTest,
  ksSamplesTest,
  psiTest,
  scoreCategorical,
  wassersteinBinnedTest,
  wassersteinSamplesTest,
  type DriftTest,
} from '../../../src/drift/index.js';
import { ksExactCritical, ksExactSf } from '../../../src/drift/ks-exact.js';

const near = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));

describe('PSI', () => {
  it.each([
    // p = (1/3, 1/3, 1/3), q = (1/6, 1/3, 1/2): (1/6)·ln 2 + (1/6)·ln(3/2) = ln(3)/6
    { name: 'three bins', baseline: [100, 100, 100], live: [50, 100, 150], psi: Math.log(3) / 6 },
    // p = (1/2, 1/2), q = (1, 0 -> 0.5/10): (1 - 1/2)·ln 2 + (0.05 - 0.5)·ln(0.1)
    { name: 'an empty live bin counts as half an observation', baseline: [100, 100], live: [10, 0], psi: 0.5 * Math.log(2) + 0.45 * Math.log(10) },
    // p = (0 -> 0.5/40, 1/2, 1/2)... the empty baseline bin: q = 1/4 against 0.5/40
    { name: 'an empty baseline bin counts as half an observation', baseline: [0, 20, 20], live: [1, 1, 2], psi: (0.25 - 0.0125) * Math.log(0.25 / 0.0125) + (0.25 - 0.5) * Math.log(0.5) + 0 },
    // the middle bin is empty on both sides: no evidence, no contribution, one degree of freedom less
    { name: 'a bin empty on both sides is left out', baseline: [100, 0, 100], live: [10, 0, 10], psi: 0 },
  ])('$name', ({ baseline, live, psi }) => {
    near(psiTest(baseline, live).statistic, psi);
  });

  it('p-value: PSI / (1/n + 1/m) against chi-square with bins - 1 degrees of freedom', () => {
    const test = psiTest([100, 100, 100], [50, 100, 150], { alpha: 0.01 });
    // x = (ln 3 / 6) / (2/300) = 25 ln 3; for 2 degrees of freedom P(X >= x) = exp(-x/2) = 3^-12.5
    expect(test.degreesOfFreedom).toBe(2);
    near(test.pValue, 3 ** -12.5);
    // the critical PSI: chi2.isf(0.01, 2) = 2 ln 100, times 1/n + 1/m
    near(test.criticalValue!, (2 * Math.log(100)) / 150);
    expect(test.drifted).toBe(true);
  });

  it('the left-out bin costs a degree of freedom', () => {
    expect(psiTest([100, 0, 100], [10, 0, 10]).degreesOfFreedom).toBe(1);
  });
});

describe('Jensen-Shannon distance', () => {
  it.each([
    // p = (3/4, 1/4), q = (1/4, 3/4), r = (1/2, 1/2): JSD = KL(p‖r) = (3/4) ln(3/2) + (1/4) ln(1/2)
    { name: 'mirrored shares', baseline: [3, 1], live: [1, 3], distance: Math.sqrt(0.75 * Math.log(1.5) + 0.25 * Math.log(0.5)) },
    // disjoint supports: the largest distance, sqrt(ln 2)
    { name: 'disjoint', baseline: [5, 0], live: [0, 7], distance: Math.sqrt(Math.log(2)) },
    { name: 'proportional', baseline: [20, 40, 60], live: [1, 2, 3], distance: 0 },
  ])('$name', ({ baseline, live, distance }) => {
    near(jensenShannonTest(baseline, live).statistic, distance);
  });

  it('p-value: 8 JSD / (1/n + 1/m) against chi-square', () => {
    const test = jensenShannonTest([300, 100], [100, 300]);
    const jsd = 0.75 * Math.log(1.5) + 0.25 * Math.log(0.5);
    // n = m = 400: x = 8·JSD / (2/400) = 1600·JSD ≈ 209 on one degree of freedom, far past chi2.isf(0.01, 1)
    expect(test.degreesOfFreedom).toBe(1);
    near(test.statistic, Math.sqrt(jsd));
    expect(test.pValue).toBeLessThan(1e-40);
    near(test.criticalValue!, Math.sqrt((chiSquareIsf(0.01, 1) * (2 / 400)) / 8));
    expect(test.drifted).toBe(true);
  });
});

describe('chi-square for categories', () => {
  it('homogeneity of two samples: Σ (b·m - l·n)² / (n·m·(b + l))', () => {
    // n = m = 30: (300² / (900·30)) + 0 + (300² / (900·10)) = 10/3 + 10 = 40/3; df = 2: p = exp(-20/3)
    const test = chiSquareTest([10, 10, 10], [20, 10, 0]);
    near(test.statistic, 40 / 3);
    near(test.pValue, Math.exp(-20 / 3));
    near(test.criticalValue!, 2 * Math.log(100));
    expect(test.drifted).toBe(true);
  });

  it('lines live counters up with the profile: listed categories in order, then the rest with unseen ones', () => {
    const cells = alignCategories({ categories: { a: 10, b: 20 }, otherCount: 5 }, { b: 3, __other__: 1, zzz: 2 });
    expect(cells).toEqual({ labels: ['a', 'b', '__other__'], baseline: [10, 20, 5], live: [0, 3, 3] });
  });

  it('an unseen category in live traffic is drift when the profile had no rest', () => {
    const test = scoreCategorical('chi2', { categories: { a: 500, b: 500 }, otherCount: 0 }, { a: 45, b: 45, new: 10 });
    // cells a, b, rest = (500, 45), (500, 45), (0, 10): n = 1000, m = 100
    const expected = (500 * 100 - 45 * 1000) ** 2 / (1000 * 100 * 545) * 2 + (0 - 10 * 1000) ** 2 / (1000 * 100 * 10);
    near(test.statistic, expected);
    expect(test.degreesOfFreedom).toBe(2);
    expect(test.drifted).toBe(true);
  });
});

describe('Kolmogorov-Smirnov', () => {
  it('on histograms: the largest gap between the cumulative shares at the edges', () => {
    // F at the interior edges: 1/3, 2/3; G: 0, 1/3 -> D = 1/3; n = m = 30 -> sqrt(nm/(n+m)) = sqrt(15)
    const test = ksBinnedTest({ edges: [0, 1, 2, 3], counts: [10, 10, 10] }, [0, 10, 20]);
    near(test.statistic, 1 / 3);
    near(test.pValue, kolmogorovSf(Math.sqrt(15) / 3));
    expect(test.pValueKind).toBe('asymptotic');
  });

  it.each([
    // two values each, all of the baseline first: D = 1; of the C(4, 2) = 6 orders, 2 reach D = 1
    { baseline: [0, 1], live: [2, 3], d: 1, p: 1 / 3 },
    // one value each: D = 1 whatever the order
    { baseline: [0], live: [1], d: 1, p: 1 },
    // interleaved: D = 1/2, which the first value of any order already reaches: p = 1
    { baseline: [0, 2], live: [1, 3], d: 0.5, p: 1 },
    { baseline: [5, 6, 7], live: [5, 6, 7], d: 0, p: 1 },
  ])('exact on samples: $baseline vs $live', ({ baseline, live, d, p }) => {
    const test = ksSamplesTest(baseline, live);
    near(test.statistic, d);
    near(test.pValue, p);
    expect(test.pValueKind).toBe('exact');
  });
});

describe('the exact KS critical value', () => {
  it.each([
    [12, 9],
    [40, 40],
    [60, 45],
  ])('n = %i, m = %i: the smallest n·m·D whose exact p-value is below alpha', (n, m) => {
    for (const alpha of [0.05, 0.01]) {
      const h = ksExactCritical(alpha, n, m)!;
      expect(ksExactSf(h, n, m)).toBeLessThan(alpha);
      expect(ksExactSf(h - 1, n, m)).toBeGreaterThanOrEqual(alpha);
    }
  });

  it('is null when no D up to 1 is rare enough', () => {
    // two values against one: D = 1 in 2 of the 3 orders
    expect(ksExactCritical(0.01, 2, 1)).toBeNull();
    expect(ksSamplesTest([1, 2], [3], { alpha: 0.01 })).toMatchObject({ statistic: 1, criticalValue: null, threshold: null, drifted: false });
  });
});

describe('Wasserstein-1', () => {
  it('on samples: the mass moved times the distance', () => {
    near(wassersteinSamplesTest([0, 1], [2, 3]).statistic, 2);
    near(wassersteinSamplesTest([0, 0, 0, 0], [1]).statistic, 1);
  });

  it('on histograms: each bin at its midpoint', () => {
    // midpoints 0.5, 1.5, 2.5 (gaps 1); cumulative differences 1/3, 1/3 -> 2/3
    const test = wassersteinBinnedTest({ edges: [0, 1, 2, 3], counts: [10, 10, 10] }, [0, 10, 20]);
    near(test.statistic, 2 / 3);
    expect(test.pValueKind).toBe('upperBound');
  });
});

describe('the verdict', () => {
  const significant = (criteria: { alpha?: number; minEffect?: number }): DriftTest => psiTest([100, 100, 100], [50, 100, 150], criteria);

  it('needs a p-value below alpha and a statistic at or above the minimum effect', () => {
    const psi = Math.log(3) / 6;
    expect(significant({ minEffect: 0.1 })).toMatchObject({ drifted: true, threshold: Math.max(0.1, significant({}).criticalValue!) });
    expect(significant({ minEffect: 0.2 })).toMatchObject({ drifted: false, threshold: 0.2 }); // significant, too small to matter
    expect(significant({ minEffect: psi })).toMatchObject({ drifted: true }); // at the threshold counts
    expect(significant({ alpha: 1e-7 })).toMatchObject({ drifted: false }); // p = 3^-12.5 ≈ 1.1e-6
  });

  it('the same PSI is noise in a small window and drift in a large one', () => {
    const baseline = [4000, 4000, 4000, 4000];
    const small = psiTest(baseline, [30, 20, 25, 25], { minEffect: 0.01 }); // m = 100
    const large = psiTest(baseline, [3000, 2000, 2500, 2500], { minEffect: 0.01 }); // m = 10,000, the same shares
    near(small.statistic, large.statistic);
    expect(small.drifted).toBe(false);
    expect(large.drifted).toBe(true);
    expect(small.criticalValue!).toBeGreaterThan(large.criticalValue!);
    expect(small.threshold).toBe(small.criticalValue);
    expect(large.threshold).toBe(0.01);
  });
});

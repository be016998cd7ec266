/**
 * Edge cases of the drift statistics: identical distributions (statistic 0, p-value 1, never drifted), all mass
 * in one bin, a single category, and bad input refused with a typed DriftInputError whose reason and message
 * say what was wrong and where.
 */
import { describe, expect, it } from 'vitest';
import {
  chiSquareTest,
  DriftInputError,
  jensenShannonTest,
  ksBinnedTest,
  ksSamplesTest,
  psiTest,
  scoreCategorical,
  scoreNumeric,
  wassersteinBinnedTest,
  wassersteinSamplesTest,
  type DriftInputReason,
  type DriftMethod,
} from '../../../src/drift/index.js';

const bins = { edges: [0, 1, 2, 3, 4], counts: [400, 300, 200, 100] };
const numericMethods: DriftMethod[] = ['psi', 'ks', 'jensenShannon', 'wasserstein'];

function refused(run: () => unknown, reason: DriftInputReason, message: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(DriftInputError);
  expect((caught as DriftInputError).reason).toBe(reason);
  expect((caught as DriftInputError).message).toMatch(message);
}

describe('identical distributions', () => {
  it.each(numericMethods)('%s on live counts proportional to the profile: 0, p-value 1', (method) => {
    const test = scoreNumeric(method, bins, [40, 30, 20, 10]);
    expect(test).toMatchObject({ statistic: 0, pValue: 1, drifted: false });
  });

  it('chi2 and jensenShannon on categories with the same shares', () => {
    const profile = { categories: { a: 600, b: 300 }, otherCount: 100 };
    for (const method of ['chi2', 'jensenShannon'] as const) {
      expect(scoreCategorical(method, profile, { a: 6, b: 3, __other__: 1 })).toMatchObject({ statistic: 0, pValue: 1, drifted: false });
    }
  });

  it('raw samples that are all one value', () => {
    expect(ksSamplesTest([4, 4, 4], [4, 4])).toMatchObject({ statistic: 0, pValue: 1, drifted: false });
    expect(wassersteinSamplesTest([4, 4, 4], [4, 4])).toMatchObject({ statistic: 0, pValue: 1, criticalValue: null, drifted: false });
  });

  it('raw samples, the same values', () => {
    const values = [0.3, 1.2, -4, 7, 7, 2.5];
    expect(ksSamplesTest(values, [...values].reverse())).toMatchObject({ statistic: 0, pValue: 1, drifted: false });
    expect(wassersteinSamplesTest(values, values)).toMatchObject({ statistic: 0, pValue: 1, drifted: false });
  });
});

describe('all the mass in one bin', () => {
  const oneBin = { edges: [0, 1, 2, 3], counts: [0, 500, 0] };

  it.each(['psi', 'jensenShannon'] as const)('%s: the same bin on both sides has nothing to compare: df 0, no threshold', (method) => {
    const test = scoreNumeric(method, oneBin, [0, 30, 0]);
    expect(test).toMatchObject({ statistic: 0, pValue: 1, degreesOfFreedom: 0, criticalValue: null, threshold: null, drifted: false });
  });

  it('wasserstein: no spread under no drift, so no threshold', () => {
    expect(wassersteinBinnedTest(oneBin, [0, 30, 0])).toMatchObject({ statistic: 0, pValue: 1, criticalValue: null, drifted: false });
  });

  it('ks: D = 0', () => {
    expect(ksBinnedTest(oneBin, [0, 30, 0])).toMatchObject({ statistic: 0, pValue: 1, drifted: false });
  });

  it.each(numericMethods)('%s: all the live mass in another bin is drift', (method) => {
    expect(scoreNumeric(method, oneBin, [0, 0, 30]).drifted).toBe(true);
  });

  it('a constant column (two equal edges, one bin)', () => {
    const constant = { edges: [5, 5], counts: [1000] };
    for (const method of numericMethods) expect(scoreNumeric(method, constant, [40])).toMatchObject({ statistic: 0, pValue: 1, drifted: false });
  });

  it('a single category: chi2 has no degree of freedom', () => {
    const test = scoreCategorical('chi2', { categories: { only: 100 }, otherCount: 0 }, { only: 3 });
    expect(test).toMatchObject({ statistic: 0, pValue: 1, degreesOfFreedom: 0, criticalValue: null, drifted: false });
  });
});

describe('bad input is refused', () => {
  it.each([
    { name: 'an empty window', run: () => psiTest([10, 10], [0, 0]), reason: 'EmptySample', message: /live histogram holds no observation/ },
    { name: 'an empty baseline', run: () => chiSquareTest([0, 0], [3, 4]), reason: 'EmptySample', message: /baseline histogram/ },
    { name: 'no bins at all', run: () => jensenShannonTest([], []), reason: 'EmptySample', message: /no bin/ },
    { name: 'an empty sample', run: () => ksSamplesTest([], [1, 2]), reason: 'EmptySample', message: /baseline sample is empty/ },
    { name: 'a NaN live count', run: () => psiTest([10, 10], [3, NaN]), reason: 'InvalidCounts', message: /live count of bin 1 is NaN/ },
    { name: 'a negative count', run: () => jensenShannonTest([10, -1], [3, 4]), reason: 'InvalidCounts', message: /baseline count of bin 1 is -1/ },
    { name: 'an infinite count', run: () => scoreNumeric('ks', bins, [1, Infinity, 2, 3]), reason: 'InvalidCounts', message: /live count of bin 1 is Infinity/ },
    { name: 'a NaN category count', run: () => scoreCategorical('chi2', { categories: { a: 1 }, otherCount: 1 }, { a: NaN }), reason: 'InvalidCounts', message: /category "a" is NaN/ },
    { name: 'a negative profile category', run: () => scoreCategorical('chi2', { categories: { a: -3 }, otherCount: 1 }, { a: 1 }), reason: 'InvalidCounts', message: /baseline count of category "a" is -3/ },
    { name: 'a negative profile category, jensenShannon', run: () => scoreCategorical('jensenShannon', { categories: { a: 2, b: -1 }, otherCount: 0 }, { a: 1 }), reason: 'InvalidCounts', message: /baseline count of category "b" is -1/ },
    { name: 'mismatched bin counts', run: () => scoreNumeric('psi', bins, [1, 2, 3]), reason: 'MismatchedBins', message: /live histogram has 3 bins and the baseline 4/ },
    { name: 'mismatched bins for ks', run: () => ksBinnedTest(bins, [1, 2, 3, 4, 5]), reason: 'MismatchedBins', message: /5 bins/ },
    { name: 'edges not one more than the counts', run: () => scoreNumeric('wasserstein', { edges: [0, 1, 2], counts: [1, 2, 3] }, [1, 1, 1]), reason: 'InvalidEdges', message: /3 bins and 3 edges/ },
    { name: 'descending edges', run: () => scoreNumeric('psi', { edges: [0, 2, 1], counts: [1, 2] }, [1, 1]), reason: 'InvalidEdges', message: /edge 2 \(1\) is below edge 1 \(2\)/ },
    { name: 'a NaN edge', run: () => scoreNumeric('ks', { edges: [0, NaN, 1], counts: [1, 2] }, [1, 1]), reason: 'InvalidEdges', message: /edge 1 is NaN/ },
    { name: 'a NaN sample', run: () => wassersteinSamplesTest([1, 2], [3, NaN]), reason: 'InvalidSamples', message: /live value 1 is NaN/ },
    { name: 'an infinite sample', run: () => ksSamplesTest([1, -Infinity], [3]), reason: 'InvalidSamples', message: /baseline value 1 is -Infinity/ },
    { name: 'alpha 0', run: () => psiTest([1, 2], [1, 2], { alpha: 0 }), reason: 'InvalidCriteria', message: /alpha is 0/ },
    { name: 'alpha above 1', run: () => psiTest([1, 2], [1, 2], { alpha: 1.5 }), reason: 'InvalidCriteria', message: /alpha is 1.5/ },
    { name: 'a negative minimum effect', run: () => psiTest([1, 2], [1, 2], { minEffect: -0.1 }), reason: 'InvalidCriteria', message: /minimum effect is -0.1/ },
    { name: 'the reserved category in a profile', run: () => scoreCategorical('chi2', { categories: { __other__: 3 }, otherCount: 1 }, {}), reason: 'InvalidCategories', message: /__other__ is reserved/ },
    { name: 'ks on categories', run: () => scoreCategorical('ks', { categories: { a: 1 }, otherCount: 1 }, { a: 1 }), reason: 'UnsupportedMethod', message: /numeric columns/ },
    { name: 'chi2 on numbers', run: () => scoreNumeric('chi2', bins, [1, 1, 1, 1]), reason: 'UnsupportedMethod', message: /categorical columns/ },
  ] as { name: string; run: () => unknown; reason: DriftInputReason; message: RegExp }[])('$name', ({ run, reason, message }) => refused(run, reason, message));
});

import { describe, expect, it } from 'vitest';
import { countAtMost, interiorRanks, mergeEdges, quantileEdges, quantileLevels, rightClosedCounts } from '../../../src/profile/quantile.js';

/** Edges of the full sorted array, as the engine computes them when it has every value. */
function edgesOf(values: number[], bins: number): number[] {
  const sorted = Float64Array.from(values).sort();
  return quantileEdges(sorted.length, bins, (rank) => sorted[rank]!);
}

describe('quantile edges equal numpy.quantile(values, numpy.linspace(0, 1, bins + 1)), merged', () => {
  // Right-hand sides printed by numpy 2.4.6 (before merging equal neighbours).
  const cases: { values: number[]; bins: number; numpy: number[] }[] = [
    { values: [1, 2, 3, 4, 5], bins: 4, numpy: [1, 2, 3, 4, 5] },
    { values: [1, 1, 1, 2, 2, 3], bins: 3, numpy: [1, 1, 2, 3] },
    { values: [5, 5, 5], bins: 4, numpy: [5, 5, 5, 5, 5] },
    { values: [0, 10], bins: 10, numpy: [0, 1, 2, 3.0000000000000004, 4, 5, 6.000000000000001, 7.000000000000001, 8, 9, 10] },
    { values: [7], bins: 3, numpy: [7, 7, 7, 7] },
    { values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], bins: 10, numpy: [0.1, 0.16000000000000003, 0.22000000000000003, 0.28, 0.34, 0.4, 0.4600000000000001, 0.52, 0.5800000000000001, 0.64, 0.7] },
    { values: [3, 1, 2, 2, 2, 2, 9, 0, 0, 4], bins: 5, numpy: [0, 0.8, 2, 2, 3.2, 9] },
    { values: [-1.5, 2.25, 1e-3, 7, 7, 7, -20], bins: 6, numpy: [-20, -1.5, 0.001, 2.25, 7, 7, 7] },
  ];
  it.each(cases)('$values in $bins bins', ({ values, bins, numpy }) => {
    expect(edgesOf(values, bins)).toEqual(mergeEdges(numpy));
  });

  it('levels are k * (1 / bins) with the last exactly 1, as numpy.linspace', () => {
    expect(quantileLevels(10)[3]).toBe(3 * 0.1);
    expect(quantileLevels(3)).toEqual([0, 1 / 3, 2 / 3, 1]);
  });

  it('merging keeps two edges for a constant column (one bin)', () => {
    expect(mergeEdges([5, 5, 5])).toEqual([5, 5]);
    expect(mergeEdges([0, 1, 1, 2, 2])).toEqual([0, 1, 2]);
  });

  it('needs only the order statistics around interior levels', () => {
    expect(interiorRanks(5, 4)).toEqual([1, 2, 3]);
    expect(interiorRanks(11, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(interiorRanks(2, 2)).toEqual([0, 1]);
  });
});

describe('right-closed bin counts (docs/contracts.md §4)', () => {
  const count = (values: number[], edges: number[]): number[] => {
    const sorted = Float64Array.from(values).sort();
    return rightClosedCounts(edges, sorted.length, (e) => countAtMost(sorted, e));
  };
  it('puts a value equal to an edge in the bin below it', () => {
    // bins (-inf, 2], (2, 4], (4, +inf)
    expect(count([1, 2, 2, 3, 4, 5, 6], [1, 2, 4, 6])).toEqual([3, 2, 2]);
  });
  it('counts integer columns with many values on the edges as Prometheus le buckets would', () => {
    const values = [0, 0, 0, 1, 1, 2, 3, 3, 3, 3];
    const edges = edgesOf(values, 4); // [0, 0.25, 1.5, 3, 3] merged -> [0, 0.25, 1.5, 3]
    expect(edges).toEqual([0, 0.25, 1.5, 3]);
    expect(count(values, edges)).toEqual([3, 2, 5]);
  });
  it('sends values beyond the ends to the first and last bins', () => {
    expect(count([-100, 0, 5, 10, 100], [0, 5, 10])).toEqual([3, 2]);
  });
  it('one bin holds everything', () => {
    expect(count([5, 5, 5], [5, 5])).toEqual([3]);
  });
});

/**
 * A histogram series observed a column at a time (observeEvery, the drift tap's hot path) ends with the same
 * buckets, sum and count as one observe per element.
 */
import { describe, expect, it } from 'vitest';
import { HistogramSeries } from '../../../src/serving/variable-histogram.js';

const buckets = [-1, 0, 0.5, 2];

describe('HistogramSeries.observeEvery', () => {
  it.each<[string, ArrayLike<number>, number, number]>([
    ['every element', Float32Array.from([-3, -1, -0.5, 0, 0.25, 0.5, 1, 2, 7]), 0, 1],
    ['the bounds themselves (le: value <= bound)', Float64Array.from(buckets), 0, 1],
    ['column 1 of 3', Float64Array.from([9, -1, 9, 9, 0.5, 9, 9, 3, 9]), 1, 3],
    ['NaN skipped, infinities counted', Float64Array.from([Number.NaN, Infinity, -Infinity, 1]), 0, 1],
    ['integers', Int32Array.from([-2, 0, 1, 2, 3]), 0, 1],
    ['no elements', new Float32Array(0), 0, 1],
  ])('%s', (_what, data, start, stride) => {
    const one = new HistogramSeries({}, buckets);
    for (let i = start; i < data.length; i += stride) one.observe(data[i]!);
    const column = new HistogramSeries({}, buckets);
    column.observeEvery(data, start, stride);
    expect(Array.from(column.counts)).toEqual(Array.from(one.counts));
    expect([column.sum, column.count]).toEqual([one.sum, one.count]);
  });
});

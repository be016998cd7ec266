/**
 * countIntoBins (src/drift/bin-counts.ts) against the contract's rule written the plain way (a value's bin is the
 * number of interior edges strictly below it): values on edges, outside the range, equal edges, a single bin,
 * many bins, NaN or Infinity refused with the index, and fewer than 2 edges refused.
 */
import { describe, expect, it } from 'vitest';
import { countIntoBins } from '../../../src/drift/index.js';
import { mulberry32 } from './simulation.js';

function reference(edges: readonly number[], values: readonly number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  const interior = edges.slice(1, -1);
  for (const v of values) counts[interior.filter((e) => e < v).length]!++;
  return counts;
}

describe('countIntoBins', () => {
  it.each([
    ['values on edges fall in the bin below (closed on the right)', [0, 1, 2, 3], [1, 2, 0.5, 1.0000001, 3]],
    ['values outside the range land in the first or last bin', [0, 1, 2], [-5, 7, 1]],
    ['equal edges leave their bin empty', [0, 1, 1, 2], [1, 0.9, 1.1, 2]],
    ['a single bin takes everything', [4, 4], [1, 4, 9]],
    ['integer columns with many values on edges', [242, 278, 285, 291, 296, 300, 304, 309, 315, 323, 357], [242, 278, 279, 285, 300, 301, 357, 400, 100]],
  ])('%s', (_name, edges, values) => {
    expect(countIntoBins(edges, values)).toEqual(reference(edges, values));
  });

  it('agrees with the plain rule on random values and uneven edges (10 and 60 bins)', () => {
    const random = mulberry32(3);
    for (const bins of [10, 60]) {
      const edges = [0];
      for (let k = 0; k < bins; k++) edges.push(edges.at(-1)! + (random() < 0.1 ? 0 : random() ** 3));
      const values = Array.from({ length: 20_000 }, () => Math.round((random() * 1.2 - 0.1) * edges.at(-1)! * 100) / 100);
      values.push(...edges);
      expect(countIntoBins(edges, values)).toEqual(reference(edges, values));
    }
  });

  it('refuses NaN and Infinity, naming the index', () => {
    expect(() => countIntoBins([0, 1, 2], [0.5, Number.NaN])).toThrow('live value 1 is NaN: samples must be finite numbers');
    expect(() => countIntoBins([0, 1, 2], [Number.POSITIVE_INFINITY])).toThrow('live value 0 is Infinity');
  });

  it.each([[[]], [[0]]])('refuses %j as edges: no bin to count into', (edges) => {
    expect(() => countIntoBins(edges, [0.5])).toThrow(/counting needs at least 2 \(one bin\)/);
  });
});

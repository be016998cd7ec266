/**
 * Counts raw values into a profile's bins with the rule of docs/contracts.md §4 (closed on the right, as
 * Prometheus buckets are: bin 0 is (-inf, e[1]], the last bin (e[n-1], +inf)), the same bins the serving
 * runtime counts live traffic into. For benchmarks, simulations and tests that start from samples.
 *
 * A value's bin is the number of interior edges below it. A binary search over the edges branches where the
 * CPU cannot predict, so the span of the interior edges is cut into a grid of equal cells, each knowing how
 * many edges lie below its left neighbour (a lower bound even when rounding puts a value one cell too high);
 * from there a step or two over the edges finds the bin. About one table read per value.
 */
import { DriftInputError } from './errors.js';
import { checkEdges } from './validate.js';

/** Cells per interior edge: enough that most cells hold no edge. */
const CELLS_PER_EDGE = 64;

function fail(values: ArrayLike<number>): never {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new DriftInputError('InvalidSamples', `live value ${i} is ${v}: samples must be finite numbers`);
  }
  throw new Error('unreachable');
}

export function countIntoBins(edges: readonly number[], values: ArrayLike<number>): number[] {
  const bins = edges.length - 1;
  checkEdges(edges, bins);
  const upper = Float64Array.from(edges.slice(1, -1));
  const e = upper.length;
  const counts = new Int32Array(bins);
  const n = values.length;
  const lo = e > 0 ? upper[0]! : 0;
  const hi = e > 0 ? upper[e - 1]! : 0;
  const cells = Math.max(1, e * CELLS_PER_EDGE);
  const scale = hi > lo ? cells / (hi - lo) : 0;
  // below[c]: the number of edges strictly below the start of cell c - 1
  const below = new Uint32Array(cells);
  for (let c = 0, k = 0; c < cells; c++) {
    const start = lo + (c - 1) / scale;
    while (k < e && upper[k]! < start) k++;
    below[c] = scale > 0 ? k : 0;
  }
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v - v !== 0) fail(values); // NaN or ±Infinity
    let k: number;
    if (e === 0 || v <= lo) k = 0;
    else if (v > hi) k = e;
    else {
      const c = ((v - lo) * scale) | 0; // >= 0 here, below 2^31
      k = below[c < cells ? c : cells - 1]!;
      while (upper[k]! < v) k++;
    }
    counts[k]!++;
  }
  return Array.from(counts);
}

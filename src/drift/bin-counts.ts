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
  if (bins < 1) throw new DriftInputError('InvalidEdges', `the baseline has ${edges.length} edge(s): counting needs at least 2 (one bin)`);
  checkEdges(edges, bins);
  const e = bins - 1;
  // upper[k]: interior edge k, then +Infinity, so the step over the edges needs no bound check
  const upper = new Float64Array(e + 1);
  for (let k = 0; k < e; k++) upper[k] = edges[k + 1]!;
  upper[e] = Infinity;
  const lo = e > 0 ? upper[0]! : 0;
  const hi = e > 0 ? upper[e - 1]! : 0;
  const cells = Math.max(1, e * CELLS_PER_EDGE);
  const scale = hi > lo ? cells / (hi - lo) : 0;
  // below[c]: the number of edges strictly below the start of cell c - 1; cell `cells` takes the values above hi
  const below = new Uint32Array(cells + 1);
  for (let c = 0, k = 0; c <= cells; c++) {
    const start = lo + (c - 1) / scale;
    while (k < e && upper[k]! < start) k++;
    below[c] = scale > 0 ? k : 0;
  }
  // Two lanes of counts, so that two values in a row in one bin do not wait on each other's increment; Float64Array
  // counts (an Int32Array's increment compiled slower here).
  const even = new Float64Array(bins);
  const odd = new Float64Array(bins);
  const n = values.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const v = values[i]!;
    const w = values[i + 1]!;
    if (v - v !== 0 || w - w !== 0) fail(values); // NaN or ±Infinity
    // A value below lo lands in cell 0, above hi in the last cell: clamped, with no branch on where it lies.
    let x = (v - lo) * scale;
    let y = (w - lo) * scale;
    x = x > 0 ? x : 0;
    y = y > 0 ? y : 0;
    let k = below[x < cells ? x | 0 : cells]!;
    let j = below[y < cells ? y | 0 : cells]!;
    while (upper[k]! < v) k++;
    while (upper[j]! < w) j++;
    even[k]! += 1;
    odd[j]! += 1;
  }
  if (i < n) {
    const v = values[i]!;
    if (v - v !== 0) fail(values);
    let k = 0;
    while (upper[k]! < v) k++;
    even[k]! += 1;
  }
  const counts = new Array<number>(bins);
  for (let k = 0; k < bins; k++) counts[k] = even[k]! + odd[k]!;
  return counts;
}

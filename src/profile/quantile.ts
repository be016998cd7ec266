/**
 * Quantile bin edges exactly as numpy computes them: `np.quantile(values, np.linspace(0, 1, bins + 1))` with the
 * default method ('linear', Hyndman & Fan type 7), float operation for float operation, so that equal edges
 * compare equal on both sides and merge the same way (docs/contracts.md §4).
 */

/** `np.linspace(0, 1, bins + 1)`: k * (1 / bins), the last one exactly 1. */
export function quantileLevels(bins: number): number[] {
  const step = 1 / bins;
  const levels: number[] = [];
  for (let k = 0; k <= bins; k++) levels.push(k === bins ? 1 : k * step);
  return levels;
}

/** Where numpy reads the quantile q of n sorted values: the order statistics `below` and `above`, and the weight. */
export interface QuantilePosition {
  below: number;
  above: number;
  gamma: number;
}

/** numpy's `_get_indexes` and `_get_gamma` for the linear method: virtual index (n - 1) * q. */
export function quantilePosition(n: number, q: number): QuantilePosition {
  const virtual = (n - 1) * q;
  if (virtual >= n - 1) return { below: n - 1, above: n - 1, gamma: 0 };
  if (virtual < 0) return { below: 0, above: 0, gamma: 0 };
  const below = Math.floor(virtual);
  return { below, above: below + 1, gamma: virtual - below };
}

/** numpy's `_lerp`: a + (b - a) * t, computed from b's side when t >= 0.5. */
export function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** The order statistics (0-based ranks in ascending order) that the interior edges of `bins` bins need. */
export function interiorRanks(n: number, bins: number): number[] {
  const ranks = new Set<number>();
  const levels = quantileLevels(bins);
  for (let k = 1; k < bins; k++) {
    const p = quantilePosition(n, levels[k]!);
    ranks.add(p.below);
    if (p.gamma !== 0) ranks.add(p.above);
  }
  return [...ranks].sort((a, b) => a - b);
}

/**
 * The bins + 1 edges of n values (n >= 1), given their order statistics; `min` and `max` are the first and last.
 * Equal neighbours are merged (numpy's edges, deduplicated), keeping at least the two ends, so a constant column
 * has the edges [v, v] and one bin.
 */
export function quantileEdges(n: number, bins: number, orderStatistic: (rank: number) => number): number[] {
  const edges = quantileLevels(bins).map((q) => {
    const p = quantilePosition(n, q);
    // with no weight numpy's a + (b - a) * 0 is a (+0 for -0): b is not needed
    if (p.gamma === 0) return orderStatistic(p.below) + 0;
    return lerp(orderStatistic(p.below), orderStatistic(p.above), p.gamma);
  });
  return mergeEdges(edges);
}

/** Drops an edge equal to the one before it; two equal ends stay two. */
export function mergeEdges(edges: readonly number[]): number[] {
  const merged: number[] = [];
  for (const e of edges) if (merged.length === 0 || e !== merged[merged.length - 1]) merged.push(e);
  if (merged.length === 1) merged.push(merged[0]!);
  return merged;
}

/**
 * Bin counts with the right-closed rule of docs/contracts.md §4: bin 0 is (-inf, e[1]], bin k is (e[k], e[k+1]],
 * the last (e[n-1], +inf). `atMost(e)` is the number of values <= e; `total` the number of values.
 */
export function rightClosedCounts(edges: readonly number[], total: number, atMost: (edge: number) => number): number[] {
  const bins = edges.length - 1;
  const counts: number[] = [];
  let below = 0;
  for (let k = 1; k < bins; k++) {
    const upTo = atMost(edges[k]!);
    counts.push(upTo - below);
    below = upTo;
  }
  counts.push(total - below);
  return counts;
}

/** The number of entries of an ascending array that are <= x (an upper bound by binary search). */
export function countAtMost(sorted: ArrayLike<number>, x: number, from = 0, to = sorted.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - from;
}

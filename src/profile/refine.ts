/**
 * Exact order statistics of a numeric column in bounded memory, by passes over the file.
 *
 * Pass 1 (numeric-column.ts) keeps a column's first values; if the column has more, the rest of pass 1 reads it
 * through windows placed from those first values around every interior quantile level, keeping the values inside
 * them (up to a capacity) and counting everything exactly. When the first values are a fair sample of the column,
 * every rank the bin edges need (interiorRanks) then lies in a window whose values were all kept: one pass. When
 * not (a file sorted by that column, a window that overflowed), every needed rank still lies in a region of known
 * count, and a region that is not exact becomes a probe of the next pass: kept when it fits the budget, else split
 * into buckets. Each bucket pass narrows a region by its bucket count, so passes end; MAX_PASSES bounds them.
 */
import type { Probe } from './probes.js';
import { isExact, regionOfRank, type Region } from './regions.js';

/** How many more passes than the first two the engine allows before it gives up (ResourceLimit). */
export const MAX_PASSES = 12;

/** A window is this many standard deviations of the sample rank wide on each side. */
const SIGMAS = 4;

export interface ProbeBudget {
  /** Values a column may keep in this pass. */
  values: number;
  /** Buckets a column may count in this pass. */
  buckets: number;
}

/**
 * The probes of pass 1's second part, from the first values of the column (sorted): a window around the estimated
 * place of each interior quantile level, `SIGMAS` standard deviations of a sample quantile wide, merged where they
 * overlap, each keeping at most its share of `capacity` values. The windows at the ends are open (+-Infinity).
 */
export function windowsFromPrefix(prefix: Float64Array, bins: number, capacity: number): Probe[] {
  const s = prefix.length;
  const spans: [number, number][] = [];
  for (let k = 1; k < bins; k++) {
    const q = k / bins;
    const centre = q * (s - 1);
    const half = SIGMAS * Math.sqrt(s * q * (1 - q)) + 2;
    spans.push([Math.max(0, Math.floor(centre - half)), Math.min(s - 1, Math.ceil(centre + half))]);
  }
  const merged: [number, number][] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    // windows on equal values would overlap as value intervals: merge them too
    if (last && (span[0] <= last[1] || prefix[span[0]]! <= prefix[last[1]]!)) last[1] = Math.max(last[1], span[1]);
    else merged.push([span[0], span[1]]);
  }
  const each = Math.max(1, Math.floor(capacity / Math.max(1, merged.length)));
  return merged.map(([a, b]) => ({ lo: a === 0 ? -Infinity : prefix[a]!, hi: b === s - 1 ? Infinity : prefix[b]!, capacity: each }));
}

/** The indexes of regions that hold a needed rank and are not exact, in order. */
export function unresolved(regions: readonly Region[], ranks: readonly number[]): number[] {
  const found = new Set<number>();
  for (const rank of ranks) {
    const { index } = regionOfRank(regions, rank);
    if (!isExact(regions[index]!)) found.add(index);
  }
  return [...found].sort((a, b) => a - b);
}

/** Probes for the given regions: the smallest ones keep their values while the budget lasts, the rest count buckets. */
export function probesFor(regions: readonly Region[], indexes: readonly number[], budget: ProbeBudget): Probe[] {
  const bySize = [...indexes].sort((a, b) => regions[a]!.count - regions[b]!.count);
  const keep = new Set<number>();
  let left = budget.values;
  for (const i of bySize) {
    if (regions[i]!.count > left) break;
    keep.add(i);
    left -= regions[i]!.count;
  }
  const counted = indexes.length - keep.size;
  const buckets = Math.max(16, Math.min(4096, Math.floor(budget.buckets / Math.max(1, counted))));
  return indexes.map((i) => {
    const r = regions[i]!;
    return keep.has(i) ? { lo: r.lo, hi: r.hi, capacity: r.count } : { lo: r.lo, hi: r.hi, buckets };
  });
}

/** The regions with each probed one replaced by what its probe found. */
export function replaceRegions(regions: readonly Region[], indexes: readonly number[], found: readonly Region[][]): Region[] {
  const byIndex = new Map(indexes.map((index, i) => [index, found[i]!]));
  return regions.flatMap((region, i) => byIndex.get(i) ?? [region]);
}

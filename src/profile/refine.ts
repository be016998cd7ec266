/**
 * Exact order statistics of a numeric column in bounded memory, by passes over the file.
 *
 * Pass 1 (numeric-column.ts) keeps a seeded uniform sample. From it, pass 2 reads narrow windows around the
 * estimated place of every rank the bin edges need (interiorRanks), keeping the values inside them and counting
 * the rest exactly; a window that would hold more than its share of the value budget counts its values in
 * buckets instead. After each pass every needed rank lies in a region of known count; a region that is not
 * exact (its values were not kept, or the sample's guess missed) becomes a probe of the next pass: kept when
 * it fits the budget, else split into buckets. Each bucket pass narrows a region by its bucket count, so passes
 * end; MAX_PASSES bounds them.
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
 * The probes of pass 2 from the sorted sample (pass 1), for the given ranks of n values. Windows that overlap
 * are merged; each keeps its values when the sample predicts they fit the budget, else counts buckets.
 */
export function windowsFromSample(sample: Float64Array, n: number, min: number, max: number, ranks: readonly number[], budget: ProbeBudget): Probe[] {
  const s = sample.length;
  const spans: [number, number][] = [];
  for (const rank of ranks) {
    const q = n > 1 ? rank / (n - 1) : 0;
    const centre = q * (s - 1);
    const half = SIGMAS * Math.sqrt(s * q * (1 - q)) + 2;
    spans.push([Math.max(0, Math.floor(centre - half)), Math.min(s - 1, Math.ceil(centre + half))]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    // windows on equal sample values would overlap as value intervals: merge them too
    if (last && (span[0] <= last[1] || sample[span[0]]! <= sample[last[1]]!)) last[1] = Math.max(last[1], span[1]);
    else merged.push([span[0], span[1]]);
  }
  const predicted = merged.map(([a, b]) => Math.ceil(((b - a + 1) / s) * n * 1.25) + 16);
  const total = predicted.reduce((x, y) => x + y, 0);
  const keep = total <= budget.values;
  const buckets = Math.max(16, Math.min(4096, Math.floor(budget.buckets / Math.max(1, merged.length))));
  return merged.map(([a, b], i) => {
    // the extreme windows reach the column's ends, so nothing below or above them is a separate region
    const lo = a === 0 ? min : sample[a]!;
    const hi = b === s - 1 ? max : sample[b]!;
    return keep ? { lo, hi, capacity: Math.min(predicted[i]!, budget.values) } : { lo, hi, buckets };
  });
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

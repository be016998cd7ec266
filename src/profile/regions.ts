/**
 * What the engine knows about the sorted values of a numeric column after a pass: a partition of the values
 * into consecutive regions, each with its exact count and its smallest and largest value. A region is exact
 * when its values are known: kept (sorted), or all equal (lo === hi). Order statistics and "how many values are
 * <= e" can be answered inside exact regions; a region that holds a needed rank and is not exact is read again
 * by the next pass (refine.ts).
 */
import { countAtMost } from './quantile.js';

export interface Region {
  /** Smallest value in the region. */
  lo: number;
  /** Largest value in the region. */
  hi: number;
  count: number;
  /** The region's values in ascending order, when kept. */
  values?: Float64Array;
}

export function isExact(region: Region): boolean {
  return region.values !== undefined || region.lo === region.hi;
}

/** The regions of a list in order with the number of values before each. */
export function withOffsets(regions: readonly Region[]): { region: Region; before: number }[] {
  let before = 0;
  return regions.map((region) => {
    const entry = { region, before };
    before += region.count;
    return entry;
  });
}

/** The index of the region holding the 0-based rank. */
export function regionOfRank(regions: readonly Region[], rank: number): { index: number; before: number } {
  let before = 0;
  for (let index = 0; index < regions.length; index++) {
    const count = regions[index]!.count;
    if (rank < before + count) return { index, before };
    before += count;
  }
  throw new RangeError(`rank ${rank} is beyond the ${before} values`);
}

/** The value of the given 0-based rank; its region must be exact. */
export function orderStatistic(regions: readonly Region[], rank: number): number {
  const { index, before } = regionOfRank(regions, rank);
  const region = regions[index]!;
  if (region.values) return region.values[rank - before]!;
  if (region.lo === region.hi) return region.lo;
  throw new Error(`internal: rank ${rank} lies in a region that was not resolved`);
}

/**
 * The number of values <= x. Exact whenever x is an edge interpolated between two resolved neighbouring order
 * statistics: a region that straddles such an x is always exact (see refine.ts).
 */
export function valuesAtMost(regions: readonly Region[], x: number): number {
  let total = 0;
  for (const region of regions) {
    if (region.hi <= x) total += region.count;
    else if (region.lo <= x) {
      if (region.values) total += countAtMost(region.values, x);
      else throw new Error(`internal: an edge ${x} lies inside a region that was not resolved`);
    } else break;
  }
  return total;
}

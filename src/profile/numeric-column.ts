/**
 * One numeric column of a profile. Pass 1 counts nulls, invalid and out-of-range values and computes the moments.
 * It keeps the column's values while they fit `limits.keep` (a small column needs nothing more), and counts its
 * distinct values while there are at most `limits.distinct` (a column of few values needs nothing more either).
 * Past `limits.keep` values, the kept ones place windows around the quantile levels (refine.ts) and the rest of
 * pass 1 reads through them, so most columns have their exact edges at the end of pass 1; the others resolve
 * them in later passes. Then the column counts its bins.
 */
import type { NumberChunk } from './chunks.js';
import { Moments } from './moments.js';
import { NumberCounts } from './number-counts.js';
import { ProbeSet } from './probes.js';
import { interiorRanks, quantileEdges, rightClosedCounts } from './quantile.js';
import { probesFor, replaceRegions, unresolved, windowsFromPrefix, type ProbeBudget } from './refine.js';
import { orderStatistic, regionOfRank, valuesAtMost, type Region } from './regions.js';
import type { ColumnSpec, NumericBins } from './types.js';

export interface NumericLimits {
  /** Values kept in pass 1 (the whole column when it fits, else the first ones, which place the windows). */
  keep: number;
  /** Values the windows of pass 1 may keep. */
  windows: number;
  /** Distinct values counted in pass 1 (the whole column when it has so few). */
  distinct: number;
  bins: number;
}

export class NumericColumn {
  readonly moments = new Moments();
  nulls = 0;
  invalid = 0;
  firstInvalid = 0;
  outOfRange = 0;
  present = false;
  private kept: Float64Array | undefined;
  private keptLength = 0;
  private distinct: NumberCounts | undefined;
  /** The windows of pass 1, once the column outgrew `keep`. */
  private windows: ProbeSet | undefined;
  private regions: Region[] | undefined;
  private ranks: number[] = [];
  private pending: { probes: ProbeSet; indexes: number[] } | undefined;

  constructor(
    readonly spec: ColumnSpec,
    private readonly limits: NumericLimits,
  ) {
    this.kept = new Float64Array(Math.min(limits.keep, 1 << 12));
    this.distinct = new NumberCounts(limits.distinct);
  }

  addPass1(chunk: NumberChunk): void {
    this.nulls += chunk.nulls;
    if (chunk.invalid > 0 && this.invalid === 0) this.firstInvalid = chunk.firstInvalid;
    this.invalid += chunk.invalid;
    this.present ||= chunk.present;
    const { values, length } = chunk;
    if (length === 0) return;
    this.moments.add(values, length);
    const { min, max } = this.spec;
    if (min !== undefined || max !== undefined) {
      const lo = min ?? -Infinity;
      const hi = max ?? Infinity;
      let out = 0;
      for (let j = 0; j < length; j++) if (values[j]! < lo || values[j]! > hi) out++;
      this.outOfRange += out;
    }
    if (this.distinct) this.countDistinct(values, length);
    if (this.windows) this.windows.add(values, length);
    else this.keep(values, length);
  }

  get rows(): number {
    return this.moments.count + this.nulls + this.invalid;
  }

  /** After pass 1: true when the column needs more passes (`plan` then gives their probes). */
  startResolving(bins: number): boolean {
    const n = this.moments.count;
    this.ranks = n > 0 ? interiorRanks(n, bins) : [];
    if (this.kept) {
      const values = this.kept.subarray(0, this.keptLength).sort();
      this.regions = n > 0 ? [{ lo: values[0]!, hi: values[n - 1]!, count: n, values }] : [];
    } else if (this.distinct) {
      this.regions = this.distinct.sorted().map(([v, count]) => ({ lo: v, hi: v, count }));
    } else {
      this.regions = this.windows!.allRegions();
    }
    this.kept = undefined;
    this.distinct = undefined;
    this.windows = undefined;
    this.dropUnneeded();
    return unresolved(this.regions, this.ranks).length > 0;
  }

  /** The probes of the next pass, within this column's share of the budget. */
  plan(budget: ProbeBudget): void {
    const indexes = unresolved(this.regions!, this.ranks);
    this.pending = { probes: new ProbeSet(probesFor(this.regions!, indexes, budget), false), indexes };
  }

  addPass(chunk: NumberChunk): void {
    this.pending!.probes.add(chunk.values, chunk.length);
  }

  /** After a pass: true when the column still needs another. */
  finishPass(): boolean {
    const { probes, indexes } = this.pending!;
    this.regions = replaceRegions(this.regions!, indexes, probes.probeRegions());
    this.pending = undefined;
    this.dropUnneeded();
    return unresolved(this.regions, this.ranks).length > 0;
  }

  /** Numbers this column holds now (kept regions). */
  retained(): number {
    let total = this.kept ? this.kept.length : 0;
    for (const region of this.regions ?? []) total += region.values?.length ?? 0;
    return total;
  }

  /** The merged quantile edges and their right-closed counts; needs every rank resolved and n > 0. */
  bins(bins: number): NumericBins {
    const n = this.moments.count;
    const regions = this.regions!;
    const { min, max } = this.moments;
    const edges = quantileEdges(n, bins, (rank) => (rank === 0 ? min : rank === n - 1 ? max : orderStatistic(regions, rank)));
    return { edges, counts: rightClosedCounts(edges, n, (e) => valuesAtMost(regions, e)) };
  }

  /** Forgets the kept values of regions that hold no needed rank (their counts are all the edges need). */
  private dropUnneeded(): void {
    const needed = new Set(this.ranks.map((rank) => regionOfRank(this.regions!, rank).index));
    this.regions = this.regions!.map((region, i) => (region.values && !needed.has(i) ? { lo: region.lo, hi: region.hi, count: region.count } : region));
  }

  private keep(values: Float64Array, length: number): void {
    const room = this.limits.keep - this.keptLength;
    const take = Math.min(room, length);
    const need = this.keptLength + take;
    if (need > this.kept!.length) {
      const grown = new Float64Array(Math.min(this.limits.keep, Math.max(need, this.kept!.length * 2)));
      grown.set(this.kept!.subarray(0, this.keptLength));
      this.kept = grown;
    }
    this.kept!.set(values.subarray(0, take), this.keptLength);
    this.keptLength = need;
    if (take === length) return;
    // the column outgrew `keep`: its first values place the windows; they and everything after go through them
    const kept = this.kept!.subarray(0, this.keptLength);
    this.windows = new ProbeSet(windowsFromPrefix(kept.slice().sort(), this.limits.bins, this.limits.windows), true);
    this.windows.add(kept, kept.length);
    this.windows.add(values.subarray(take, length), length - take);
    this.kept = undefined;
  }

  private countDistinct(values: Float64Array, length: number): void {
    const distinct = this.distinct!;
    for (let j = 0; j < length; j++) {
      if (!distinct.add(values[j]!)) {
        this.distinct = undefined;
        return;
      }
    }
  }
}

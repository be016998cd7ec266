/**
 * One read of a numeric column's values against a few closed value intervals (probes): a probe either keeps its
 * values (up to a capacity) or counts them in a fixed number of equal-width buckets. Every probe, every bucket and
 * (optionally) every gap between probes reports its exact count and its smallest and largest value, which become
 * the regions of regions.ts. Memory is the capacities plus the buckets, whatever the number of rows.
 */
import type { Region } from './regions.js';

export interface Probe {
  lo: number;
  hi: number;
  /** Keep up to this many values (the region becomes exact when they all fit); memory grows as they come... */
  capacity?: number;
  /** ...or count them in this many buckets. */
  buckets?: number;
}

export class ProbeSet {
  private readonly los: Float64Array;
  private readonly his: Float64Array;
  private readonly stats: Float64Array; // per probe then per gap: count, min, max
  private readonly kept: (Float64Array | undefined)[];
  private readonly fill: Int32Array;
  private readonly capacity: Float64Array;
  private readonly keepsOnly: boolean;
  private readonly bucketStart: Int32Array;
  private readonly bucketCount: Int32Array;
  private readonly bucketStats: Float64Array; // per bucket: count, min, max

  constructor(
    readonly probes: readonly Probe[],
    /** Also report the values between probes (pass 2 needs them; later passes already know them). */
    readonly trackGaps: boolean,
  ) {
    const k = probes.length;
    this.los = Float64Array.from(probes, (p) => p.lo);
    this.his = Float64Array.from(probes, (p) => p.hi);
    for (let i = 1; i < k; i++) if (!(this.los[i]! > this.his[i - 1]!)) throw new Error('internal: probes overlap or are unsorted');
    this.stats = new Float64Array((2 * k + 1) * 3);
    for (let i = 0; i < 2 * k + 1; i++) {
      this.stats[i * 3 + 1] = Infinity;
      this.stats[i * 3 + 2] = -Infinity;
    }
    this.kept = probes.map((p) => (p.capacity !== undefined ? new Float64Array(Math.min(p.capacity, 1024)) : undefined));
    this.capacity = Float64Array.from(probes, (p) => p.capacity ?? 0);
    this.keepsOnly = trackGaps && probes.every((p) => p.capacity !== undefined);
    this.fill = new Int32Array(k);
    this.bucketStart = new Int32Array(k);
    this.bucketCount = new Int32Array(k);
    let total = 0;
    probes.forEach((p, i) => {
      this.bucketStart[i] = total;
      this.bucketCount[i] = p.capacity === undefined ? Math.max(1, p.buckets ?? 1) : 0;
      total += this.bucketCount[i]!;
    });
    this.bucketStats = new Float64Array(total * 3);
    for (let b = 0; b < total; b++) {
      this.bucketStats[b * 3 + 1] = Infinity;
      this.bucketStats[b * 3 + 2] = -Infinity;
    }
  }

  /** Reads values[0..length). */
  add(values: Float64Array, length: number): void {
    if (this.keepsOnly) this.addKeeping(values, length);
    else this.addAny(values, length);
  }

  /**
   * The common case of pass 1 (every probe keeps its values, gaps are tracked) in a tighter loop: a linear scan of
   * the few probes, and one stats update per value.
   */
  private addKeeping(values: Float64Array, length: number): void {
    const { los, his, stats, kept, fill, capacity } = this;
    const k = los.length;
    for (let j = 0; j < length; j++) {
      const v = values[j]!;
      let p = 0;
      while (p < k && los[p]! <= v) p++;
      let slot = k + p; // the gap below probe p
      if (p > 0 && v <= his[p - 1]!) {
        slot = p - 1;
        const f = fill[slot]!;
        const store = kept[slot]!;
        if (f < store.length) store[f] = v;
        else if (f < capacity[slot]!) this.grow(slot)[f] = v;
        fill[slot] = f + 1;
      }
      const s = slot * 3;
      stats[s]!++;
      if (v < stats[s + 1]!) stats[s + 1] = v;
      if (v > stats[s + 2]!) stats[s + 2] = v;
    }
  }

  private addAny(values: Float64Array, length: number): void {
    const { los, his, stats, kept, fill, capacity, bucketStart, bucketCount, bucketStats, trackGaps } = this;
    const k = los.length;
    for (let j = 0; j < length; j++) {
      const v = values[j]!;
      // the last probe whose lo <= v
      let lo = 0;
      let hi = k;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (los[mid]! <= v) lo = mid + 1;
        else hi = mid;
      }
      const p = lo - 1;
      let slot: number;
      if (p >= 0 && v <= his[p]!) {
        slot = p;
        const store = kept[p];
        if (store !== undefined) {
          const f = fill[p]!;
          if (f < store.length) store[f] = v;
          else if (f < capacity[p]!) this.grow(p)[f] = v;
          fill[p] = f + 1;
        } else {
          const n = bucketCount[p]!;
          const width = his[p]! - los[p]!;
          let b = width > 0 ? Math.floor(((v - los[p]!) * n) / width) : 0;
          if (b >= n) b = n - 1;
          const s = (bucketStart[p]! + b) * 3;
          bucketStats[s]!++;
          if (v < bucketStats[s + 1]!) bucketStats[s + 1] = v;
          if (v > bucketStats[s + 2]!) bucketStats[s + 2] = v;
        }
      } else if (trackGaps) {
        slot = k + p + 1;
      } else continue;
      const s = slot * 3;
      stats[s]!++;
      if (v < stats[s + 1]!) stats[s + 1] = v;
      if (v > stats[s + 2]!) stats[s + 2] = v;
    }
  }

  private grow(p: number): Float64Array {
    const old = this.kept[p]!;
    const grown = new Float64Array(Math.min(this.capacity[p]!, old.length * 2));
    grown.set(old);
    this.kept[p] = grown;
    return grown;
  }

  /** The non-empty regions found inside each probe, in order (one list per probe). */
  probeRegions(): Region[][] {
    return this.probes.map((_, i) => {
      const s = i * 3;
      const count = this.stats[s]!;
      if (count === 0) return [];
      const store = this.kept[i];
      if (store !== undefined) {
        const region: Region = { lo: this.stats[s + 1]!, hi: this.stats[s + 2]!, count };
        if (count <= this.capacity[i]!) region.values = (count < store.length ? store.slice(0, count) : store).sort();
        return [region];
      }
      const regions: Region[] = [];
      for (let b = 0; b < this.bucketCount[i]!; b++) {
        const t = (this.bucketStart[i]! + b) * 3;
        if (this.bucketStats[t]! > 0) regions.push({ lo: this.bucketStats[t + 1]!, hi: this.bucketStats[t + 2]!, count: this.bucketStats[t]! });
      }
      return regions;
    });
  }

  /** Every non-empty region in value order: gaps and probes interleaved (needs trackGaps). */
  allRegions(): Region[] {
    const k = this.probes.length;
    const inside = this.probeRegions();
    const regions: Region[] = [];
    const gap = (g: number): void => {
      const s = (k + g) * 3;
      if (this.stats[s]! > 0) regions.push({ lo: this.stats[s + 1]!, hi: this.stats[s + 2]!, count: this.stats[s]! });
    };
    for (let i = 0; i < k; i++) {
      gap(i);
      regions.push(...inside[i]!);
    }
    gap(k);
    return regions;
  }
}

/**
 * One categorical (or boolean) column of a profile: counts by category, the 100 most frequent listed (ties by
 * name, in JavaScript string order), the rest in otherCount (docs/contracts.md §4).
 *
 * The counts are exact while the column has at most `limits.distinct` categories (and their names fit
 * `limits.chars`). Past that, pass 1 keeps Misra–Gries candidates instead (every category more frequent than
 * n / (distinct + 1) survives), and a second pass counts the candidates exactly; the listed categories are then
 * the true top 100 whenever the 100th count exceeds n / (distinct + 1).
 */
import type { CategoryChunk } from './chunks.js';
import type { ColumnSpec } from './types.js';

/** The most categories a profile lists per column. */
export const MAX_CATEGORIES = 100;
/** Reserved for the unlisted values in the serving runtime; never listed. */
export const OTHER = '__other__';

export interface CategoricalLimits {
  distinct: number;
  chars: number;
}

export class CategoricalColumn {
  nulls = 0;
  invalid = 0;
  firstInvalid = 0;
  present = false;
  /** Non-null valid values. */
  count = 0;
  private counts = new Map<string, number>();
  private chars = 0;
  /** True once the counts became Misra–Gries candidates (a second pass counts them exactly). */
  approximate = false;

  constructor(
    readonly spec: ColumnSpec,
    private readonly limits: CategoricalLimits,
  ) {}

  get rows(): number {
    return this.count + this.nulls + this.invalid;
  }

  addPass1(chunk: CategoryChunk): void {
    this.nulls += chunk.nulls;
    if (chunk.invalid > 0 && this.invalid === 0) this.firstInvalid = chunk.firstInvalid;
    this.invalid += chunk.invalid;
    this.present ||= chunk.present;
    this.count += chunk.length;
    const { counts, limits } = this;
    for (let j = 0; j < chunk.length; j++) {
      const v = chunk.values[j]!;
      const c = counts.get(v);
      if (c !== undefined) counts.set(v, c + 1);
      else if (counts.size < limits.distinct && this.chars + v.length <= limits.chars) {
        counts.set(v, 1);
        this.chars += v.length;
      } else this.decrementAll();
    }
  }

  /** Starts the exact count of the candidates (pass 2). */
  startRecount(): void {
    for (const key of this.counts.keys()) this.counts.set(key, 0);
  }

  addRecount(chunk: CategoryChunk): void {
    const { counts } = this;
    for (let j = 0; j < chunk.length; j++) {
      const c = counts.get(chunk.values[j]!);
      if (c !== undefined) counts.set(chunk.values[j]!, c + 1);
    }
  }

  /** The listed categories (count descending, then name) and the count of the rest. */
  summary(): { categories: Record<string, number>; otherCount: number } {
    const entries = [...this.counts.entries()].filter(([name, count]) => name !== OTHER && count > 0);
    if (this.spec.type === 'boolean') for (const name of ['true', 'false']) if (!this.counts.get(name)) entries.push([name, 0]);
    entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const listed = entries.slice(0, MAX_CATEGORIES);
    const categories: Record<string, number> = {};
    let sum = 0;
    for (const [name, count] of listed) {
      categories[name] = count;
      sum += count;
    }
    return { categories, otherCount: this.count - sum };
  }

  /** Misra–Gries: one less of every candidate (and of the new value, which is dropped). */
  private decrementAll(): void {
    this.approximate = true;
    for (const [key, count] of this.counts) {
      if (count <= 1) {
        this.counts.delete(key);
        this.chars -= key.length;
      } else this.counts.set(key, count - 1);
    }
  }
}

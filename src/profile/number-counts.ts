/**
 * Counts of distinct numbers in a fixed-size open-addressing table (a JavaScript Map boxes non-integer keys, which
 * costs more than the rest of pass 1). Holds at most `limit` distinct values; `add` says false once one more would
 * not fit.
 */
export class NumberCounts {
  private readonly keys: Float64Array;
  private readonly counts: Float64Array;
  private readonly used: Uint8Array;
  private readonly mask: number;
  private readonly shift: number;
  private readonly scratch = new Float64Array(1);
  private readonly bits = new Int32Array(this.scratch.buffer);
  size = 0;

  constructor(readonly limit: number) {
    let slots = 16;
    while (slots < limit * 2) slots *= 2;
    this.keys = new Float64Array(slots);
    this.counts = new Float64Array(slots);
    this.used = new Uint8Array(slots);
    this.mask = slots - 1;
    this.shift = 32 - Math.log2(slots);
  }

  /** Counts v (+0 and -0 as one); false when v is new and the table is full (nothing counted). */
  add(v: number): boolean {
    const key = v === 0 ? 0 : v;
    this.scratch[0] = key;
    // both halves mixed, then the high bits of a Fibonacci product (low bits of doubles are often all zero)
    let h = this.bits[0]! ^ Math.imul(this.bits[1]!, 0x85ebca6b);
    h ^= h >>> 15;
    let slot = Math.imul(h, 0x9e3779b1) >>> this.shift;
    const { keys, used } = this;
    while (used[slot]) {
      if (keys[slot] === key) {
        this.counts[slot]!++;
        return true;
      }
      slot = (slot + 1) & this.mask;
    }
    if (this.size >= this.limit) return false;
    used[slot] = 1;
    keys[slot] = key;
    this.counts[slot] = 1;
    this.size++;
    return true;
  }

  /** [value, count] pairs in ascending order of value. */
  sorted(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.used.length; i++) if (this.used[i]) out.push([this.keys[i]!, this.counts[i]!]);
    return out.sort((a, b) => a[0] - b[0]);
  }
}

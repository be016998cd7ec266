/**
 * A uniform sample of a stream of numbers in fixed memory (reservoir sampling, Li's Algorithm L), drawn with a
 * seeded generator so the same file gives the same sample. Only the speed of the engine depends on it: the
 * edges are exact whatever the sample (refine.ts).
 */

/** mulberry32: a small seeded generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Reservoir {
  private readonly items: Float64Array;
  private seen = 0;
  private next = 0;
  private w = 1;
  private readonly random: () => number;

  constructor(
    readonly size: number,
    seed: number,
  ) {
    this.items = new Float64Array(size);
    this.random = seededRandom(seed);
  }

  add(values: Float64Array, length: number): void {
    const k = this.size;
    let j = 0;
    while (j < length && this.seen < k) this.items[this.seen++] = values[j++]!;
    if (j >= length) return;
    if (this.next === 0) this.advance(); // the reservoir just filled
    // index of value j in the stream is seen + (j - start)
    while (j < length) {
      const skip = this.next - this.seen; // values to pass over before the next replacement
      if (skip >= length - j) {
        this.seen += length - j;
        return;
      }
      j += skip;
      this.seen += skip;
      this.items[Math.floor(this.random() * k)] = values[j++]!;
      this.seen++;
      this.advance();
    }
  }

  /** The sample in ascending order (a copy). */
  sorted(): Float64Array {
    return this.items.slice(0, Math.min(this.seen, this.size)).sort();
  }

  private advance(): void {
    const k = this.size;
    if (this.next === 0) this.w = Math.exp(Math.log(this.random() || Number.MIN_VALUE) / k);
    else this.w *= Math.exp(Math.log(this.random() || Number.MIN_VALUE) / k);
    const gap = Math.floor(Math.log(this.random() || Number.MIN_VALUE) / Math.log(1 - this.w));
    this.next = Number.isFinite(gap) ? this.seen + gap : Number.MAX_SAFE_INTEGER;
  }
}

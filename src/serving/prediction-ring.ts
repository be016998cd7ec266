/**
 * The predictions a serving process gave ids to itself (prediction-store.ts), oldest first, in typed arrays: no
 * object, string or array per prediction lives on the heap while it waits for its label. A prediction is a slot
 * whose sequence is the number in its id; its rows sit in a ring of rows. Both rings grow by doubling up to what
 * the store's row bound needs, so a store that is never filled never holds its full size.
 *
 * Kept off the heap because the store holds up to 100,000 rows for an hour: as objects, each prediction survived
 * two young-generation collections and was copied by both, and the old generation filled with them (bench:drift
 * figure 4, docs/benchmarks.md).
 */

/** What one lookup of a slot gives: a copy of its values, when it was stored, whether a label was scored. */
export interface RingPrediction {
  values: Float64Array | Array<number | string>;
  at: number;
  labelled: boolean;
}

const LABELLED = 1;
/** The rows are in `texts` (a class that is a string), not in `numbers`. */
const TEXTUAL = 2;
const INITIAL_CAPACITY = 1024;

export class PredictionRing {
  /** The oldest sequence held; sequences below it were evicted. */
  head = 0;
  /** The next sequence to give. */
  tail = 0;
  /** Rows held. */
  rows = 0;
  private slotCapacity: number;
  private at: Float64Array;
  /** The store's insertion order of each slot, to evict the oldest across this ring and the client ids. */
  private order: Float64Array;
  private rowStart: Uint32Array;
  private rowCount: Uint32Array;
  private flags: Uint8Array;
  private rowCapacity: number;
  private numbers: Float64Array;
  private texts: Array<number | string> | undefined;
  /** The row where the next prediction's rows start. */
  private rowEnd = 0;

  /** `maxRows`: the most rows (and so predictions) ever held at once. */
  constructor(private readonly maxRows: number) {
    this.slotCapacity = Math.max(1, Math.min(maxRows, INITIAL_CAPACITY));
    this.at = new Float64Array(this.slotCapacity);
    this.order = new Float64Array(this.slotCapacity);
    this.rowStart = new Uint32Array(this.slotCapacity);
    this.rowCount = new Uint32Array(this.slotCapacity);
    this.flags = new Uint8Array(this.slotCapacity);
    this.rowCapacity = this.slotCapacity;
    this.numbers = new Float64Array(this.rowCapacity);
  }

  get size(): number {
    return this.tail - this.head;
  }

  /** Insertion order of the oldest prediction, Infinity when empty. */
  get headOrder(): number {
    return this.head < this.tail ? this.order[this.head % this.slotCapacity]! : Infinity;
  }

  get headAt(): number {
    return this.at[this.head % this.slotCapacity]!;
  }

  /** Drops the oldest prediction; returns its rows. */
  evictHead(): number {
    const rows = this.rowCount[this.head % this.slotCapacity]!;
    this.head++;
    this.rows -= rows;
    return rows;
  }

  /**
   * Keeps `values` (one per row; numbers, bigints or strings), copied; returns its sequence. The caller evicted
   * first, so the rows held plus these fit in maxRows.
   */
  push(values: ArrayLike<number | bigint | string>, at: number, order: number): number {
    const n = values.length;
    if (this.size === this.slotCapacity) this.growSlots();
    if (this.rows + n > this.rowCapacity) this.growRows(this.rows + n);
    const slot = this.tail % this.slotCapacity;
    const start = this.rowEnd;
    const textual = typeof values[0] === 'string';
    if (textual) this.texts ??= new Array<number | string>(this.rowCapacity);
    for (let i = 0, r = start; i < n; i++, r = r + 1 === this.rowCapacity ? 0 : r + 1) {
      const v = values[i]!;
      if (textual) this.texts![r] = typeof v === 'string' ? v : Number(v);
      else this.numbers[r] = Number(v);
    }
    this.rowEnd = (start + n) % this.rowCapacity;
    this.at[slot] = at;
    this.order[slot] = order;
    this.rowStart[slot] = start;
    this.rowCount[slot] = n;
    this.flags[slot] = textual ? TEXTUAL : 0;
    this.rows += n;
    return this.tail++;
  }

  /** The prediction of `sequence`, or why there is none. */
  find(sequence: number): RingPrediction | 'expired' | 'unknown' {
    if (sequence >= this.tail) return 'unknown';
    if (sequence < this.head) return 'expired';
    const slot = sequence % this.slotCapacity;
    const n = this.rowCount[slot]!;
    const start = this.rowStart[slot]!;
    const textual = (this.flags[slot]! & TEXTUAL) !== 0;
    const values = textual ? new Array<number | string>(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = (start + i) % this.rowCapacity;
      values[i] = textual ? this.texts![r]! : this.numbers[r]!;
    }
    return { values, at: this.at[slot]!, labelled: (this.flags[slot]! & LABELLED) !== 0 };
  }

  markLabelled(sequence: number): void {
    if (sequence >= this.head && sequence < this.tail) this.flags[sequence % this.slotCapacity]! |= LABELLED;
  }

  /** Doubles the slots (up to maxRows), each slot moved to its place under the new capacity. */
  private growSlots(): void {
    const capacity = Math.min(this.maxRows, this.slotCapacity * 2);
    const move = <T extends Float64Array | Uint32Array | Uint8Array>(old: T, fresh: T): T => {
      for (let s = this.head; s < this.tail; s++) fresh[s % capacity] = old[s % this.slotCapacity]!;
      return fresh;
    };
    this.at = move(this.at, new Float64Array(capacity));
    this.order = move(this.order, new Float64Array(capacity));
    this.rowStart = move(this.rowStart, new Uint32Array(capacity));
    this.rowCount = move(this.rowCount, new Uint32Array(capacity));
    this.flags = move(this.flags, new Uint8Array(capacity));
    this.slotCapacity = capacity;
  }

  /** Grows the rows to hold `needed` (doubling, up to maxRows), the held rows moved to the front in order. */
  private growRows(needed: number): void {
    let capacity = this.rowCapacity;
    while (capacity < needed) capacity *= 2;
    capacity = Math.min(this.maxRows, capacity);
    const numbers = new Float64Array(capacity);
    const texts = this.texts ? new Array<number | string>(capacity) : undefined;
    let to = 0;
    for (let s = this.head; s < this.tail; s++) {
      const slot = s % this.slotCapacity;
      const start = this.rowStart[slot]!;
      for (let i = 0; i < this.rowCount[slot]!; i++, to++) {
        const from = (start + i) % this.rowCapacity;
        numbers[to] = this.numbers[from]!;
        if (texts) texts[to] = this.texts![from]!;
      }
      this.rowStart[slot] = to - this.rowCount[slot]!;
    }
    this.numbers = numbers;
    this.texts = texts;
    this.rowCapacity = capacity;
    this.rowEnd = to % capacity;
  }
}

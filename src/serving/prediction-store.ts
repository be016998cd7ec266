/**
 * The recent predictions of a serving process, by prediction id, until their ground truth arrives at the
 * feedback endpoint (feedback.ts; docs/contracts.md §2, "Feedback"). Bounded two ways: by the rows it holds
 * (oldest first out) and by age. Insertions come in time order, so both bounds evict from the front of a queue
 * kept beside the Map: O(1) per prediction, no timers. (Not by iterating the Map: V8 walks the deleted entries
 * at its front on every new iterator, until it rehashes, which made a full store cost ~30 µs a prediction.)
 *
 * Ids the process generates are `<prefix>-<sequence>` (base 36), the prefix random per process: a generated id
 * the store no longer holds is told apart as expired (its sequence is at or below the last one evicted) from an
 * id it never gave (unknown). A client's own id cannot be told apart that way: once evicted it is unknown.
 */
import { randomBytes } from 'node:crypto';

/** One prediction's scored values, one per row: numbers (regression, numeric classes) or strings (classes). */
export type PredictedValues = Float64Array | Array<number | string>;

export interface StoredPrediction {
  values: PredictedValues;
  /** When it was stored (ms, the store's clock). */
  at: number;
  /** Set once a label was scored against it: a second label for the same id is a duplicate, not scored again. */
  labelled: boolean;
}

interface Entry extends StoredPrediction {
  id: string;
  /** The sequence of an id this store generated. */
  sequence?: number;
}

export interface PredictionStoreLimits {
  /** Most rows held over all predictions; 0 turns the store off. */
  maxRows: number;
  /** Oldest prediction kept (ms). */
  maxAgeMs: number;
}

/** `cairn serve` defaults: --feedback-max-rows, --feedback-max-age-s. */
export const DEFAULT_FEEDBACK_MAX_ROWS = 100_000;
export const DEFAULT_FEEDBACK_MAX_AGE_MS = 60 * 60 * 1000;
/** Longest id kept (a client's own); a longer one is not stored, so a label for it is unknown. */
export const MAX_ID_LENGTH = 256;

export type Lookup = { kind: 'found'; prediction: StoredPrediction } | { kind: 'unknown' } | { kind: 'expired' };

export class PredictionStore {
  private readonly entries = new Map<string, Entry>();
  /** Insertion order; an entry replaced since is skipped. Read from `head`, compacted now and then. */
  private order: Entry[] = [];
  private head = 0;
  private rowsHeld = 0;
  private sequence = 0;
  /** The highest sequence of a generated id evicted so far (-1: none). */
  private evictedThrough = -1;
  readonly prefix: string;

  constructor(
    readonly limits: PredictionStoreLimits,
    /** ms clock; monotonic in practice (performance.now), so insertion order is time order. */
    private readonly now: () => number,
    prefix: string = randomBytes(4).toString('hex'),
  ) {
    this.prefix = prefix;
  }

  get enabled(): boolean {
    return this.limits.maxRows > 0;
  }

  /** Rows held now. */
  get rows(): number {
    return this.rowsHeld;
  }

  /** Predictions held now. */
  get size(): number {
    return this.entries.size;
  }

  /** A new id of this process. */
  nextId(): string {
    return `${this.prefix}-${(this.sequence++).toString(36)}`;
  }

  /** Keeps a prediction under a new id of this process, and returns the id (undefined when it is not kept, as put says). */
  putNew(values: PredictedValues): string | undefined {
    if (!this.keeps(values)) return undefined;
    const sequence = this.sequence++;
    const id = `${this.prefix}-${sequence.toString(36)}`;
    this.insert({ id, sequence, values, at: this.now(), labelled: false });
    return id;
  }

  /**
   * Keeps a prediction under `id` (a client's id given again replaces its earlier prediction). A prediction with
   * more rows than the whole store, or no rows, or an id longer than MAX_ID_LENGTH is not kept.
   */
  put(id: string, values: PredictedValues): void {
    if (!this.keeps(values) || id.length > MAX_ID_LENGTH) return;
    const sequence = this.sequenceOf(id);
    this.insert({ id, ...(sequence !== undefined ? { sequence } : {}), values, at: this.now(), labelled: false });
  }

  private keeps(values: PredictedValues): boolean {
    return this.enabled && values.length > 0 && values.length <= this.limits.maxRows;
  }

  private insert(entry: Entry): void {
    const { id, values, at } = entry;
    const earlier = this.entries.get(id);
    if (earlier) {
      this.entries.delete(id);
      this.rowsHeld -= earlier.values.length;
    }
    this.entries.set(id, entry);
    this.order.push(entry);
    this.rowsHeld += values.length;
    this.evict(at);
  }

  /** The prediction of `id`, or why there is none. */
  get(id: string): Lookup {
    this.evict(this.now());
    const prediction = this.entries.get(id);
    if (prediction) return { kind: 'found', prediction };
    const sequence = this.sequenceOf(id);
    return sequence !== undefined && sequence <= this.evictedThrough ? { kind: 'expired' } : { kind: 'unknown' };
  }

  /** Evicts from the front: predictions older than maxAgeMs, then the oldest until the rows fit. */
  private evict(now: number): void {
    const oldest = now - this.limits.maxAgeMs;
    while (this.head < this.order.length) {
      const entry = this.order[this.head]!;
      if (this.entries.get(entry.id) === entry) {
        if (entry.at >= oldest && this.rowsHeld <= this.limits.maxRows) break;
        this.entries.delete(entry.id);
        this.rowsHeld -= entry.values.length;
        if (entry.sequence !== undefined && entry.sequence > this.evictedThrough) this.evictedThrough = entry.sequence;
      }
      this.order[this.head] = undefined!; // let it be collected before the next compaction
      this.head++;
    }
    // Compacted when half of it is read, or mostly replaced entries (a client that reuses its ids).
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    } else if (this.order.length - this.head > 2 * this.entries.size + 1024) {
      this.order = this.order.slice(this.head).filter((e) => this.entries.get(e.id) === e);
      this.head = 0;
    }
  }

  /** The sequence of an id this process generated, else undefined. */
  private sequenceOf(id: string): number | undefined {
    if (id.length <= this.prefix.length + 1 || !id.startsWith(this.prefix) || id[this.prefix.length] !== '-') return undefined;
    const digits = id.slice(this.prefix.length + 1);
    if (!/^[0-9a-z]{1,11}$/.test(digits)) return undefined;
    const sequence = Number.parseInt(digits, 36);
    return sequence < this.sequence ? sequence : undefined;
  }
}

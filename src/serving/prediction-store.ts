/**
 * The recent predictions of a serving process, by prediction id, until their ground truth arrives at the
 * feedback endpoint (feedback.ts; docs/contracts.md §2, "Feedback"). Bounded two ways: by the rows it holds
 * (oldest first out) and by age. Insertions come in time order, so both bounds evict from the front: O(1) per
 * prediction, no timers.
 *
 * Two queues share the bounds, evicted oldest first across both by insertion order. The ids the process makes
 * up, `<prefix>-<sequence>` (base 36, the prefix random per process), are the hot path: their predictions sit in
 * typed arrays indexed by the sequence (prediction-ring.ts), so a lookup needs no map and a generated id the store
 * no longer holds is told apart as expired (below the oldest sequence held) from one it never gave (unknown).
 * A client's own id goes into a Map beside a queue of entries (not by iterating the Map: V8 walks the deleted
 * entries at its front on every new iterator, until it rehashes); once evicted it is unknown.
 */
import { randomBytes } from 'node:crypto';
import { PredictionRing } from './prediction-ring.js';

/** One prediction's scored values, one per row: numbers (regression, numeric classes) or strings (classes). */
export type PredictedValues = Float64Array | Array<number | string>;

/** What a store takes: one value per row, copied (a tensor's data as it is, or an array). */
export type RowValues = ArrayLike<number | bigint | string>;

export interface StoredPrediction {
  values: PredictedValues;
  /** When it was stored (ms, the store's clock). */
  at: number;
  /** Set once a label was scored against it: a second label for the same id is a duplicate, not scored again. */
  labelled: boolean;
}

/** A prediction under a client's own id. */
interface ClientEntry extends StoredPrediction {
  id: string;
  /** Insertion order across both queues. */
  order: number;
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

export type Lookup = { kind: 'found'; prediction: StoredPrediction; markLabelled(): void } | { kind: 'unknown' } | { kind: 'expired' };

/** A copy of one value per row: numbers as a Float64Array, with a string among them as an array. */
function copyRows(values: RowValues): PredictedValues {
  const n = values.length;
  if (typeof values[0] !== 'string') {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = Number(values[i]);
    return out;
  }
  const out = new Array<number | string>(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    out[i] = typeof v === 'string' ? v : Number(v);
  }
  return out;
}

export class PredictionStore {
  private readonly generated: PredictionRing;
  private readonly clients = new Map<string, ClientEntry>();
  /** Client entries in insertion order; an entry replaced since is skipped. Read from `head`, compacted now and then. */
  private queue: ClientEntry[] = [];
  private head = 0;
  private clientRows = 0;
  private inserted = 0;
  readonly prefix: string;
  /** `<prefix>-`, the start of every generated id. */
  private readonly idStart: string;

  constructor(
    readonly limits: PredictionStoreLimits,
    /** ms clock; monotonic in practice (performance.now), so insertion order is time order. */
    private readonly now: () => number,
    prefix: string = randomBytes(4).toString('hex'),
  ) {
    this.prefix = prefix;
    this.idStart = `${prefix}-`;
    this.generated = new PredictionRing(Math.max(1, limits.maxRows));
  }

  get enabled(): boolean {
    return this.limits.maxRows > 0;
  }

  /** Rows held now. */
  get rows(): number {
    return this.generated.rows + this.clientRows;
  }

  /** Predictions held now. */
  get size(): number {
    return this.generated.size + this.clients.size;
  }

  /** Keeps a prediction under a new id of this process, and returns the id (undefined when it is not kept, as put says). */
  putNew(values: RowValues): string | undefined {
    if (!this.keeps(values)) return undefined;
    const at = this.now();
    this.evict(at, values.length);
    return this.idStart + this.generated.push(values, at, this.inserted++).toString(36);
  }

  /**
   * Keeps a prediction under a client's `id` (given again, it replaces its earlier prediction). A prediction with
   * more rows than the whole store, or no rows, or an id longer than MAX_ID_LENGTH is not kept.
   */
  put(id: string, values: RowValues): void {
    if (!this.keeps(values) || id.length > MAX_ID_LENGTH) return;
    const earlier = this.clients.get(id);
    if (earlier) {
      this.clients.delete(id);
      this.clientRows -= earlier.values.length;
    }
    const at = this.now();
    this.evict(at, values.length);
    const entry: ClientEntry = { id, values: copyRows(values), at, labelled: false, order: this.inserted++ };
    this.clients.set(id, entry);
    this.queue.push(entry);
    this.clientRows += values.length;
  }

  private keeps(values: RowValues): boolean {
    return this.enabled && values.length > 0 && values.length <= this.limits.maxRows;
  }

  /** The prediction of `id`, or why there is none. */
  get(id: string): Lookup {
    this.evict(this.now(), 0);
    const entry = this.clients.get(id);
    if (entry) return { kind: 'found', prediction: entry, markLabelled: () => (entry.labelled = true) };
    const sequence = this.sequenceOf(id);
    if (sequence === undefined) return { kind: 'unknown' };
    const found = this.generated.find(sequence);
    if (typeof found === 'string') return { kind: found };
    return { kind: 'found', prediction: found, markLabelled: () => this.generated.markLabelled(sequence) };
  }

  /** Evicts the oldest predictions of both queues: older than maxAgeMs, then until `adding` more rows fit. */
  private evict(now: number, adding: number): void {
    const oldest = now - this.limits.maxAgeMs;
    const room = this.limits.maxRows - adding;
    for (;;) {
      const client = this.clientHead();
      const ringFirst = this.generated.headOrder < (client?.order ?? Infinity);
      if (!ringFirst && !client) return;
      const at = ringFirst ? this.generated.headAt : client!.at;
      if (at >= oldest && this.rows <= room) return;
      if (ringFirst) this.generated.evictHead();
      else {
        // clientHead skips it from now on
        this.clients.delete(client!.id);
        this.clientRows -= client!.values.length;
      }
    }
  }

  /** The oldest client entry still held (replaced ones skipped and let go), compacting the queue now and then. */
  private clientHead(): ClientEntry | undefined {
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head]!;
      if (this.clients.get(entry.id) === entry) break;
      this.queue[this.head] = undefined!; // let it be collected before the next compaction
      this.head++;
    }
    // Compacted when half of it is read, or mostly replaced entries (a client that reuses its ids).
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    } else if (this.queue.length - this.head > 2 * this.clients.size + 1024) {
      this.queue = this.queue.slice(this.head).filter((e) => this.clients.get(e.id) === e);
      this.head = 0;
    }
    return this.queue[this.head];
  }

  /** The sequence of an id this process generated, else undefined. */
  private sequenceOf(id: string): number | undefined {
    if (id.length <= this.idStart.length || !id.startsWith(this.idStart)) return undefined;
    const digits = id.slice(this.idStart.length);
    if (!/^[0-9a-z]{1,11}$/.test(digits)) return undefined;
    return Number.parseInt(digits, 36);
  }
}

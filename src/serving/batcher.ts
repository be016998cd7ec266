/**
 * Dynamic batching (Triton's dynamic_batcher semantics). Requests wait in one queue; whenever the executor has a
 * free slot, the head of the queue and the queued requests compatible with it (same trailing dimensions) are
 * concatenated along the first dimension, up to maxBatchSize rows, run once, and the outputs are sliced back
 * per request. maxDelayMs 0 (the default) never waits: a request runs at once when the executor has a free slot,
 * and the requests that arrive while it is busy are merged into the next run. A batch that fails is retried
 * request by request, so one bad request cannot fail the others.
 *
 * An executor that runs synchronously (inline, on the main thread) is never busy when a request arrives, so
 * "at once" would run every request alone: the requests that one pass of the event loop reads from its sockets
 * arrive one by one. For such an executor the batcher runs in the loop's check phase (setImmediate), right after
 * the sockets were read: every request read in that pass is in the queue and they merge. It then runs batches
 * back to back for up to INLINE_SLICE_MS, and leaves the rest for the next pass, so the sockets (and health
 * probes) wait one slice at most and a request of many batches does not wait a loop pass per batch.
 *
 * When nothing merges (LONE_SLICES slices in a row ran one request each: a client at a time), the wait for the
 * check phase buys nothing and costs every request a loop phase (1.5-3% of a 1-row request's CPU, measured A/B in
 * bench:serve's c=1 set-up). The batcher then runs a lone request at once, as it arrives, and still
 * sends every PROBE_EVERY-th through the check phase: if others arrived in the same pass they queue behind it,
 * merge, and the batcher is back to waiting for the check phase. Such a request runs in inferNow(), which returns
 * its outputs without a promise; infer() always queues.
 */
import { allocData, type TensorData, type TensorMap } from './datatypes.js';
import { HttpError } from './errors.js';
import { INLINE_SLICE_MS, type Executor } from './executor.js';

export interface BatcherOptions {
  /** Most rows in one run; 1 disables merging. */
  maxBatchSize: number;
  /** Longest a request waits for others before its batch runs (0: never wait). */
  maxDelayMs: number;
  /** Most requests waiting; beyond it requests are refused with 503. */
  maxQueue: number;
  /** Whether the model's outputs scale with the first dimension (checked when the model loaded). */
  batchable: boolean;
  /** Input names in signature order (the merge key follows it). */
  inputNames: readonly string[];
  /** Called with the rows of every run (cairn_inference_batch_size). */
  onBatch?(rows: number): void;
  /** Milliseconds clock (injected for tests). */
  now?(): number;
}

export interface BatchRequest {
  feeds: TensorMap;
  /** Rows along the first dimension, or -1 when the request cannot merge. */
  rows: number;
  /**
   * True once nobody waits for the answer (the client closed its connection): the request is dropped when its
   * turn comes instead of running, so under overload the model's time goes to answers someone reads.
   */
  abandoned?(): boolean;
}

const NOBODY = () => false;

/** Slices in a row that ran a single request before lone requests run at once (synchronous executors). */
export const LONE_SLICES = 8;
/** While lone requests run at once, one in this many goes through the check phase to see whether others merge. */
export const PROBE_EVERY = 16;

function abandonedError(): HttpError {
  return new HttpError(499, 'the client closed the connection before its answer; the request was not run');
}

/** One request's items in the queue (several when it runs in chunks): maxQueue counts requests, not chunks. */
class Waiting {
  items = 0;
}

/** A queued request (a class: one hidden class for every item, no spread of the request). */
class Item implements BatchRequest {
  constructor(
    readonly feeds: TensorMap,
    readonly rows: number,
    readonly key: string | null,
    readonly enqueuedAt: number,
    readonly resolve: (outputs: TensorMap) => void,
    readonly reject: (err: Error) => void,
    readonly waiting: Waiting,
    readonly abandoned: () => boolean,
  ) {}
}

/** `dims` without the first dimension, as an array (no spread of a sliced copy). */
function withRows(rows: number, dims: readonly number[]): number[] {
  const out = new Array<number>(dims.length);
  out[0] = rows;
  for (let i = 1; i < dims.length; i++) out[i] = dims[i]!;
  return out;
}

/** The dimensions after the first, joined: `[n, 3, 4]` -> "3x4" (the merge key of one input). */
function trailingKey(dims: readonly number[]): string {
  if (dims.length === 2) return String(dims[1]);
  let key = '';
  for (let i = 1; i < dims.length; i++) key += i === 1 ? String(dims[i]) : `x${dims[i]}`;
  return key;
}

/** Concatenates tensors of the same type along the first dimension. */
export function concatRows(parts: readonly TensorMap[], names: readonly string[]): TensorMap {
  const out: TensorMap = {};
  for (const name of names) {
    const first = parts[0]![name]!;
    let rows = 0;
    let length = 0;
    for (const p of parts) {
      rows += p[name]!.dims[0]!;
      length += p[name]!.data.length;
    }
    const data = allocData(first.type, length);
    let offset = 0;
    for (const p of parts) {
      const src = p[name]!.data;
      if (Array.isArray(data)) for (let i = 0; i < src.length; i++) data[offset + i] = (src as string[])[i]!;
      else (data as Float32Array).set(src as Float32Array, offset);
      offset += src.length;
    }
    out[name] = { type: first.type, dims: withRows(rows, first.dims), data };
  }
  return out;
}

/** Slices the rows `start..start+rows` out of every tensor (the outputs of a merged run, the feeds of a chunk). */
export function sliceRows(outputs: TensorMap, totalRows: number, start: number, rows: number): TensorMap {
  const out: TensorMap = {};
  for (const name in outputs) {
    const value = outputs[name]!;
    if (value.dims[0] !== totalRows) throw new Error(`output "${name}" has ${value.dims[0]} rows for a batch of ${totalRows}`);
    const rowSize = totalRows === 0 ? 0 : value.data.length / totalRows;
    const from = start * rowSize;
    const to = from + rows * rowSize;
    const data: TensorData = Array.isArray(value.data) ? value.data.slice(from, to) : (value.data as Float32Array).subarray(from, to);
    out[name] = { type: value.type, dims: withRows(rows, value.dims), data };
  }
  return out;
}

export class Batcher {
  private readonly queue: Item[] = [];
  /** Requests with at least one item in the queue. */
  private waitingRequests = 0;
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  /** A slice of synchronous runs is scheduled (setImmediate). */
  private sliceScheduled = false;
  /** Slices in a row that ran a single request; at LONE_SLICES lone requests run at once. */
  private loneSlices = 0;
  /** Requests run at once since the last one sent through the check phase (see PROBE_EVERY). */
  private sinceProbe = 0;
  private readonly now: () => number;

  constructor(
    private readonly executor: Executor,
    private readonly options: BatcherOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Requests waiting for a run. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Queues a request, or refuses it with 503 when maxQueue requests wait. A request that runs in chunks counts
   * once: its chunks are never refused (a request that fits the limits must be servable on an idle server).
   */
  infer(request: BatchRequest): Promise<TensorMap> {
    if (this.waitingRequests >= this.options.maxQueue) {
      return Promise.reject(new HttpError(503, `the inference queue is full (${this.options.maxQueue} requests waiting); retry later`, { retryAfterS: 1 }));
    }
    if (this.inChunks(request)) return this.inferInChunks(request);
    return this.enqueue(request, new Waiting());
  }

  /**
   * The outputs of a request that runs at once (see the header), returned as it runs: no promise, no microtask
   * turn. Undefined when it is to wait for a run: then infer() queues it. Throws what the run throws.
   */
  inferNow(request: BatchRequest): TensorMap | undefined {
    if (!this.runsAtOnce(request)) return undefined;
    if (request.abandoned?.()) throw abandonedError();
    this.options.onBatch?.(Math.max(request.rows, 1));
    return this.executor.runSync!(request.feeds);
  }

  private inChunks(request: BatchRequest): boolean {
    return this.options.batchable && this.options.maxBatchSize > 1 && request.rows > this.options.maxBatchSize;
  }

  /**
   * Whether a request that arrives now runs at once: a synchronous executor, no delay asked for, nothing queued
   * or scheduled, the last LONE_SLICES slices alone, not a request in chunks, and not the probe's turn.
   */
  private runsAtOnce(request: BatchRequest): boolean {
    if (this.loneSlices < LONE_SLICES || this.queue.length > 0 || this.sliceScheduled || !this.executor.runSync || this.options.maxDelayMs > 0) {
      return false;
    }
    if (this.inChunks(request)) return false;
    if (++this.sinceProbe < PROBE_EVERY) return true;
    this.sinceProbe = 0;
    return false;
  }

  private enqueue(request: BatchRequest, waiting: Waiting): Promise<TensorMap> {
    return new Promise((resolve, reject) => {
      this.push(new Item(request.feeds, request.rows, this.keyOf(request), this.now(), resolve, reject, waiting, request.abandoned ?? NOBODY));
      this.schedule();
    });
  }

  /**
   * A request with more rows than a batch runs as batches of maxBatchSize rows, and the outputs are joined
   * back: no run is larger than the size the model was measured at (auto mode's inline-or-worker choice), and
   * between runs the event loop answers other requests and health probes.
   */
  private async inferInChunks(request: BatchRequest): Promise<TensorMap> {
    const max = this.options.maxBatchSize;
    const parts: Promise<TensorMap>[] = [];
    const waiting = new Waiting();
    for (let start = 0; start < request.rows; start += max) {
      const rows = Math.min(max, request.rows - start);
      const chunk: BatchRequest = { feeds: sliceRows(request.feeds, request.rows, start, rows), rows };
      if (request.abandoned) chunk.abandoned = request.abandoned;
      parts.push(this.enqueue(chunk, waiting));
    }
    const outputs = await Promise.all(parts);
    return concatRows(outputs, Object.keys(outputs[0]!));
  }

  /** Requests merge only with requests whose inputs have the same dimensions after the first. */
  private keyOf(request: BatchRequest): string | null {
    if (!this.options.batchable || this.options.maxBatchSize <= 1 || request.rows < 1 || request.rows >= this.options.maxBatchSize) {
      return null;
    }
    const names = this.options.inputNames;
    if (names.length === 1) return trailingKey(request.feeds[names[0]!]!.dims);
    let key = '';
    for (let i = 0; i < names.length; i++) key += (i === 0 ? '' : '|') + trailingKey(request.feeds[names[i]!]!.dims);
    return key;
  }

  private schedule(): void {
    if (this.queue.length === 0) return;
    if (this.executor.runSync) return this.scheduleSlice();
    if (this.inFlight >= this.executor.concurrency) return;
    const wait = this.options.maxDelayMs > 0 ? this.waitFor() : 0;
    if (wait <= 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, wait);
    }
  }

  /** A synchronous executor: the next slice after the loop read its sockets, or once maxDelayMs passed. */
  private scheduleSlice(): void {
    if (this.sliceScheduled) return;
    const wait = this.options.maxDelayMs > 0 ? this.waitFor() : 0;
    if (wait <= 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      this.sliceScheduled = true;
      setImmediate(this.runSlice);
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.scheduleSlice();
      }, wait);
    }
  }

  private readonly runSlice = (): void => {
    this.sliceScheduled = false;
    const runSync = this.executor.runSync!.bind(this.executor);
    const start = this.now();
    this.loneSlices = this.queue.length === 1 ? this.loneSlices + 1 : 0;
    while (this.queue.length > 0 && this.now() - start <= INLINE_SLICE_MS) {
      if (this.options.maxDelayMs > 0 && this.waitFor() > 0) break;
      const batch = this.take();
      if (batch.length === 0) continue;
      const { feeds, total } = this.prepare(batch);
      let outputs: TensorMap;
      try {
        outputs = runSync(feeds);
      } catch (err) {
        this.failed(batch, err as Error);
        continue;
      }
      this.settle(batch, total, outputs);
    }
    this.schedule();
  };

  /** Milliseconds the head of the queue may still wait for companions (0 once its batch is full). */
  private waitFor(): number {
    const head = this.queue[0]!;
    if (head.key === null) return 0;
    let rows = 0;
    for (const item of this.queue) if (item.key === head.key) rows += item.rows;
    if (rows >= this.options.maxBatchSize) return 0;
    return head.enqueuedAt + this.options.maxDelayMs - this.now();
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.executor.concurrency) {
      if (this.options.maxDelayMs > 0 && this.waitFor() > 0) break;
      const batch = this.take();
      if (batch.length > 0) this.dispatch(batch);
    }
    if (this.queue.length > 0 && this.inFlight < this.executor.concurrency && !this.timer) this.schedule();
  }

  private push(item: Item): void {
    if (item.waiting.items++ === 0) this.waitingRequests++;
    this.queue.push(item);
  }

  /** Counts an item out of the queue. */
  private left(item: Item): void {
    if (--item.waiting.items === 0) this.waitingRequests--;
  }

  /** The head of the queue plus the compatible requests behind it, up to maxBatchSize rows. */
  private take(): Item[] {
    const batch = this.takeItems();
    let kept = 0;
    for (const item of batch) {
      this.left(item);
      if (item.abandoned()) item.reject(abandonedError());
      else batch[kept++] = item;
    }
    batch.length = kept;
    return batch;
  }

  private takeItems(): Item[] {
    const head = this.queue.shift()!;
    if (head.key === null) return [head];
    const batch = [head];
    const max = this.options.maxBatchSize;
    const queue = this.queue;
    let rows = head.rows;
    // One pass: the items taken leave the queue, the others keep their order (no splice per item).
    let kept = 0;
    let i = 0;
    for (; i < queue.length && rows < max; i++) {
      const item = queue[i]!;
      if (item.key === head.key && rows + item.rows <= max) {
        batch.push(item);
        rows += item.rows;
      } else queue[kept++] = item;
    }
    if (kept !== i) {
      for (; i < queue.length; i++) queue[kept++] = queue[i]!;
      queue.length = kept;
    }
    return batch;
  }

  /** Isolates a failed batch: each of its requests runs again on its own, ahead of newer requests. */
  private retryAlone(batch: Item[]): void {
    const alone = batch.map((item) => new Item(item.feeds, item.rows, null, item.enqueuedAt, item.resolve, item.reject, item.waiting, item.abandoned));
    for (const item of alone) if (item.waiting.items++ === 0) this.waitingRequests++;
    this.queue.unshift(...alone);
  }

  /** The merged feeds of a batch and its rows; counts the run. */
  private prepare(batch: Item[]): { feeds: TensorMap; total: number } {
    const total = batch.reduce((n, item) => n + Math.max(item.rows, 1), 0);
    this.options.onBatch?.(batch.length === 1 && batch[0]!.rows < 0 ? 1 : total);
    const feeds = batch.length === 1 ? batch[0]!.feeds : concatRows(batch.map((item) => item.feeds), this.options.inputNames);
    return { feeds, total };
  }

  /** Hands each request of a run its rows of the outputs (a batch whose outputs do not split runs again alone). */
  private settle(batch: Item[], total: number, outputs: TensorMap): void {
    if (batch.length === 1) {
      batch[0]!.resolve(outputs);
      return;
    }
    let slices: TensorMap[];
    try {
      let start = 0;
      slices = batch.map((item) => {
        const slice = sliceRows(outputs, total, start, item.rows);
        start += item.rows;
        return slice;
      });
    } catch {
      this.retryAlone(batch);
      return;
    }
    batch.forEach((item, i) => item.resolve(slices[i]!));
  }

  /** A failed run: a request alone gets the error; a merged batch runs again request by request. */
  private failed(batch: Item[], err: Error): void {
    if (batch.length === 1) batch[0]!.reject(err);
    else this.retryAlone(batch);
  }

  private dispatch(batch: Item[]): void {
    this.inFlight++;
    const { feeds, total } = this.prepare(batch);
    this.executor
      .run(feeds)
      .then(
        (outputs) => this.settle(batch, total, outputs),
        (err: Error) => this.failed(batch, err),
      )
      .catch((err: Error) => {
        for (const item of batch) item.reject(err);
      })
      .finally(() => {
        this.inFlight--;
        this.schedule();
      });
  }
}

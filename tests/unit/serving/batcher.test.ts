/**
 * The batcher against a fake executor whose runs the test completes by hand: merging, limits, keys, failure
 * isolation, queue bound, and maxDelayMs (with fake timers, no real waiting).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Batcher, concatRows, sliceRows, type BatcherOptions } from '../../../src/serving/batcher.js';
import type { TensorMap } from '../../../src/serving/datatypes.js';
import { HttpError } from '../../../src/serving/errors.js';
import type { Executor } from '../../../src/serving/executor.js';

interface Run {
  feeds: TensorMap;
  resolve(outputs: TensorMap): void;
  reject(err: Error): void;
}

/** An executor that doubles its input when told to finish a run. */
class FakeExecutor implements Executor {
  readonly kind = 'inline';
  readonly runs: Run[] = [];
  constructor(readonly concurrency = 1) {}
  run(feeds: TensorMap): Promise<TensorMap> {
    return new Promise((resolve, reject) => this.runs.push({ feeds, resolve, reject }));
  }
  /** Completes run i with y = 2x, or fails it if any input is negative. */
  finish(i: number): void {
    const run = this.runs[i]!;
    const x = run.feeds.x!;
    const data = Float32Array.from(x.data as Float32Array, (v) => 2 * v);
    if ((x.data as Float32Array).some((v) => v < 0)) run.reject(new Error('negative input'));
    else run.resolve({ y: { type: 'float32', dims: [...x.dims], data } });
  }
  async close(): Promise<void> {}
}

const request = (values: number[][]): { feeds: TensorMap; rows: number } => ({
  feeds: { x: { type: 'float32', dims: [values.length, values[0]!.length], data: Float32Array.from(values.flat()) } },
  rows: values.length,
});

const options = (patch: Partial<BatcherOptions> = {}): BatcherOptions => ({
  maxBatchSize: 8,
  maxDelayMs: 0,
  maxQueue: 100,
  batchable: true,
  inputNames: ['x'],
  ...patch,
});

/** Lets setImmediate callbacks (the batcher's flush) run. */
const tick = () => new Promise((r) => setImmediate(r));
/** Lets a finished run settle and the next flush happen. */
const settle = async () => {
  for (let i = 0; i < 4; i++) await tick();
};

const values = (outputs: TensorMap) => Array.from(outputs.y!.data as Float32Array);

/** Occupies the executor with run 0, so that the requests that follow queue up together. */
async function busy(executor: FakeExecutor, batcher: Batcher): Promise<() => Promise<void>> {
  const blocker = batcher.infer(request([[0, 0]]));
  expect(executor.runs).toHaveLength(1);
  return async () => {
    executor.finish(0);
    await blocker;
    await settle();
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Batcher', () => {
  it('merges what queued while the executor was busy and splits the outputs back', async () => {
    const executor = new FakeExecutor();
    const batches: number[] = [];
    const batcher = new Batcher(executor, options({ onBatch: (rows) => batches.push(rows) }));
    const a = batcher.infer(request([[1, 1]]));
    await tick();
    expect(executor.runs).toHaveLength(1);
    const b = batcher.infer(request([[2, 2], [3, 3]]));
    const c = batcher.infer(request([[4, 4]]));
    await tick();
    expect(executor.runs).toHaveLength(1); // busy: b and c wait
    executor.finish(0);
    expect(values(await a)).toEqual([2, 2]);
    await settle();
    expect(executor.runs).toHaveLength(2);
    expect(executor.runs[1]!.feeds.x!.dims).toEqual([3, 2]);
    executor.finish(1);
    const [rb, rc] = await Promise.all([b, c]);
    expect(rb.y!.dims).toEqual([2, 2]);
    expect(values(rb)).toEqual([4, 4, 6, 6]);
    expect(values(rc)).toEqual([8, 8]);
    expect(batches).toEqual([1, 3]);
  });

  it('runs a request at once when the executor is free (maxDelayMs 0), merging those that arrive meanwhile', async () => {
    const executor = new FakeExecutor();
    const batcher = new Batcher(executor, options());
    const replies = [1, 2, 3].map((v) => batcher.infer(request([[v, v]])));
    expect(executor.runs.map((r) => r.feeds.x!.dims[0])).toEqual([1]); // synchronously, no event-loop hop
    executor.finish(0);
    await settle();
    expect(executor.runs.map((r) => r.feeds.x!.dims[0])).toEqual([1, 2]);
    executor.finish(1);
    expect((await Promise.all(replies)).map(values)).toEqual([[2, 2], [4, 4], [6, 6]]);
  });

  it('caps a run at maxBatchSize rows and keeps the order of the queue', async () => {
    const executor = new FakeExecutor();
    const batcher = new Batcher(executor, options({ maxBatchSize: 4 }));
    const release = await busy(executor, batcher);
    const replies = [3, 2, 1, 2].map((n, i) => batcher.infer(request(Array.from({ length: n }, () => [i, i]))));
    await release();
    expect(executor.runs.map((r) => r.feeds.x!.dims[0])).toEqual([1, 4]); // 3 + 1 (the 2 does not fit)
    executor.finish(1);
    await settle();
    expect(executor.runs.map((r) => r.feeds.x!.dims[0])).toEqual([1, 4, 4]); // 2 + 2
    executor.finish(2);
    expect((await Promise.all(replies)).map((o) => o.y!.dims[0])).toEqual([3, 2, 1, 2]);
  });

  it('never merges requests with different trailing dimensions, nor a request of maxBatchSize rows or more', async () => {
    const executor = new FakeExecutor();
    const batcher = new Batcher(executor, options({ maxBatchSize: 3 }));
    const release = await busy(executor, batcher);
    const narrow = batcher.infer(request([[1, 1]]));
    const wide = batcher.infer(request([[1, 1, 1]]));
    const big = batcher.infer(request([[1, 1], [1, 1], [1, 1]]));
    const narrow2 = batcher.infer(request([[2, 2]]));
    await release();
    for (let i = 1; i <= 3; i++) {
      executor.finish(i);
      await settle();
    }
    await Promise.all([narrow, wide, big, narrow2]);
    expect(executor.runs.slice(1).map((r) => r.feeds.x!.dims)).toEqual([[2, 2], [1, 3], [3, 2]]);
  });

  it('runs a request of more than maxBatchSize rows as full batches and joins the outputs in order', async () => {
    const executor = new FakeExecutor();
    const batcher = new Batcher(executor, options({ maxBatchSize: 4 }));
    const rows = Array.from({ length: 10 }, (_, i) => [i, i + 0.5]);
    const reply = batcher.infer(request(rows));
    for (let i = 0; i < 3; i++) {
      await settle();
      executor.finish(i);
    }
    const outputs = await reply;
    expect(executor.runs.map((r) => r.feeds.x!.dims)).toEqual([[4, 2], [4, 2], [2, 2]]);
    expect(outputs.y!.dims).toEqual([10, 2]);
    expect(values(outputs)).toEqual(rows.flat().map((v) => 2 * v));
  });

  it('does not merge when the model is not batchable', async () => {
    const executor = new FakeExecutor();
    const batcher = new Batcher(executor, options({ batchable: false }));
    const replies = [batcher.infer(request([[1, 1]])), batcher.infer(request([[2, 2]]))];
    await tick();
    executor.finish(0);
    await settle();
    executor.finish(1);
    await Promise.all(replies);
    expect(executor.runs.map((r) => r.feeds.x!.dims[0])).toEqual([1, 1]);
  });

  it('isolates a failing request: the batch is retried request by request, only the bad one fails', async () => {
    const executor = new FakeExecutor();
    const batcher = new Batcher(executor, options());
    const release = await busy(executor, batcher);
    const good1 = batcher.infer(request([[1, 1]]));
    const bad = batcher.infer(request([[-1, 5]])).catch((err: Error) => err);
    const good2 = batcher.infer(request([[3, 3]]));
    await release();
    executor.finish(1); // the merged run fails
    for (let i = 2; i <= 4; i++) {
      await settle();
      executor.finish(i);
    }
    expect(values(await good1)).toEqual([2, 2]);
    expect(await bad).toEqual(new Error('negative input'));
    expect(values(await good2)).toEqual([6, 6]);
    expect(executor.runs.map((r) => r.feeds.x!.dims[0])).toEqual([1, 3, 1, 1, 1]);
  });

  it('refuses requests beyond maxQueue with 503, and accepts again once the queue drains', async () => {
    const executor = new FakeExecutor();
    const batcher = new Batcher(executor, options({ maxQueue: 2, batchable: false }));
    const a = batcher.infer(request([[1, 1]]));
    await tick(); // a runs
    const b = batcher.infer(request([[2, 2]]));
    const c = batcher.infer(request([[3, 3]]));
    const refused = batcher.infer(request([[4, 4]]));
    await expect(refused).rejects.toEqual(new HttpError(503, 'the inference queue is full (2 requests waiting); retry later', { retryAfterS: 1 }));
    for (let i = 0; i < 3; i++) {
      executor.finish(i);
      await settle();
    }
    await Promise.all([a, b, c]);
    const d = batcher.infer(request([[5, 5]]));
    await tick();
    executor.finish(3);
    expect(values(await d)).toEqual([10, 10]);
  });

  it('counts a request that runs in chunks once against maxQueue, however many chunks wait', async () => {
    const executor = new FakeExecutor();
    const batcher = new Batcher(executor, options({ maxQueue: 2, maxBatchSize: 2 }));
    const release = await busy(executor, batcher);
    // 10 rows: 5 chunks of 2 rows waiting, one request.
    const big = batcher.infer(request(Array.from({ length: 10 }, (_, i) => [i, i])));
    const small = batcher.infer(request([[7, 7]]));
    await expect(batcher.infer(request([[8, 8]]))).rejects.toEqual(new HttpError(503, 'the inference queue is full (2 requests waiting); retry later', { retryAfterS: 1 }));
    await release();
    let finished = 1;
    const finishAll = async () => {
      while (finished < executor.runs.length) {
        executor.finish(finished++);
        await settle();
      }
    };
    await finishAll();
    expect(values(await big)).toEqual(Array.from({ length: 10 }, (_, i) => [2 * i, 2 * i]).flat());
    expect(values(await small)).toEqual([14, 14]);
    // Once every chunk ran, the request no longer counts: another one is admitted.
    const after = batcher.infer(request([[9, 9]]));
    await settle();
    await finishAll();
    expect(values(await after)).toEqual([18, 18]);
  });

  it('drops a request whose client left while it waited (499), and runs the others of its batch', async () => {
    const executor = new FakeExecutor();
    const batcher = new Batcher(executor, options());
    const release = await busy(executor, batcher);
    let gone = false;
    const kept = batcher.infer(request([[1, 1]]));
    const left = batcher.infer({ ...request([[2, 2]]), abandoned: () => gone });
    const chunked = batcher.infer({ ...request(Array.from({ length: 20 }, () => [3, 3])), abandoned: () => gone });
    // handlers attached before the release: the rejections arrive while it is awaited
    const leftRejected = expect(left).rejects.toEqual(new HttpError(499, 'the client closed the connection before its answer; the request was not run'));
    const chunkedRejected = expect(chunked).rejects.toMatchObject({ status: 499 });
    gone = true;
    await release();
    await leftRejected;
    await chunkedRejected;
    executor.finish(1);
    expect(values(await kept)).toEqual([2, 2]);
    // Only the blocker and the request still wanted ever ran.
    expect(executor.runs.map((r) => values({ y: r.feeds.x! }))).toEqual([[0, 0], [1, 1]]);
  });

  it('runs up to `concurrency` batches at once', async () => {
    const executor = new FakeExecutor(2);
    const batcher = new Batcher(executor, options({ batchable: false }));
    const replies = [1, 2, 3].map((v) => batcher.infer(request([[v, v]])));
    await tick();
    expect(executor.runs).toHaveLength(2);
    executor.finish(1);
    await settle();
    expect(executor.runs).toHaveLength(3);
    executor.finish(0);
    executor.finish(2);
    await Promise.all(replies);
  });

  it('with maxDelayMs, waits for companions until the delay passes or the batch is full', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const executor = new FakeExecutor();
    const batcher = new Batcher(executor, options({ maxDelayMs: 5, maxBatchSize: 3 }));
    const a = batcher.infer(request([[1, 1]]));
    await vi.advanceTimersByTimeAsync(4);
    expect(executor.runs).toHaveLength(0);
    const b = batcher.infer(request([[2, 2]]));
    await vi.advanceTimersByTimeAsync(1);
    await tick();
    expect(executor.runs.map((r) => r.feeds.x!.dims[0])).toEqual([2]);
    executor.finish(0);
    await Promise.all([a, b]);
    // a full batch does not wait
    const full = [1, 2, 3].map((v) => batcher.infer(request([[v, v]])));
    await tick();
    await tick();
    expect(executor.runs.map((r) => r.feeds.x!.dims[0])).toEqual([2, 3]);
    executor.finish(1);
    await Promise.all(full);
  });
});

describe('concatRows and sliceRows', () => {
  it('concatenate typed and string tensors along the first dimension and slice them back', () => {
    const parts: TensorMap[] = [
      { n: { type: 'int64', dims: [1, 2], data: BigInt64Array.from([1n, 2n]) }, s: { type: 'string', dims: [1], data: ['a'] } },
      { n: { type: 'int64', dims: [2, 2], data: BigInt64Array.from([3n, 4n, 5n, 6n]) }, s: { type: 'string', dims: [2], data: ['b', 'c'] } },
    ];
    const merged = concatRows(parts, ['n', 's']);
    expect(merged.n).toEqual({ type: 'int64', dims: [3, 2], data: BigInt64Array.from([1n, 2n, 3n, 4n, 5n, 6n]) });
    expect(merged.s).toEqual({ type: 'string', dims: [3], data: ['a', 'b', 'c'] });
    const second = sliceRows(merged, 3, 1, 2);
    expect(Array.from(second.n!.data as BigInt64Array)).toEqual([3n, 4n, 5n, 6n]);
    expect(second.s).toEqual({ type: 'string', dims: [2], data: ['b', 'c'] });
    expect(() => sliceRows({ t: { type: 'float32', dims: [1], data: new Float32Array(1) } }, 3, 0, 1)).toThrow('output "t" has 1 rows for a batch of 3');
  });
});

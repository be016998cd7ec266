/**
 * Inline execution (executor.ts, batcher.ts): the inline executor runs synchronously, and the batcher runs its
 * batches in the loop's check phase, so that every request read in one pass of the loop merges, back to back
 * while a slice lasts, then leaves the rest for the next pass (the sockets are served in between). A fake clock
 * and a session that records its runs; a setImmediate callback tells whether a loop pass went by. When nothing
 * merges, a lone request runs at once, as it arrives (one in PROBE_EVERY still through the check phase).
 */
import { describe, expect, it, vi } from 'vitest';
import { Batcher, LONE_SLICES, PROBE_EVERY, type BatcherOptions } from '../../../src/serving/batcher.js';
import type { TensorMap } from '../../../src/serving/datatypes.js';
import { INLINE_SLICE_MS, InlineExecutor } from '../../../src/serving/executor.js';
import type { SyncSession } from '../../../src/serving/ort-session.js';

const row = (v: number): TensorMap => ({ x: { type: 'float32', dims: [1, 1], data: Float32Array.from([v]) } });

/** A session that doubles its input and records the rows of each run; `onRun` lets a test move the clock. */
function fakeSession(onRun: (rows: number) => void = () => undefined): SyncSession & { runs: number[] } {
  const session = {
    runs: [] as number[],
    run(input: TensorMap): TensorMap {
      const x = input.x!;
      session.runs.push(x.dims[0]!);
      onRun(x.dims[0]!);
      if ((x.data as Float32Array).some((v) => v < 0)) throw new Error('the model failed');
      return { y: { type: 'float32', dims: [...x.dims], data: Float32Array.from(x.data as Float32Array, (v) => 2 * v) } };
    },
    release(): void {},
  };
  return session as unknown as SyncSession & { runs: number[] };
}

const options = (patch: Partial<BatcherOptions> = {}): BatcherOptions => ({
  maxBatchSize: 4,
  maxDelayMs: 0,
  maxQueue: 100,
  batchable: true,
  inputNames: ['x'],
  ...patch,
});

const values = (outputs: TensorMap) => Array.from(outputs.y!.data as Float32Array);

describe('InlineExecutor', () => {
  it('runs synchronously; run() is the same as a promise, rejecting when the model throws', async () => {
    const executor = new InlineExecutor(fakeSession());
    expect(values(executor.runSync(row(2)))).toEqual([4]);
    expect(values(await executor.run(row(3)))).toEqual([6]);
    expect(() => executor.runSync(row(-1))).toThrow('the model failed');
    await expect(executor.run(row(-1))).rejects.toThrow('the model failed');
  });
});

describe('the batcher with an inline executor', () => {
  it('runs nothing while the loop reads its sockets, then merges every request read in that pass into one run', async () => {
    const session = fakeSession();
    const batcher = new Batcher(new InlineExecutor(session), options());
    const replies = [1, 2, 3].map((v) => batcher.infer({ feeds: row(v), rows: 1 }));
    expect(session.runs).toEqual([]); // not one run per request as they arrive
    expect((await Promise.all(replies)).map(values)).toEqual([[2], [4], [6]]);
    expect(session.runs).toEqual([3]);
  });

  it('runs batches back to back while the slice lasts, then yields a loop pass before the next', async () => {
    let now = 0;
    // Each run takes 1 ms of the fake clock: a slice holds INLINE_SLICE_MS + 1 runs (it ends once past the slice).
    const session = fakeSession(() => (now += 1));
    const batcher = new Batcher(new InlineExecutor(session), options({ maxBatchSize: 1, now: () => now }));
    const count = INLINE_SLICE_MS + 3;
    let passes = 0;
    const runsAtPass: number[] = [];
    const countPasses = () => {
      runsAtPass.push(session.runs.length);
      if (++passes < 10) setImmediate(countPasses);
    };
    const replies = Array.from({ length: count }, (_, i) => batcher.infer({ feeds: row(i), rows: 1 }));
    setImmediate(countPasses); // queued after the batcher's first slice
    expect((await Promise.all(replies)).map(values)).toEqual(Array.from({ length: count }, (_, i) => [2 * i]));
    // The first slice ran INLINE_SLICE_MS + 1 runs before the first pass mark, the rest only after it.
    expect(runsAtPass[0]).toBe(INLINE_SLICE_MS + 1);
    expect(session.runs).toHaveLength(count);
  });

  it('a merged run that fails runs again request by request: only the bad request fails', async () => {
    const session = fakeSession();
    const batcher = new Batcher(new InlineExecutor(session), options());
    const replies = [1, -1, 3].map((v) => batcher.infer({ feeds: row(v), rows: 1 }).then(values, (err: Error) => err.message));
    expect(await Promise.all(replies)).toEqual([[2], 'the model failed', [6]]);
    expect(session.runs).toEqual([3, 1, 1, 1]);
  });

  it('with maxDelayMs, a request waits for companions until its batch is full or the delay passed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let now = 0;
      const session = fakeSession();
      const batcher = new Batcher(new InlineExecutor(session), options({ maxBatchSize: 2, maxDelayMs: 60_000, now: () => now }));
      const first = batcher.infer({ feeds: row(1), rows: 1 });
      await new Promise((r) => setImmediate(r));
      expect(session.runs).toEqual([]);
      const second = batcher.infer({ feeds: row(2), rows: 1 }); // the batch is full: it runs without waiting
      expect([values(await first), values(await second)]).toEqual([[2], [4]]);
      expect(session.runs).toEqual([2]);
      const alone = batcher.infer({ feeds: row(3), rows: 1 });
      await new Promise((r) => setImmediate(r));
      expect(session.runs).toEqual([2]);
      now += 60_000;
      vi.advanceTimersByTime(60_000);
      expect(values(await alone)).toEqual([6]);
      expect(session.runs).toEqual([2, 1]);
    } finally {
      vi.useRealTimers();
    }
  });

  /** How the server asks: the outputs at once when the batcher runs the request as it arrives, else a queued run. */
  const ask = (batcher: Batcher, v: number) => {
    const request = { feeds: row(v), rows: 1 };
    const now = batcher.inferNow(request);
    return { atOnce: now !== undefined, reply: now ? Promise.resolve(now) : batcher.infer(request) };
  };

  /** Sends `count` lone requests, each after the previous answer and a loop pass; how many ran as they arrived. */
  async function lone(batcher: Batcher, count: number): Promise<number> {
    let atOnce = 0;
    for (let i = 0; i < count; i++) {
      const asked = ask(batcher, i);
      if (asked.atOnce) atOnce++;
      expect(values(await asked.reply)).toEqual([2 * i]);
      await new Promise((r) => setImmediate(r));
    }
    return atOnce;
  }

  it('runs a lone request at once after LONE_SLICES slices ran one request each; one in PROBE_EVERY still waits for the check phase', async () => {
    const session = fakeSession();
    const batcher = new Batcher(new InlineExecutor(session), options());
    expect(await lone(batcher, LONE_SLICES)).toBe(0);
    // From now on lone requests run at once, except every PROBE_EVERY-th.
    expect(await lone(batcher, 2 * PROBE_EVERY)).toBe(2 * PROBE_EVERY - 2);
    expect(session.runs.every((rows) => rows === 1)).toBe(true);
    // infer() itself always queues; a run at once throws what the model throws.
    session.runs.length = 0;
    const queued = batcher.infer({ feeds: row(1), rows: 1 });
    expect(session.runs).toEqual([]);
    expect(values(await queued)).toEqual([2]);
    await lone(batcher, LONE_SLICES);
    expect(() => batcher.inferNow({ feeds: row(-1), rows: 1 })).toThrow('the model failed');
  });

  it('a probe that finds other requests of its pass merges them and ends running at once', async () => {
    const session = fakeSession();
    const batcher = new Batcher(new InlineExecutor(session), options());
    await lone(batcher, LONE_SLICES + PROBE_EVERY - 1); // the next request is the probe
    session.runs.length = 0;
    const pass = [1, 2, 3].map((v) => ask(batcher, v));
    expect(pass.map((p) => p.atOnce)).toEqual([false, false, false]); // the probe queued, and the others of its pass behind it
    expect((await Promise.all(pass.map((p) => p.reply))).map(values)).toEqual([[2], [4], [6]]);
    expect(session.runs).toEqual([3]);
    // Merging again: the next lone request waits for the check phase.
    expect(await lone(batcher, 1)).toBe(0);
  });

  it('never runs at once a request in chunks (its batches run in slices) nor with maxDelayMs', async () => {
    const session = fakeSession();
    const batcher = new Batcher(new InlineExecutor(session), options());
    await lone(batcher, LONE_SLICES);
    session.runs.length = 0;
    const request = { feeds: { x: { type: 'float32' as const, dims: [10, 1], data: new Float32Array(10).fill(1) } }, rows: 10 };
    expect(batcher.inferNow(request)).toBeUndefined();
    const chunked = batcher.infer(request);
    expect(session.runs).toEqual([]);
    expect(values(await chunked)).toEqual(new Array(10).fill(2));
    expect(session.runs).toEqual([4, 4, 2]);

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let now = 0;
      const delayed = fakeSession();
      const waiting = new Batcher(new InlineExecutor(delayed), options({ maxBatchSize: 1, maxDelayMs: 5, now: () => now }));
      for (let i = 0; i < LONE_SLICES + 2; i++) {
        const asked = ask(waiting, i);
        expect(asked.atOnce).toBe(false);
        now += 5;
        vi.advanceTimersByTime(5);
        expect(values(await asked.reply)).toEqual([2 * i]);
      }
    } finally {
      vi.useRealTimers();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../support/index.js';
import { WorkQueue } from '../../../src/runtime/workqueue.js';

function queue(clock = new FakeClock()) {
  const seen = { depth: [] as number[], latency: [] as number[], adds: 0, retries: 0 };
  const q = new WorkQueue({
    clock,
    backoff: { baseMs: 100, maxMs: 1_000 },
    observer: {
      depth: (n) => seen.depth.push(n),
      latency: (s) => seen.latency.push(s),
      added: () => seen.adds++,
      retried: () => seen.retries++,
    },
  });
  return { q, clock, seen };
}

/** Resolves the value of `p` if it settled by now (after pending microtasks), else 'pending'. */
async function peek<T>(p: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);
}

describe('WorkQueue', () => {
  it('de-duplicates a key added many times before a worker takes it', async () => {
    const { q, seen } = queue();
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    expect(q.len()).toBe(2);
    expect(seen.adds).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
    expect(await peek(q.get())).toBe('pending');
  });

  it('never hands out a key that is being processed, and processes it again after done when re-added', async () => {
    const { q } = queue();
    q.add('ns/a');
    const first = await q.get();
    expect(first).toBe('ns/a');
    q.add('ns/a'); // a change arrives while ns/a is being reconciled
    q.add('ns/b');
    // A second worker gets ns/b, not a second copy of ns/a.
    expect(await q.get()).toBe('ns/b');
    const third = q.get();
    expect(await peek(third)).toBe('pending');
    q.done('ns/a');
    expect(await third).toBe('ns/a');
    expect(q.isProcessing('ns/a')).toBe(true);
  });

  it('does not process a key again after done when it was not re-added', async () => {
    const { q } = queue();
    q.add('ns/a');
    await q.get();
    q.done('ns/a');
    expect(q.len()).toBe(0);
    expect(await peek(q.get())).toBe('pending');
  });

  it('hands a key added later to a worker already waiting', async () => {
    const { q } = queue();
    const waiting = q.get();
    expect(await peek(waiting)).toBe('pending');
    q.add('ns/late');
    expect(await waiting).toBe('ns/late');
  });

  it('requeues after a delay on the injected clock, keeping the earliest time per key', async () => {
    const { q, clock } = queue();
    q.addAfter('ns/a', 5_000);
    q.addAfter('ns/a', 1_000);
    q.addAfter('ns/a', 3_000);
    expect(q.len()).toBe(0);
    clock.advance(999);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('ns/a');
    q.done('ns/a');
    clock.advance(10_000);
    expect(q.len()).toBe(0); // the later times were superseded, not queued on top
  });

  it('cancels a pending delayed add when a worker takes the key (the reconcile decides the next one)', async () => {
    const { q, clock } = queue();
    q.addAfter('ns/a', 60_000);
    q.add('ns/a'); // e.g. a watch event before the periodic resync
    expect(await q.get()).toBe('ns/a');
    q.done('ns/a');
    expect(q.delayedLen()).toBe(0);
    clock.advance(60_000);
    expect(q.len()).toBe(0);
  });

  it('backs off exponentially per key, capped, and forget resets it', async () => {
    const { q, clock, seen } = queue();
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      delays.push(q.addRateLimited('ns/a'));
      clock.advance(delays[i]!);
      expect(await q.get()).toBe('ns/a');
      q.done('ns/a');
    }
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(q.retries('ns/a')).toBe(6);
    expect(seen.retries).toBe(6);
    // Backoff is per key: another key starts from the base delay.
    expect(q.addRateLimited('ns/b')).toBe(100);
    q.forget('ns/a');
    expect(q.retries('ns/a')).toBe(0);
    expect(q.addRateLimited('ns/a')).toBe(100);
  });

  it('does not hand out a backed-off key before its delay', async () => {
    const { q, clock } = queue();
    q.addRateLimited('ns/a');
    q.addRateLimited('ns/a'); // second failure: 200 ms, but the first (100 ms) time is earlier and wins
    clock.advance(99);
    expect(await peek(q.get())).toBe('pending');
    clock.advance(1);
    expect(q.isProcessing('ns/a')).toBe(true);
  });

  it('reports depth and the time a key waited in the queue', async () => {
    const { q, clock, seen } = queue();
    q.add('ns/a');
    q.add('ns/b');
    expect(seen.depth.at(-1)).toBe(2);
    clock.advance(1_500);
    await q.get();
    expect(seen.depth.at(-1)).toBe(1);
    expect(seen.latency).toEqual([1.5]);
  });

  it('on shutdown releases waiting workers, drops queued and delayed keys, and ignores new adds', async () => {
    const { q, clock } = queue();
    q.add('ns/busy');
    expect(await q.get()).toBe('ns/busy');
    const idle = q.get();
    q.add('ns/queued');
    expect(await idle).toBe('ns/queued');
    const waiting = q.get();
    q.addAfter('ns/later', 1_000);
    q.shutDown();
    expect(await waiting).toBeUndefined();
    expect(await q.get()).toBeUndefined();
    q.add('ns/new');
    clock.advance(5_000);
    expect(q.len()).toBe(0);
    // drained waits for the keys still being processed
    const drained = q.drained();
    q.done('ns/busy');
    expect(await peek(drained)).toBe('pending');
    q.done('ns/queued');
    await expect(drained).resolves.toBeUndefined();
  });
});

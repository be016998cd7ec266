/**
 * The integration tests' `eventually`: polls until the check yields, gives up at a deadline with what it waited
 * for and what it last saw. Fake timers: the deadline is reached without waiting, and nothing here depends on speed.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_EVENTUALLY_TIMEOUT_MS, eventually, EventuallyTimeout, GiveUp } from '../../harness/eventually.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Settles `promise` into a value to inspect later, so that a rejection is never left unhandled. */
function settle<T>(promise: Promise<T>): { result: () => { value?: T; error?: unknown } | undefined } {
  let outcome: { value?: T; error?: unknown } | undefined;
  promise.then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = { error }),
  );
  return { result: () => outcome };
}

describe('eventually', () => {
  it('resolves with the first value other than undefined; undefined and errors mean "not yet"', async () => {
    const answers: Array<() => string | undefined> = [
      () => undefined,
      () => {
        throw new Error('404 not found');
      },
      () => undefined,
      () => 'applied',
    ];
    const check = vi.fn(async () => answers.shift()!());
    const waiting = settle(eventually('Deployment eta applied', check, { intervalMs: 100 }));
    await vi.advanceTimersByTimeAsync(300);
    expect(waiting.result()).toEqual({ value: 'applied' });
    expect(check).toHaveBeenCalledTimes(4);
  });

  it('gives up at the default deadline, naming what it waited for and the last error', async () => {
    let phase = 0;
    const waiting = settle(
      eventually('Deployment eta applied', async () => {
        throw new Error(`Pod status: phase Pending (check ${++phase})`);
      }),
    );
    await vi.advanceTimersByTimeAsync(DEFAULT_EVENTUALLY_TIMEOUT_MS - 1);
    expect(waiting.result()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    const error = waiting.result()?.error;
    expect(error).toBeInstanceOf(EventuallyTimeout);
    const message = (error as Error).message;
    expect(message).toContain('Gave up after 60 s');
    expect(message).toContain('waiting for: Deployment eta applied');
    expect(message).toContain(`the last check threw Error: Pod status: phase Pending (check ${phase})`);
    expect(((error as Error).cause as Error).message).toBe(`Pod status: phase Pending (check ${phase})`);
  });

  it('takes a deadline from the call site, and says when the check only ever returned undefined', async () => {
    const waiting = settle(eventually('ConfigMap b gone', async () => undefined, { timeoutMs: 5_000 }));
    await vi.advanceTimersByTimeAsync(5_000);
    const message = (waiting.result()?.error as Error).message;
    expect(message).toMatch(/^Gave up after 5 s \(\d+ checks\) waiting for: ConfigMap b gone\n/);
    expect(message).toContain('the last check returned undefined (not yet)');
  });

  it('does not wait past the deadline for a check that hangs, and reports the error before it', async () => {
    let calls = 0;
    const check = () => (++calls === 1 ? Promise.reject(new Error('connection refused')) : new Promise<string>(() => {}));
    const waiting = settle(eventually('informer watching', check, { timeoutMs: 10_000 }));
    await vi.advanceTimersByTimeAsync(10_000);
    const message = (waiting.result()?.error as Error).message;
    expect(message).toContain('waiting for: informer watching');
    expect(message).toContain('the last check was still running at the deadline; the one before threw Error: connection refused');
  });

  it('stops at once on GiveUp', async () => {
    const check = vi.fn(async () => {
      throw new GiveUp('cairn operator exited with 1 before it started');
    });
    const waiting = settle(eventually('cairn operator started', check));
    await vi.advanceTimersByTimeAsync(0);
    expect(waiting.result()?.error).toBeInstanceOf(GiveUp);
    expect(check).toHaveBeenCalledTimes(1);
  });

  it('cuts a very long error down in the message', async () => {
    const waiting = settle(
      eventually('a big answer', async () => {
        throw new Error('x'.repeat(10_000));
      }, { timeoutMs: 1_000 }),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    const message = (waiting.result()?.error as Error).message;
    expect(message.length).toBeLessThan(2_500);
    expect(message).toContain('more characters)');
  });
});

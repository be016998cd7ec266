/**
 * Time as an injected dependency: the work queue, backoff, leader election and event aggregation read
 * the clock only through this interface, so unit tests drive them with {@link FakeClock} and never sleep.
 */

/** A scheduled callback that can be cancelled. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch (wall time; used for timestamps and durations). */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds. The timer never keeps the process alive on its own. */
  setTimer(ms: number, fn: () => void): Timer;
}

/** The real clock. */
export function systemClock(): Clock {
  return {
    now: () => Date.now(),
    setTimer(ms, fn) {
      const handle = setTimeout(fn, Math.max(0, ms));
      handle.unref();
      return { cancel: () => clearTimeout(handle) };
    },
  };
}

/**
 * Resolves after `ms` on `clock`, or at once when `signal` aborts (it then resolves, never rejects:
 * callers check `signal.aborted` themselves).
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      timer.cancel();
      resolve();
    };
    const timer = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

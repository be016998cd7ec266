/**
 * Waiting on the cluster: poll a check until it yields a value, within a deadline that only bounds the wait.
 * It is never an assertion on speed: the deadline is far above what any wait takes on a loaded machine, and
 * it is there so that a wait that will never end fails with what it waited for and what it last saw, instead
 * of the test timeout's bare "timed out".
 */

/** The deadline when a call site gives none: generous, and below the integration tier's test timeout. */
export const DEFAULT_EVENTUALLY_TIMEOUT_MS = 60_000;
const DEFAULT_INTERVAL_MS = 250;
/** Longest rendering of the last error in the message (API errors carry whole response bodies). */
const MAX_DETAIL = 2_000;

export interface EventuallyOptions {
  /** How long to keep trying; default {@link DEFAULT_EVENTUALLY_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Pause between two checks; default 250 ms. */
  intervalMs?: number;
}

/**
 * Thrown from a check to stop waiting at once (the thing waited for can no longer happen, e.g. the process
 * that should have logged it exited): {@link eventually} rethrows it instead of trying again.
 */
export class GiveUp extends Error {
  override name = 'GiveUp';
}

/** Thrown by {@link eventually} at its deadline; `cause` is the last error the check threw, if any. */
export class EventuallyTimeout extends Error {
  override name = 'EventuallyTimeout';
}

type Attempt<T> = { kind: 'value'; value: T } | { kind: 'not-yet' } | { kind: 'error'; error: unknown } | { kind: 'running' };

/**
 * Calls `check` until it returns something other than undefined, and returns that. Undefined means "not
 * yet"; so does a thrown error (a read that 404s, a failed `expect`), which is kept for the message: the way
 * for a check to say what it saw is to throw it (`throw new Error(\`phase is ${phase}\`)`). {@link GiveUp}
 * ends the wait at once. At the deadline it throws an {@link EventuallyTimeout} naming `what` and the last
 * outcome of the check; a check still running then is abandoned (its result is ignored).
 *
 * `what` describes the awaited state, e.g. `'Deployment eta applied'`.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: EventuallyOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_EVENTUALLY_TIMEOUT_MS;
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  let lastSettled: Attempt<T> | undefined;
  let last: Attempt<T> | undefined;
  for (;;) {
    attempts++;
    last = await attempt(check, Math.max(deadline - Date.now(), 0));
    if (last.kind === 'value') return last.value;
    if (last.kind === 'error' && last.error instanceof GiveUp) throw last.error;
    if (last.kind !== 'running') lastSettled = last;
    const left = deadline - Date.now();
    if (left <= 0) throw timeout(what, timeoutMs, attempts, last, lastSettled);
    await sleep(Math.min(intervalMs, left));
  }
}

/** One call of the check, abandoned (`running`) if it has not settled within `boundMs`. */
async function attempt<T>(check: () => Promise<T | undefined> | T | undefined, boundMs: number): Promise<Attempt<T>> {
  let result: Promise<Attempt<T>>;
  try {
    result = Promise.resolve(check()).then(
      (value): Attempt<T> => (value === undefined ? { kind: 'not-yet' } : { kind: 'value', value }),
      (error: unknown): Attempt<T> => ({ kind: 'error', error }),
    );
  } catch (error) {
    return { kind: 'error', error };
  }
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<Attempt<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'running' }), boundMs);
  });
  try {
    return await Promise.race([result, bound]);
  } finally {
    clearTimeout(timer);
  }
}

function timeout<T>(what: string, timeoutMs: number, attempts: number, last: Attempt<T>, lastSettled: Attempt<T> | undefined): EventuallyTimeout {
  const tries = `${attempts} ${attempts === 1 ? 'check' : 'checks'}`;
  let detail: string;
  if (last.kind === 'running') {
    detail = `the last check was still running at the deadline${lastSettled ? `; the one before ${describe(lastSettled)}` : ''}`;
  } else {
    detail = `the last check ${describe(last)}`;
  }
  const cause = lastSettled?.kind === 'error' ? lastSettled.error : undefined;
  return new EventuallyTimeout(`Gave up after ${formatMs(timeoutMs)} (${tries}) waiting for: ${what}\n${detail}`, cause === undefined ? undefined : { cause });
}

function describe<T>(a: Attempt<T>): string {
  switch (a.kind) {
    case 'error':
      return `threw ${truncate(errorText(a.error))}`;
    case 'not-yet':
      return 'returned undefined (not yet)';
    default:
      return a.kind;
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

function truncate(text: string): string {
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL)}… (${text.length - MAX_DETAIL} more characters)` : text;
}

function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Typed reconcile errors: the one error idiom of every controller (docs/style.md §6, after Flux's Stalling /
 * Waiting / generic errors). The type of what a reconcile step throws chooses the conditions and the requeue;
 * the controller kit (src/controllers/kit/driver.ts) writes them into status and an Event.
 *
 * - {@link StalledError}: the spec can never work as written (bad URL, malformed credentials). Stalled=True,
 *   logged once at info, not retried with backoff; the next change of the object reconciles it again, and
 *   `retryAfterMs` (when set) looks again after that long in case the cause was outside the object.
 * - {@link WaitingError}: a dependency is not ready yet (a Secret, a Dataset still profiling). Ready=False,
 *   requeued after `requeueAfterMs`; not an error in the logs, not counted in `cairn_reconcile_errors_total`.
 * - {@link TransientError}, or anything else: a failure that may pass (the API server unreachable). Ready=False,
 *   retried with per-key exponential backoff in the work queue. A TransientError names its reason; any other
 *   error is reported as ReconcileFailed.
 *
 * `reason` is a CamelCase condition reason (docs/api.md, Conditions); the same string becomes the Event's
 * reason. Messages must never contain credentials.
 */

export class StalledError extends Error {
  override readonly name = 'StalledError';
  /** Look again after this long even without a change of the object (the cause may lie outside it). */
  readonly retryAfterMs: number | undefined;
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

export class WaitingError extends Error {
  override readonly name = 'WaitingError';
  constructor(
    readonly reason: string,
    message: string,
    readonly requeueAfterMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class TransientError extends Error {
  override readonly name = 'TransientError';
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isStalled(err: unknown): err is StalledError {
  return err instanceof StalledError;
}

export function isWaiting(err: unknown): err is WaitingError {
  return err instanceof WaitingError;
}

/** A one-line description of any thrown value, for logs (never the full HTTP exchange). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}

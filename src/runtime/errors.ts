/**
 * Typed reconcile errors: the type of what a reconciler throws chooses the requeue (STYLE.md §6,
 * after Flux's Stalling / Waiting / generic errors).
 *
 * - {@link StalledError}: the spec can never work as written (bad URL, missing required field). Logged once at
 *   info, not retried; the next change of the object (a watch event) reconciles it again.
 * - {@link WaitingError}: a dependency is not ready yet. Requeued after `requeueAfterMs`, not an error in the
 *   logs and not counted in `cairn_reconcile_errors_total`.
 * - anything else: a transient failure, retried with per-key exponential backoff in the work queue.
 *
 * `reason` is a CamelCase condition reason (API.md), so the controller can copy it straight into a condition
 * and an Event. Messages must never contain credentials.
 */

export class StalledError extends Error {
  override readonly name = 'StalledError';
  constructor(
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
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

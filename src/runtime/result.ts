import { withJitter } from './backoff.js';

/**
 * What a reconcile returns. An empty result means "done; reconcile again only on the next watch event".
 * Errors are thrown, not returned (see errors.ts); a thrown error never carries a requeueAfter of its own
 * except {@link WaitingError}.
 */
export interface Result {
  /** Reconcile this key again after this delay (periodic resync, polling an external system). */
  requeueAfterMs?: number;
}

/** How a reconcile ended, for the `result` label of cairn_reconcile_total. */
export type Outcome = 'success' | 'requeue' | 'waiting' | 'stalled' | 'error';

export const done: Result = Object.freeze({});

/**
 * Reconcile again after `ms`, minus up to `jitter` of it (default 10%), so objects created together do not
 * resync together (docs/style.md §6: on success, requeue at spec.interval with jitter).
 */
export function requeueAfter(ms: number, jitter = 0.1, random: () => number = Math.random): Result {
  return { requeueAfterMs: withJitter(ms, jitter, random) };
}

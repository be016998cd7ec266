/** Capped exponential backoff, as a pure function of the attempt number. */
export interface BackoffPolicy {
  /** Delay after the first failure. */
  baseMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
  /** Growth per failure; 2 by default. */
  factor?: number;
}

/** Per-key reconcile backoff: 100 ms, 200 ms, ... capped at 5 minutes (the pace of client-go's default). */
export const reconcileBackoff: BackoffPolicy = { baseMs: 100, maxMs: 5 * 60_000 };

/** Watch restart backoff: 500 ms doubling to 30 s. */
export const watchBackoff: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/**
 * The delay before retry number `attempt` (1 = first retry after the first failure).
 * `min(baseMs * factor^(attempt-1), maxMs)`; attempt <= 0 gives 0.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number): number {
  if (attempt <= 0) return 0;
  const factor = policy.factor ?? 2;
  // Exponent bounded so the power never overflows to Infinity for long outages.
  const exp = Math.min(attempt - 1, 64);
  return Math.min(policy.baseMs * Math.pow(factor, exp), policy.maxMs);
}

/** Spreads `ms` uniformly over [ms*(1-fraction), ms] so restarting replicas do not retry in lockstep. */
export function withJitter(ms: number, fraction: number, random: () => number = Math.random): number {
  return Math.round(ms * (1 - fraction * random()));
}

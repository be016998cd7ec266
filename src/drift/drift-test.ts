/**
 * The result of one drift test, the shape the DriftMonitor controller writes into status per feature
 * (docs/drift.md). A statistic alone is not a verdict: its size under no drift depends on the window, so each
 * test carries the p-value of the statistic at these sample sizes and the critical value at which that p-value
 * reaches alpha, and a feature drifted only when the change is both unlikely under no drift (pValue < alpha)
 * and at least as large as the smallest effect that matters (statistic >= minEffect).
 */
import { DriftInputError } from './errors.js';

export type DriftMethod = 'psi' | 'ks' | 'jensenShannon' | 'wasserstein' | 'chi2';

/**
 * How the p-value was computed: `exact` (the exact null distribution), `asymptotic` (a large-sample
 * approximation: chi-square, Kolmogorov), `upperBound` (a bound at least as large as the asymptotic
 * p-value: conservative, it never raises more false alarms than alpha), or `simulated` (windows drawn from the
 * baseline with a fixed seed, for windows too small for the approximation: simulated-null.ts).
 */
export type PValueKind = 'exact' | 'asymptotic' | 'upperBound' | 'simulated';

/** What counts as drift. */
export interface DriftCriteria {
  /**
   * The accepted false-alarm rate per feature and window: drift needs pValue < alpha. Default
   * {@link DEFAULT_ALPHA}. For `ks` and `chi2` the DriftMonitor's features[].threshold is this alpha.
   */
  alpha?: number;
  /**
   * The smallest statistic that matters, in the statistic's units (PSI, JS distance, the feature's units for
   * Wasserstein, D for KS). Default 0. For `psi`, `jensenShannon` and `wasserstein` the DriftMonitor's
   * features[].threshold is this minimum effect.
   */
  minEffect?: number;
}

/** 1%: one false alarm in a hundred windows of a feature that did not drift. */
export const DEFAULT_ALPHA = 0.01;

export interface DriftTest {
  method: DriftMethod;
  /** PSI, KS D, JS distance, Wasserstein-1 or the chi-square statistic. 0 for identical distributions. */
  statistic: number;
  /** P(statistic >= observed) under no drift at these sample sizes. 1 for identical distributions. */
  pValue: number;
  pValueKind: PValueKind;
  /** Of the chi-square approximations (psi, jensenShannon, chi2): non-empty bins or categories minus one. */
  degreesOfFreedom?: number;
  alpha: number;
  minEffect: number;
  /**
   * The statistic at which the p-value reaches alpha at these sample sizes: below it, a difference is within
   * what windows of this size show without drift. null when no value can reach it (a single non-empty bin).
   */
  criticalValue: number | null;
  /** max(minEffect, criticalValue): the statistic at or above which the feature drifted; null as above. */
  threshold: number | null;
  drifted: boolean;
  /** Observations on each side (the baseline's counted rows, the window's samples). */
  baselineSamples: number;
  liveSamples: number;
}

/** Alpha and the minimum effect with defaults, refused when out of range. */
export function resolveCriteria(criteria: DriftCriteria = {}): { alpha: number; minEffect: number } {
  const alpha = criteria.alpha ?? DEFAULT_ALPHA;
  const minEffect = criteria.minEffect ?? 0;
  if (!(alpha > 0 && alpha <= 1)) throw new DriftInputError('InvalidCriteria', `alpha is ${alpha}: it must be in (0, 1]`);
  if (!(Number.isFinite(minEffect) && minEffect >= 0)) throw new DriftInputError('InvalidCriteria', `the minimum effect is ${minEffect}: it must be a finite number of at least 0`);
  return { alpha, minEffect };
}

/** The fields of a {@link DriftTest} that every method computes. */
export interface Measured {
  method: DriftMethod;
  statistic: number;
  pValue: number;
  pValueKind: PValueKind;
  degreesOfFreedom?: number;
  criticalValue: number | null;
  baselineSamples: number;
  liveSamples: number;
}

/** The verdict: drifted when pValue < alpha and statistic >= minEffect. */
export function decide(measured: Measured, criteria: { alpha: number; minEffect: number }): DriftTest {
  const { alpha, minEffect } = criteria;
  const { method, statistic, pValue, pValueKind, degreesOfFreedom, criticalValue, baselineSamples, liveSamples } = measured;
  return {
    method,
    statistic,
    pValue,
    pValueKind,
    ...(degreesOfFreedom === undefined ? {} : { degreesOfFreedom }),
    alpha,
    minEffect,
    criticalValue,
    threshold: criticalValue === null ? null : Math.max(minEffect, criticalValue),
    drifted: pValue < alpha && statistic >= minEffect,
    baselineSamples,
    liveSamples,
  };
}

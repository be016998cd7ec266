/**
 * Typed refusals of the drift statistics. A statistic never guesses around bad input (a NaN count, a live
 * histogram on other bins, an empty window): it throws, and the reason tells the DriftMonitor controller what to
 * report (docs/style.md §5). Messages name the side (baseline or live) and the bin, category or sample index.
 */

export type DriftInputReason =
  /** A side has no observation at all (an empty window, a profile column with no counted value). */
  | 'EmptySample'
  /** A count is NaN, infinite or negative. */
  | 'InvalidCounts'
  /** The live histogram has another number of bins than the baseline. */
  | 'MismatchedBins'
  /** The baseline's bin edges are not finite, not ascending, or not one more than its counts. */
  | 'InvalidEdges'
  /** A raw sample holds NaN or an infinite value. */
  | 'InvalidSamples'
  /** A profile lists the reserved category `__other__`, or a category name is empty. */
  | 'InvalidCategories'
  /** alpha outside (0, 1], or a minimum effect that is negative or not finite. */
  | 'InvalidCriteria'
  /** The method does not apply to the column (ks or wasserstein on categories, psi... on raw categories). */
  | 'UnsupportedMethod'
  /** A Dataset profile that is not the shape of docs/contracts.md §4 (not JSON, a column without bins...). */
  | 'InvalidProfile'
  /** A check names a column the profile does not have (or asks for output drift without a numeric target). */
  | 'UnknownColumn'
  /** The serving pods export no series of a checked column (started without the profile, or the column is not bound to an input). */
  | 'NotCounted';

export class DriftInputError extends Error {
  override readonly name = 'DriftInputError';
  constructor(
    readonly reason: DriftInputReason,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Drift statistics (docs/drift.md): pure functions of a baseline profile's bins or categories and live counts
 * on the same bins, each returning a {@link DriftTest} with a p-value and a critical value for the window's size.
 */
export { alignCategories, OTHER_CATEGORY, type CategoryCells } from './categories.js';
export { chiSquareStatistic, chiSquareTest } from './chi-square.js';
export { chiSquareIsf, chiSquareSf } from './chi-square-distribution.js';
export { DEFAULT_ALPHA, type DriftCriteria, type DriftMethod, type DriftTest, type PValueKind } from './drift-test.js';
export { DriftInputError, type DriftInputReason } from './errors.js';
export { jensenShannonStatistic, jensenShannonTest } from './jensen-shannon.js';
export { kolmogorovIsf, kolmogorovSf } from './kolmogorov-distribution.js';
export { KS_EXACT_MAX_CELLS, ksBinnedTest, ksSamplesTest } from './ks.js';
export { EMPTY_BIN_COUNT, psiStatistic, psiTest } from './psi.js';
export { scoreCategorical, scoreNumeric } from './score.js';
export { wassersteinBinnedTest, wassersteinSamplesTest } from './wasserstein.js';
export { emptyWindow, advanceWindow, counterIncrease, type PodScrape, type WindowState } from './counter-window.js';
export { driftCounters, liveBinCounts, liveCategoryCounts, predictionOutputs } from './live-counts.js';
export { parseBaselineProfile } from './baseline-profile.js';
export { criteriaOf, DEFAULT_CATEGORICAL_CHECK, DEFAULT_NUMERIC_CHECK, planChecks, thresholdIsPValue, type CheckSpec, type ColumnCheck } from './checks.js';
export { evaluateWindow, resultOf, type ColumnProblem, type ColumnResult, type WindowVerdict } from './evaluate.js';
export { countIntoBins } from './bin-counts.js';
export { livePerformance, type LivePerformance } from './performance.js';

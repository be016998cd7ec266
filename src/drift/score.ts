/**
 * One entry point per column kind for the DriftMonitor: a numeric column's profile bins and the live
 * histogram on its edges, or a categorical column's profile and the live category counter, scored with the
 * method its spec names. docs/api.md lists which methods apply to which kind; any other is refused.
 */
import type { CategoricalProfile, NumericBins } from '../profile/types.js';
import { alignCategories } from './categories.js';
import { chiSquareTest } from './chi-square.js';
import type { DriftCriteria, DriftMethod, DriftTest } from './drift-test.js';
import { DriftInputError } from './errors.js';
import { jensenShannonTest } from './jensen-shannon.js';
import { ksBinnedTest } from './ks.js';
import { psiTest } from './psi.js';
import { checkEdges } from './validate.js';
import { wassersteinBinnedTest } from './wasserstein.js';

/** A numeric column: psi, ks, jensenShannon or wasserstein on the profile's bins. */
export function scoreNumeric(method: DriftMethod, bins: NumericBins, live: readonly number[], criteria?: DriftCriteria): DriftTest {
  switch (method) {
    case 'psi':
      checkEdges(bins.edges, bins.counts.length);
      return psiTest(bins.counts, live, criteria);
    case 'jensenShannon':
      checkEdges(bins.edges, bins.counts.length);
      return jensenShannonTest(bins.counts, live, criteria);
    case 'ks':
      return ksBinnedTest(bins, live, criteria);
    case 'wasserstein':
      return wassersteinBinnedTest(bins, live, criteria);
    case 'chi2':
      throw new DriftInputError('UnsupportedMethod', 'chi2 applies to categorical columns; a numeric column takes psi, ks, jensenShannon or wasserstein');
  }
}

/** A categorical column: chi2 or jensenShannon on the profile's categories and the rest (categories.ts). */
export function scoreCategorical(method: DriftMethod, profile: Pick<CategoricalProfile, 'categories' | 'otherCount'>, live: Readonly<Record<string, number>>, criteria?: DriftCriteria): DriftTest {
  if (method !== 'chi2' && method !== 'jensenShannon') {
    throw new DriftInputError('UnsupportedMethod', `${method} applies to numeric columns; a categorical column takes chi2 or jensenShannon`);
  }
  const cells = alignCategories(profile, live);
  const label = (i: number) => `category ${JSON.stringify(cells.labels[i])}`;
  return method === 'chi2' ? chiSquareTest(cells.baseline, cells.live, criteria, label) : jensenShannonTest(cells.baseline, cells.live, criteria, label);
}

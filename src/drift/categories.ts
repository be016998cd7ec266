/**
 * Lines up a live category counter with the baseline profile's categories (docs/contracts.md §4):
 *
 * - one cell per category the profile lists, in the profile's order, live count 0 when the window saw none;
 * - a last cell, the rest: the profile's otherCount against the live `__other__` counter, which the serving
 *   runtime fills with every value the profile does not list. A live category the profile does not list
 *   (an unseen category, sent by something other than the serving runtime, or counted against an older
 *   profile) joins the rest too, so both sides' rest holds the same set of values.
 *
 * A rest empty on both sides is later left out like any empty cell, so a profile with no rest costs no degree
 * of freedom. Nulls are not part of either distribution.
 */
import type { CategoricalProfile } from '../profile/types.js';
import { DriftInputError } from './errors.js';

/** The serving runtime's series for every value the profile does not list. */
export const OTHER_CATEGORY = '__other__';

export interface CategoryCells {
  /** The profile's categories, then {@link OTHER_CATEGORY}. */
  labels: string[];
  baseline: number[];
  live: number[];
}

export function alignCategories(profile: Pick<CategoricalProfile, 'categories' | 'otherCount'>, live: Readonly<Record<string, number>>): CategoryCells {
  const labels = Object.keys(profile.categories);
  for (const label of labels) {
    if (label === OTHER_CATEGORY || label === '') {
      throw new DriftInputError('InvalidCategories', `the profile lists the category ${JSON.stringify(label)}: ${label === '' ? 'category names are not empty' : `${OTHER_CATEGORY} is reserved for the rest`}`);
    }
  }
  const index = new Map(labels.map((label, i) => [label, i]));
  const baseline = labels.map((label) => profile.categories[label]!);
  baseline.push(profile.otherCount);
  const cells = new Array<number>(labels.length + 1).fill(0);
  for (const [label, count] of Object.entries(live)) {
    if (!Number.isFinite(count) || count < 0) {
      throw new DriftInputError('InvalidCounts', `live count of category ${JSON.stringify(label)} is ${count}: counts must be finite and not negative`);
    }
    const cell = index.get(label) ?? labels.length;
    cells[cell] = cells[cell]! + count;
  }
  return { labels: [...labels, OTHER_CATEGORY], baseline, live: cells };
}

/**
 * Which columns a DriftMonitor checks and how (docs/api.md, DriftMonitor): its `features` and `output`, or by
 * default every profile feature, psi for numeric and chi2 for categorical ones. Each check is lined up with
 * its profile column here, so a spec that can never be scored (an unknown column, a method the column's type
 * does not take, a p-value threshold above 1) is refused as a whole, before any traffic is read. Pure.
 */
import type { ColumnProfile, DatasetProfile } from '../profile/types.js';
import { DEFAULT_ALPHA, type DriftCriteria, type DriftMethod } from './drift-test.js';
import { DriftInputError } from './errors.js';

/** What the spec says of one column. */
export interface CheckSpec {
  name: string;
  method: DriftMethod;
  threshold: number;
}

/** A check ready to score: which live series it reads and which profile column it compares them with. */
export interface ColumnCheck extends CheckSpec {
  /** A feature's own series, or the model's predictions against the target's profile. */
  source: 'feature' | 'output';
  column: ColumnProfile;
}

/** The default check of a numeric feature: PSI of at least 0.04 (a 0.25-sigma mean shift of a normal feature is about 0.06, and windows of 1,000 show it at once; bench:drift), beside the window's critical value. */
export const DEFAULT_NUMERIC_CHECK = { method: 'psi', threshold: 0.04 } as const;
/** The default check of a categorical feature: chi-square at a p-value below 1%. */
export const DEFAULT_CATEGORICAL_CHECK = { method: 'chi2', threshold: 0.01 } as const;

const numericMethods: ReadonlySet<DriftMethod> = new Set(['psi', 'ks', 'jensenShannon', 'wasserstein']);
const categoricalMethods: ReadonlySet<DriftMethod> = new Set(['chi2', 'jensenShannon']);
/** Methods whose threshold is a p-value (alpha) rather than a minimum effect. */
const pValueMethods: ReadonlySet<DriftMethod> = new Set(['ks', 'chi2']);

export const thresholdIsPValue = (method: DriftMethod): boolean => pValueMethods.has(method);

/** docs/drift.md: for ks and chi2 the threshold is alpha; for the others it is the minimum effect at alpha 1%. */
export function criteriaOf(check: CheckSpec): DriftCriteria {
  return thresholdIsPValue(check.method) ? { alpha: check.threshold } : { alpha: DEFAULT_ALPHA, minEffect: check.threshold };
}

function lineUp(check: CheckSpec, column: ColumnProfile, source: ColumnCheck['source'], field: string): ColumnCheck {
  const allowed = column.type === 'number' ? numericMethods : categoricalMethods;
  if (!allowed.has(check.method)) {
    throw new DriftInputError('UnsupportedMethod', `${field}: ${check.method} does not apply to the ${column.type === 'number' ? 'numeric' : 'categorical'} column ${column.name}; it takes ${[...allowed].join(', ')}`);
  }
  if (thresholdIsPValue(check.method) && !(check.threshold > 0 && check.threshold <= 1)) {
    throw new DriftInputError('InvalidCriteria', `${field}: the threshold of ${check.method} is a p-value, so it must be in (0, 1]; got ${check.threshold}`);
  }
  return { ...check, source, column };
}

/** The checks of a spec against a profile; throws DriftInputError naming the first field that cannot work. */
export function planChecks(profile: DatasetProfile, features: readonly CheckSpec[] | undefined, output: Omit<CheckSpec, 'name'> | undefined): ColumnCheck[] {
  const byName = new Map(profile.features.map((f) => [f.name, f]));
  const checks = features
    ? features.map((check, i) => {
        const column = byName.get(check.name);
        if (!column) throw new DriftInputError('UnknownColumn', `spec.features[${i}].name: the baseline profile has no feature ${check.name} (it has ${[...byName.keys()].join(', ')})`);
        return lineUp(check, column, 'feature', `spec.features[${i}]`);
      })
    : profile.features.map((column) => ({ name: column.name, ...(column.type === 'number' ? DEFAULT_NUMERIC_CHECK : DEFAULT_CATEGORICAL_CHECK), source: 'feature' as const, column }));
  if (output) {
    const target = profile.target;
    if (target?.type !== 'number') throw new DriftInputError('UnknownColumn', `spec.output: prediction drift needs the profile of a numeric target, and the baseline profile has ${target ? `a ${target.type} target` : 'no target'}`);
    checks.push(lineUp({ name: target.name, ...output }, target, 'output', 'spec.output'));
  }
  return checks;
}

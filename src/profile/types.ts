/**
 * The shapes of the profile engine: what a Dataset asks for (its schema, quality gates and bin count) and
 * the profile it gets back (docs/contracts.md §4).
 */

/** A column of the Dataset schema (spec.schema.features[] or spec.schema.target). */
export interface ColumnSpec {
  name: string;
  type: 'number' | 'integer' | 'categorical' | 'boolean';
  min?: number;
  max?: number;
}

/** What `cairn profile` checks and computes, taken from a Dataset's spec. */
export interface ProfileSpec {
  features: ColumnSpec[];
  target?: ColumnSpec;
  /** spec.validation.maxNullFraction (default 0). */
  maxNullFraction: number;
  /** spec.validation.maxOutOfRangeFraction (default 0). */
  maxOutOfRangeFraction: number;
  /** spec.profile.bins (default 10, 2..100). */
  bins: number;
}

export interface NumericBins {
  edges: number[];
  counts: number[];
}

export interface NumericProfile {
  name: string;
  type: 'number';
  nulls: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  bins: NumericBins;
}

export interface CategoricalProfile {
  name: string;
  type: 'categorical';
  nulls: number;
  categories: Record<string, number>;
  otherCount: number;
}

export type ColumnProfile = NumericProfile | CategoricalProfile;

/** docs/contracts.md §4. */
export interface DatasetProfile {
  dataset: string;
  version: string;
  rows: number;
  features: ColumnProfile[];
  target?: ColumnProfile;
}

/** The validation figures a Dataset's status carries (status.validation). */
export interface ValidationFigures {
  /** Share of nulls, per column (features and target). */
  nullFraction: Record<string, number>;
  /** Share of values outside [min, max], per column that has a min or a max. */
  outOfRange: Record<string, number>;
}

/** Whether a profile counts a column as numbers or as categories. */
export type ColumnKind = 'number' | 'integer' | 'categorical' | 'boolean';

export function isNumeric(type: ColumnKind): boolean {
  return type === 'number' || type === 'integer';
}

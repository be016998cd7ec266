/**
 * Typed failures of `cairn profile`. The reason is what the Dataset controller puts in its condition, so it
 * comes from a fixed vocabulary (docs/style.md §5); the message is for people and names the column, the line
 * or the size.
 */
import type { ValidationFigures } from './types.js';

export type ProfileReason =
  /** A column of the schema is missing, or holds values of another type. */
  | 'SchemaMismatch'
  /** A column has a larger share of nulls than spec.validation.maxNullFraction. */
  | 'NullsOverLimit'
  /** A column has a larger share of values outside [min, max] than spec.validation.maxOutOfRangeFraction. */
  | 'OutOfRange'
  /** The file is not valid csv, jsonl or parquet (a malformed row names its line). */
  | 'MalformedData'
  /** The file could not be read at all (missing, unreadable). */
  | 'ReadFailed'
  /** A numeric column has no value at all, so it has no quantiles to serve as a baseline. */
  | 'EmptyColumn'
  /** The profile JSON would not fit a ConfigMap. */
  | 'ProfileTooLarge'
  /** The file cannot be read within the memory bound (a parquet column chunk too large and without a page index). */
  | 'ResourceLimit'
  /** In a Job: the profile could not be written into its ConfigMap (no access, the API server unreachable). */
  | 'WriteFailed';

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
  constructor(
    readonly reason: ProfileReason,
    message: string,
    /** The figures measured before the failure, when validation ran. */
    readonly validation?: ValidationFigures,
  ) {
    super(message);
  }
}

/** A malformed row of a text file: names its 1-based line as an editor shows it. */
export function malformedLine(format: 'csv' | 'jsonl', line: number, what: string): ProfileError {
  return new ProfileError('MalformedData', `${format} line ${line}: ${what}`);
}

/**
 * The quality gates of a Dataset (spec.validation) on what pass 1 measured: the figures its status carries and
 * the verdict, a typed reason with a message that names the columns.
 */
import type { ProfileReason } from './errors.js';
import type { ColumnSpec, ProfileSpec, ValidationFigures } from './types.js';

/** What pass 1 measured of one column. */
export interface ColumnMeasure {
  spec: ColumnSpec;
  /** Valid non-null values. */
  values: number;
  nulls: number;
  invalid: number;
  firstInvalid: number;
  /** Values outside [min, max] (numeric columns with a min or a max). */
  outOfRange: number;
  /** False when the column never appeared (jsonl). */
  present: boolean;
}

export interface Failure {
  reason: ProfileReason;
  message: string;
}

export interface Verdict {
  figures: ValidationFigures;
  /** Empty when every gate passed; else in the order SchemaMismatch, NullsOverLimit, OutOfRange. */
  failures: Failure[];
}

const percent = (x: number): string => `${+(x * 100).toPrecision(4)}%`;

/**
 * The share of nulls is over all rows; the share out of range is over the column's non-null values (a null is
 * not out of range). An invalid value (not of the column's type) fails the schema whatever the limits.
 */
export function validate(spec: ProfileSpec, rows: number, measures: readonly ColumnMeasure[], unit: 'line' | 'row'): Verdict {
  const figures: ValidationFigures = { nullFraction: {}, outOfRange: {} };
  const schema: string[] = [];
  const nulls: string[] = [];
  const ranges: string[] = [];
  for (const m of measures) {
    const { name, type, min, max } = m.spec;
    if (!m.present) {
      schema.push(`column ${name} is missing`);
      continue;
    }
    const nullFraction = rows > 0 ? m.nulls / rows : 0;
    figures.nullFraction[name] = nullFraction;
    if (m.invalid > 0) {
      const what = type === 'number' ? 'numbers' : type === 'integer' ? 'integers' : type === 'boolean' ? 'booleans' : 'categories';
      schema.push(`column ${name} has ${m.invalid} ${m.invalid === 1 ? 'value that is' : 'values that are'} not ${what} (first on ${unit} ${m.firstInvalid})`);
    }
    if (nullFraction > spec.maxNullFraction) {
      nulls.push(`column ${name} has ${percent(nullFraction)} nulls (${m.nulls} of ${rows} rows), over the limit of ${percent(spec.maxNullFraction)}`);
    }
    if ((type === 'number' || type === 'integer') && (min !== undefined || max !== undefined)) {
      const fraction = m.values > 0 ? m.outOfRange / m.values : 0;
      figures.outOfRange[name] = fraction;
      if (fraction > spec.maxOutOfRangeFraction) {
        const range = `[${min ?? '-inf'}, ${max ?? '+inf'}]`;
        ranges.push(`column ${name} has ${percent(fraction)} of its values outside ${range} (${m.outOfRange} of ${m.values}), over the limit of ${percent(spec.maxOutOfRangeFraction)}`);
      }
    }
  }
  const failures: Failure[] = [];
  if (schema.length) failures.push({ reason: 'SchemaMismatch', message: schema.join('; ') });
  if (nulls.length) failures.push({ reason: 'NullsOverLimit', message: nulls.join('; ') });
  if (ranges.length) failures.push({ reason: 'OutOfRange', message: ranges.join('; ') });
  return { figures, failures };
}

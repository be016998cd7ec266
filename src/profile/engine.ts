/**
 * The profile engine: pass 1 over every schema column (counts, moments, validation, and most columns' exact
 * quantile edges), the quality gates, then as few more passes as the numeric columns need to resolve their exact
 * edges (refine.ts) and the categorical columns with too many categories need to recount their candidates. Pure
 * apart from the passes it asks of its DataSource.
 *
 * Memory is bounded by EngineLimits whatever the number of rows. With the defaults, summed over all columns:
 * windows 4 Mi numbers (32 MiB), whole columns in pass 1 1 Mi numbers (8 MiB, released when windows start),
 * distinct-value tables 64 Ki values (about 2 MiB), buckets 512 Ki (12 MiB, later passes only), category counts
 * 256 Ki entries and 8 Mi characters (about 40 MiB at most); plus the readers' buffers (csv and jsonl: a 1 MiB
 * chunk, one record of at most 1 MiB and 8,192 rows of the columns; parquet: one compressed column chunk of at
 * most 64 MiB and 65,536 decoded rows of one column). Limits reached mean more passes, never more memory.
 */
import { CategoricalColumn } from './categorical-column.js';
import type { ColumnRequest, DataSource } from './chunks.js';
import { ProfileError, type ProfileReason } from './errors.js';
import { NumericColumn } from './numeric-column.js';
import { MAX_PASSES } from './refine.js';
import { isNumeric, type ColumnProfile, type ColumnSpec, type DatasetProfile, type ProfileSpec, type ValidationFigures } from './types.js';
import { validate, type Failure } from './validate.js';

/** The memory the engine may use, summed over all columns. */
export interface EngineLimits {
  /** Numbers kept at once in windows around the edges, in all columns. 8 bytes each. */
  values: number;
  /** Numbers kept whole in pass 1, in all columns: a column within its share needs no windows. 8 bytes each. */
  whole: number;
  /** Histogram buckets counted at once in a refinement pass. 24 bytes each. */
  buckets: number;
  /** Distinct values counted exactly in pass 1, in all numeric columns. */
  distinct: number;
  /** Categories counted exactly, in all categorical columns, and the characters of their names. */
  categories: number;
  categoryChars: number;
}

export const DEFAULT_LIMITS: EngineLimits = {
  values: 4 << 20,
  whole: 1 << 20,
  buckets: 1 << 19,
  distinct: 1 << 16,
  categories: 1 << 18,
  categoryChars: 8 << 20,
};

export type ProfileOutcome =
  | { ok: true; profile: DatasetProfile; validation: ValidationFigures; passes: number }
  | { ok: false; reason: ProfileReason; message: string; validation: ValidationFigures; failures: Failure[] };

export interface ProfileTarget {
  dataset: string;
  version: string;
}

type Column = NumericColumn | CategoricalColumn;

/** Profiles a data source against a Dataset's schema. Malformed data throws a ProfileError (MalformedData). */
export async function profileSource(source: DataSource, spec: ProfileSpec, target: ProfileTarget, limits: EngineLimits = DEFAULT_LIMITS): Promise<ProfileOutcome> {
  const specs: ColumnSpec[] = spec.target ? [...spec.features, spec.target] : [...spec.features];
  const missing = missingColumns(specs, await source.columns());
  if (missing) return missing;
  const numericCount = specs.filter((s) => isNumeric(s.type)).length;
  const categoricalCount = specs.length - numericCount;
  const columns: Column[] = specs.map((s) =>
    isNumeric(s.type)
      ? new NumericColumn(s, {
          keep: Math.max(64, Math.floor(limits.whole / numericCount)),
          windows: Math.floor(limits.values / numericCount),
          distinct: Math.max(16, Math.floor(limits.distinct / numericCount)),
          bins: spec.bins,
        })
      : new CategoricalColumn(s, {
          distinct: Math.max(1000, Math.floor(limits.categories / categoricalCount)),
          chars: Math.max(1 << 16, Math.floor(limits.categoryChars / categoricalCount)),
        }),
  );
  const requests: ColumnRequest[] = specs.map((s) => ({ name: s.name, type: s.type }));

  // Pass 1
  for await (const batch of source.scan(requests)) {
    for (let c = 0; c < columns.length; c++) {
      const chunk = batch[c];
      if (chunk === undefined) continue;
      const column = columns[c]!;
      if (column instanceof NumericColumn && chunk.kind === 'number') column.addPass1(chunk);
      else if (column instanceof CategoricalColumn && chunk.kind === 'category') column.addPass1(chunk);
      else throw new Error(`internal: a ${chunk.kind} chunk for column ${column.spec.name}`);
    }
  }
  const rows = columns[0]!.rows;
  for (const column of columns) {
    if (column.rows !== rows) throw new Error(`internal: column ${column.spec.name} has ${column.rows} rows, column ${specs[0]!.name} ${rows}`);
  }
  const verdict = validate(
    spec,
    rows,
    columns.map((c) => ({
      spec: c.spec,
      values: c instanceof NumericColumn ? c.moments.count : c.count,
      nulls: c.nulls,
      invalid: c.invalid,
      firstInvalid: c.firstInvalid,
      outOfRange: c instanceof NumericColumn ? c.outOfRange : 0,
      present: c.present || rows === 0,
    })),
    source.unit,
  );
  if (verdict.failures.length) {
    const [first] = verdict.failures;
    return { ok: false, reason: first!.reason, message: joinFailures(verdict.failures), validation: verdict.figures, failures: verdict.failures };
  }
  const emptyColumns = columns.filter((c) => c instanceof NumericColumn && c.moments.count === 0).map((c) => c.spec.name);
  if (emptyColumns.length) {
    const message = rows === 0 ? 'the data set has no rows' : `${plural(emptyColumns.length, 'numeric column')} without a single value: ${emptyColumns.join(', ')}`;
    return { ok: false, reason: 'EmptyColumn', message, validation: verdict.figures, failures: [{ reason: 'EmptyColumn', message }] };
  }

  // Passes 2 and later
  const numeric = columns.filter((c): c is NumericColumn => c instanceof NumericColumn);
  let open = numeric.filter((c) => c.startResolving(spec.bins));
  let recount = columns.filter((c): c is CategoricalColumn => c instanceof CategoricalColumn && c.approximate);
  let passes = 1;
  while (open.length > 0 || recount.length > 0) {
    if (passes >= MAX_PASSES + 2) {
      throw new ProfileError('ResourceLimit', `the quantiles of ${open.map((c) => c.spec.name).join(', ')} were not resolved in ${passes} passes`);
    }
    const retained = numeric.reduce((sum, c) => sum + c.retained(), 0);
    const share = Math.max(0, limits.values - retained) / Math.max(1, open.length);
    for (const column of open) column.plan({ values: Math.floor(share), buckets: Math.floor(limits.buckets / open.length) });
    for (const column of recount) column.startRecount();
    const passColumns: Column[] = [...open, ...recount];
    for await (const batch of source.scan(passColumns.map((c) => ({ name: c.spec.name, type: c.spec.type })))) {
      for (let c = 0; c < passColumns.length; c++) {
        const chunk = batch[c];
        if (chunk === undefined) continue;
        const column = passColumns[c]!;
        if (column instanceof NumericColumn && chunk.kind === 'number') column.addPass(chunk);
        else if (column instanceof CategoricalColumn && chunk.kind === 'category') column.addRecount(chunk);
      }
    }
    passes++;
    open = open.filter((c) => c.finishPass());
    recount = [];
  }

  const profileOf = (c: Column): ColumnProfile => {
    if (c instanceof NumericColumn) {
      const m = c.moments;
      return { name: c.spec.name, type: 'number', nulls: c.nulls, min: m.min, max: m.max, mean: m.mean, std: m.std, bins: c.bins(spec.bins) };
    }
    return { name: c.spec.name, type: 'categorical', nulls: c.nulls, ...c.summary() };
  };
  const profile: DatasetProfile = {
    dataset: target.dataset,
    version: target.version,
    rows,
    features: columns.slice(0, spec.features.length).map(profileOf),
  };
  if (spec.target) profile.target = profileOf(columns[columns.length - 1]!);
  return { ok: true, profile, validation: verdict.figures, passes };
}

/** SchemaMismatch naming the schema columns a file does not declare (undefined when none is missing). */
export function missingColumns(specs: readonly ColumnSpec[], declared: string[] | undefined): ProfileOutcome | undefined {
  const missing = declared ? specs.filter((s) => !declared.includes(s.name)).map((s) => s.name) : [];
  if (!missing.length) return undefined;
  const message = `${plural(missing.length, 'column')} missing from the data: ${missing.join(', ')}`;
  return { ok: false, reason: 'SchemaMismatch', message, validation: { nullFraction: {}, outOfRange: {} }, failures: [{ reason: 'SchemaMismatch', message }] };
}

export function joinFailures(failures: readonly Failure[]): string {
  return failures.map((f) => f.message).join('; ');
}

function plural(n: number, word: string): string {
  return n === 1 ? `1 ${word} is` : `${n} ${word}s are`;
}

/**
 * Reads a Dataset profile (docs/contracts.md §4, the `profile.json` key of the ConfigMap `<dataset>-profile`) as
 * the drift baseline. Only the shape is checked here, naming the field; the statistics check the numbers
 * themselves (edges ascending, counts finite) when they score a column.
 */
import type { CategoricalProfile, ColumnProfile, DatasetProfile, NumericProfile } from '../profile/types.js';
import { DriftInputError } from './errors.js';

const fail = (field: string, what: string): never => {
  throw new DriftInputError('InvalidProfile', `profile ${field}: ${what}`);
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const numbers = (v: unknown, field: string): number[] => (Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : fail(field, 'expected an array of numbers'));

function column(value: unknown, field: string): ColumnProfile {
  if (!isRecord(value)) return fail(field, 'expected an object');
  const name = typeof value.name === 'string' && value.name !== '' ? value.name : fail(`${field}.name`, 'expected a column name');
  if (value.type === 'number') {
    const bins = isRecord(value.bins) ? value.bins : fail(`${field}.bins`, 'a numeric column needs bins {edges, counts}');
    return { ...(value as unknown as NumericProfile), name, bins: { edges: numbers(bins.edges, `${field}.bins.edges`), counts: numbers(bins.counts, `${field}.bins.counts`) } };
  }
  if (value.type === 'categorical') {
    const categories = isRecord(value.categories) ? value.categories : fail(`${field}.categories`, 'a categorical column needs categories {name: count}');
    for (const [label, count] of Object.entries(categories)) if (typeof count !== 'number') fail(`${field}.categories.${label}`, 'expected a count');
    const otherCount = typeof value.otherCount === 'number' ? value.otherCount : fail(`${field}.otherCount`, 'expected a count');
    return { ...(value as unknown as CategoricalProfile), name, categories: categories as Record<string, number>, otherCount };
  }
  return fail(`${field}.type`, `expected "number" or "categorical", got ${JSON.stringify(value.type)}`);
}

export function parseBaselineProfile(text: string): DatasetProfile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return fail('profile.json', `not JSON (${(err as Error).message})`);
  }
  if (!isRecord(doc)) return fail('profile.json', 'expected an object');
  const features = Array.isArray(doc.features) ? doc.features.map((f, i) => column(f, `features[${i}]`)) : fail('features', 'expected an array of columns');
  return {
    dataset: typeof doc.dataset === 'string' ? doc.dataset : '',
    version: typeof doc.version === 'string' ? doc.version : '',
    rows: typeof doc.rows === 'number' ? doc.rows : 0,
    features,
    ...(doc.target !== undefined ? { target: column(doc.target, 'target') } : {}),
  };
}

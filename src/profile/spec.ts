/** What the engine needs of a Dataset's spec, with the API's defaults applied (docs/api.md, Dataset). */
import type { DatasetSpec } from '../api/kinds/dataset.js';
import type { ColumnSpec, ProfileSpec } from './types.js';

export const DEFAULT_BINS = 10;

/** What profileSpecOf reads of a Dataset's spec. */
export type SpecParts = Pick<DatasetSpec, 'schema'> & Partial<Pick<DatasetSpec, 'validation' | 'profile'>>;

export function profileSpecOf(spec: SpecParts): ProfileSpec {
  const column = (f: DatasetSpec['schema']['features'][number]): ColumnSpec => {
    const out: ColumnSpec = { name: f.name, type: f.type };
    if (f.min !== undefined) out.min = f.min;
    if (f.max !== undefined) out.max = f.max;
    return out;
  };
  const result: ProfileSpec = {
    features: spec.schema.features.map(column),
    maxNullFraction: spec.validation?.maxNullFraction ?? 0,
    maxOutOfRangeFraction: spec.validation?.maxOutOfRangeFraction ?? 0,
    bins: spec.profile?.bins ?? DEFAULT_BINS,
  };
  if (spec.schema.target) result.target = column(spec.schema.target);
  return result;
}

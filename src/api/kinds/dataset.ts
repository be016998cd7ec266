/** Dataset: a versioned, verified, profiled data set; its profile is the drift baseline. */
import type { Static } from '@sinclair/typebox';
import { Conditions, ObservedGeneration, Sha256, uriPattern } from '../common.js';
import { ageColumn, readyColumn, statusColumn, type KindDefinition, type Resource } from '../kind.js';
import { int, list, map, num, obj, oneOf, optional, patterns, str } from '../schema.js';

const featureTypes = ['number', 'integer', 'categorical', 'boolean'] as const;

export const Feature = obj(
  {
    name: str('Column name in the data set.', { pattern: patterns.identifier, maxLength: 128 }),
    type: oneOf(featureTypes, 'Type of the column: number, integer, categorical or boolean.'),
    min: optional(num('Smallest valid value (number and integer columns).')),
    max: optional(num('Largest valid value (number and integer columns).')),
  },
  'A column of the data set and its valid range.',
  {
    rules: [
      { rule: '!has(self.min) || !has(self.max) || self.min <= self.max', message: 'min must be <= max', fieldPath: '.min' },
      { rule: "self.type in ['number', 'integer'] || (!has(self.min) && !has(self.max))", message: 'min and max apply to number and integer columns only' },
    ],
  },
);

export const DatasetSpec = obj(
  {
    source: obj(
      {
        uri: str('Where the data is: https://, s3://, pvc://<claim>/<path>, or file:// (development only).', { pattern: uriPattern, maxLength: 2048 }),
        format: oneOf(['parquet', 'csv', 'jsonl'] as const, 'File format: parquet, csv or jsonl.'),
        sha256: Sha256('data file; a mismatch is an error, never a silent change'),
      },
      'The pinned data file.',
    ),
    schema: obj(
      {
        features: list(Feature, 'Input columns of the model, in the order the model takes them.', { minItems: 1, maxItems: 512, mapKeys: ['name'] }),
        target: optional(Feature),
      },
      'Columns the data set must have.',
    ),
    validation: optional(
      obj(
        {
          maxNullFraction: optional(num('Largest fraction of nulls allowed in any column (0..1). Default 0.', { minimum: 0, maximum: 1 })),
          maxOutOfRangeFraction: optional(num('Largest fraction of values outside [min, max] allowed in any column (0..1). Default 0.', { minimum: 0, maximum: 1 })),
        },
        'Quality gates checked when the data is profiled.',
      ),
    ),
    profile: optional(
      obj(
        { bins: optional(int('Number of quantile bins per numeric column. Default 10.', { minimum: 2, maximum: 100, default: 10 })) },
        'How the drift baseline profile is computed.',
      ),
    ),
  },
  'Desired state of the Dataset.',
);

export const DatasetStatus = obj(
  {
    observedGeneration: optional(ObservedGeneration),
    version: optional(str('Content digest actually seen, sha256:<hex>.', { maxLength: 80 })),
    rows: optional(int('Number of rows.', { minimum: 0, format: 'int64' })),
    profile: optional(
      obj(
        {
          configMapRef: obj({ name: str('Name of the ConfigMap holding profile.json.', { maxLength: 253 }) }, 'The ConfigMap with the profile.'),
          features: int('Number of profiled features.', { minimum: 0 }),
        },
        'Where the profile (the drift baseline) is stored.',
      ),
    ),
    profileJob: optional(
      obj(
        {
          name: str('Name of the profile Job.', { maxLength: 63 }),
          result: oneOf(
            ['Succeeded', 'Failed', 'Retrying'] as const,
            'Succeeded or Failed: kept until the spec changes (a new sha256, schema, gate or bin count is a new Job); Retrying: it failed for a reason that may pass (storage unreachable, out of memory), and a new Job runs after a backoff.',
          ),
        },
        'The last profile Job whose result this status records.',
      ),
    ),
    validation: optional(
      obj(
        {
          nullFraction: optional(map(num('Fraction of nulls.'), 'Fraction of nulls by column.', { maxProperties: 513 })),
          outOfRange: optional(map(num('Fraction out of range.'), 'Fraction of values out of range by column.', { maxProperties: 513 })),
        },
        'Results of the quality gates.',
      ),
    ),
    conditions: optional(Conditions),
  },
  'Observed state of the Dataset.',
);

export const datasetKind: KindDefinition = {
  kind: 'Dataset',
  plural: 'datasets',
  singular: 'dataset',
  shortNames: ['mldata'],
  description: 'Dataset is a versioned, checksum-pinned data set with a schema, quality gates and a profile that serves as the drift baseline.',
  spec: DatasetSpec,
  status: DatasetStatus,
  printerColumns: [
    { name: 'Format', type: 'string', jsonPath: '.spec.source.format', description: 'File format.' },
    { name: 'Rows', type: 'integer', jsonPath: '.status.rows', description: 'Number of rows.' },
    { name: 'Version', type: 'string', jsonPath: '.status.version', description: 'Content digest of the verified version, sha256:<hex>.' },
    readyColumn,
    statusColumn,
    ageColumn,
  ],
};

export type DatasetSpec = Static<typeof DatasetSpec>;
export type DatasetStatus = Static<typeof DatasetStatus>;
export type Dataset = Resource<DatasetSpec, DatasetStatus>;

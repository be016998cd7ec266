/**
 * The part of a Dataset that `cairn profile` reads, checked for shape only. In its Job the command gets the
 * Dataset as the API server stored it (`--dataset-json`, src/render/profile-job.ts), already validated against
 * the CRD's schema and CEL rules, so loading the full validator again (ajv, TypeBox, CEL: most of the command's
 * start) would buy nothing. This check keeps a hand-typed argument from reaching the engine as a TypeError; the
 * caller explains a document that fails it with the full validator.
 */
import type { SpecParts } from './spec.js';
import type { ColumnSpec } from './types.js';

const columnTypes: ReadonlySet<string> = new Set<ColumnSpec['type']>(['number', 'integer', 'categorical', 'boolean']);

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const isOptionalNumber = (value: unknown): boolean => value === undefined || (typeof value === 'number' && Number.isFinite(value));
const isOptionalFraction = (value: unknown): boolean => value === undefined || (typeof value === 'number' && value >= 0 && value <= 1);

function isColumn(value: unknown): boolean {
  return isObject(value) && typeof value.name === 'string' && value.name !== '' && typeof value.type === 'string' && columnTypes.has(value.type) && isOptionalNumber(value.min) && isOptionalNumber(value.max);
}

/** The Dataset's name and spec when the document has the shape the engine reads, else undefined. */
export function profiledDataset(document: unknown): { name: string; spec: SpecParts } | undefined {
  if (!isObject(document) || !isObject(document.metadata) || typeof document.metadata.name !== 'string') return undefined;
  const { spec } = document;
  if (!isObject(spec) || !isObject(spec.schema)) return undefined;
  const { features, target } = spec.schema;
  if (!Array.isArray(features) || features.length === 0 || !features.every(isColumn)) return undefined;
  if (target !== undefined && !isColumn(target)) return undefined;
  const { validation, profile } = spec;
  if (validation !== undefined && !(isObject(validation) && isOptionalFraction(validation.maxNullFraction) && isOptionalFraction(validation.maxOutOfRangeFraction))) return undefined;
  if (profile !== undefined && !(isObject(profile) && (profile.bins === undefined || (Number.isInteger(profile.bins) && (profile.bins as number) >= 1)))) return undefined;
  return { name: document.metadata.name, spec: spec as unknown as SpecParts };
}

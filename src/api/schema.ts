/**
 * Builders for the one source of the Cairn API. Every builder takes a description, because the CRDs
 * generated from these schemas are what `kubectl explain` shows; the generator test fails on a field
 * without one. Objects are closed (`additionalProperties: false`) so `cairn validate` reports unknown
 * fields the way `kubectl apply --validate=strict` does; the CRD generator drops that keyword, which a
 * structural schema must not carry next to `properties`.
 */
import { Type, type TSchema, type TProperties, type TObject, type TArray, type TRecord, type TString, type TUnsafe, type SchemaOptions } from '@sinclair/typebox';

/** A CEL rule for the API server (`x-kubernetes-validations`), also evaluated by `cairn validate`. */
export interface CelRule {
  rule: string;
  message: string;
  /** JSON path relative to the node the rule is on, e.g. `.max`; the reported field. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export interface ObjectOptions {
  rules?: CelRule[];
  /** Open objects keep unknown fields (e.g. a free-form pod template fragment). */
  preserveUnknownFields?: boolean;
}

const K8S_DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const K8S_DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

export const patterns = {
  dnsLabel: K8S_DNS_LABEL,
  dnsSubdomain: K8S_DNS_SUBDOMAIN,
  /** Go's time.ParseDuration subset that people write: 30s, 1m, 1h30m, 500ms. */
  duration: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$',
  sha256: '^[a-f0-9]{64}$',
  gitCommit: '^[a-f0-9]{40}([a-f0-9]{24})?$',
  /** A metric or feature name as Prometheus and Python would accept it. */
  identifier: '^[A-Za-z_][A-Za-z0-9_.\\-]*$',
  envName: '^[A-Za-z_][A-Za-z0-9_]*$',
} as const;

function withDescription<T extends SchemaOptions>(description: string, options?: T): T & { description: string } {
  return { ...(options ?? ({} as T)), description };
}

export function str(description: string, options: Omit<SchemaOptions, 'description'> & { pattern?: string; minLength?: number; maxLength?: number; format?: string } = {}): TString {
  return Type.String(withDescription(description, options));
}

export function int(description: string, options: { minimum?: number; maximum?: number; format?: 'int32' | 'int64'; default?: number } = {}) {
  return Type.Integer(withDescription(description, options));
}

export function num(description: string, options: { minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number; default?: number } = {}) {
  return Type.Number(withDescription(description, options));
}

export function bool(description: string, options: { default?: boolean } = {}) {
  return Type.Boolean(withDescription(description, options));
}

/** A string enum, written as `enum` (structural) rather than TypeBox's anyOf of literals. */
export function oneOf<const V extends readonly string[]>(values: V, description: string, options: { default?: V[number] } = {}): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...withDescription(description, options) });
}

export function obj<P extends TProperties>(properties: P, description: string, options: ObjectOptions & { required?: never } = {}): TObject<P> {
  const extra: Record<string, unknown> = {};
  if (options.rules?.length) extra['x-kubernetes-validations'] = options.rules;
  if (options.preserveUnknownFields) extra['x-kubernetes-preserve-unknown-fields'] = true;
  return Type.Object(properties, { description, additionalProperties: options.preserveUnknownFields === true, ...extra });
}

export function list<T extends TSchema>(items: T, description: string, options: { maxItems: number; minItems?: number; rules?: CelRule[]; mapKeys?: string[]; set?: boolean }): TArray<T> {
  const extra: Record<string, unknown> = {};
  if (options.rules?.length) extra['x-kubernetes-validations'] = options.rules;
  if (options.mapKeys) {
    extra['x-kubernetes-list-type'] = 'map';
    extra['x-kubernetes-list-map-keys'] = options.mapKeys;
  } else if (options.set) {
    extra['x-kubernetes-list-type'] = 'set';
  }
  const bounds: Record<string, number> = { maxItems: options.maxItems };
  if (options.minItems !== undefined) bounds.minItems = options.minItems;
  return Type.Array(items, { description, ...bounds, ...extra });
}

export function map<T extends TSchema>(values: T, description: string, options: { maxProperties: number; rules?: CelRule[] }): TRecord<TString, T> {
  const extra: Record<string, unknown> = {};
  if (options.rules?.length) extra['x-kubernetes-validations'] = options.rules;
  // Type.Record emits patternProperties; a CRD wants additionalProperties, so build it by hand.
  return Type.Unsafe({ type: 'object', description, additionalProperties: values, maxProperties: options.maxProperties, ...extra }) as unknown as TRecord<TString, T>;
}

/** A Kubernetes resource quantity ("500m", "1Gi", 2): int-or-string with the quantity pattern. */
export function quantity(description: string): TUnsafe<string | number> {
  return Type.Unsafe<string | number>({
    description,
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern: '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$',
  });
}

export function duration(description: string, options: { default?: string } = {}) {
  return str(description, { pattern: patterns.duration, maxLength: 32, ...options });
}

export const optional = Type.Optional;

/**
 * Validates a cairn.dev object with the same schema the CRD carries: ajv for the OpenAPI part, cel.ts
 * for the CEL rules. Used by `cairn validate` and by the GitSource controller before anything is applied.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { checkRules } from './cel.js';
import { resourceSchema } from './crd.js';
import { API_VERSION, type KindDefinition } from './kind.js';
import { kinds } from './kinds/index.js';
import { checkObjectMeta, metadataSchema } from './metadata.js';
import { describeValue, formatPath, type FieldProblem, type Path } from './problems.js';
import { fieldSchema } from './schema-walk.js';

type Json = Record<string, unknown>;

/** The document schema: the CRD's, with closed objects (unknown fields are errors, as with kubectl's strict validation). */
function documentSchema(def: KindDefinition): Json {
  const crdSchema = resourceSchema(def);
  return {
    ...crdSchema,
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    additionalProperties: false,
    properties: {
      ...(crdSchema.properties as Json),
      apiVersion: { type: 'string', const: API_VERSION },
      kind: { type: 'string', const: def.kind },
      metadata: metadataSchema,
      spec: JSON.parse(JSON.stringify(def.spec)),
      // Status is written by the operator; whatever a file says there is ignored by the API server.
      status: { type: 'object' },
    },
  };
}

function makeAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, validateFormats: true });
  for (const keyword of ['x-kubernetes-validations', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-map-type']) {
    ajv.addKeyword({ keyword });
  }
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  return ajv;
}

export interface KindValidator {
  def: KindDefinition;
  validate(object: unknown): FieldProblem[];
}

function pointerToPath(pointer: string): Path {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function valueAt(object: unknown, path: Path): unknown {
  let node = object;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

/** One ajv error in the words of Kubernetes field validation. */
function toProblem(error: ErrorObject, object: unknown): FieldProblem | undefined {
  const path = pointerToPath(error.instancePath);
  const value = valueAt(object, path);
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: [...path, String(p.missingProperty)], message: 'Required value' };
    case 'additionalProperties':
      return { path: [...path, String(p.additionalProperty)], message: 'unknown field' };
    case 'enum':
      return { path, message: `Unsupported value: ${describeValue(value)}: supported values: ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { path, message: `Unsupported value: ${describeValue(value)}: must be ${JSON.stringify(p.allowedValue)}` };
    case 'type':
      return { path, message: `Invalid value: ${describeValue(value)}: must be of type ${String(p.type)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, message: `Invalid value: ${describeValue(value)}: must be ${String(p.comparison)} ${String(p.limit)}` };
    case 'pattern':
      return { path, message: `Invalid value: ${describeValue(value)}: must match ${String(p.pattern)}` };
    case 'format':
      return { path, message: `Invalid value: ${describeValue(value)}: must be a valid ${String(p.format)}` };
    case 'minLength':
      return { path, message: `Invalid value: ${describeValue(value)}: must be at least ${String(p.limit)} characters` };
    case 'maxLength':
      return { path, message: `Too long: may not be more than ${String(p.limit)} bytes` };
    case 'minItems':
      return { path, message: `Invalid value: must have at least ${String(p.limit)} items` };
    case 'maxItems':
      return { path, message: `Too many: must have at most ${String(p.limit)} items` };
    case 'maxProperties':
      return { path, message: `Too many: must have at most ${String(p.limit)} entries` };
    case 'anyOf':
      return undefined; // int-or-string: the branch errors already say what is wrong
    default:
      return { path, message: error.message ?? `failed ${error.keyword}` };
  }
}

function listMapDuplicates(schema: Json, value: unknown, path: Path, out: FieldProblem[]): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    const keys = schema['x-kubernetes-list-map-keys'] as string[] | undefined;
    if (schema['x-kubernetes-list-type'] === 'map' && keys) {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        const key = JSON.stringify(keys.map((k) => (item as Json | null)?.[k]));
        if (seen.has(key)) out.push({ path: [...path, i], message: `Duplicate value: ${keys.map((k) => `${k}=${describeValue((item as Json)[k])}`).join(', ')}` });
        seen.add(key);
      });
    }
    if (schema.items) value.forEach((item, i) => listMapDuplicates(schema.items as Json, item, [...path, i], out));
    return;
  }
  for (const [key, child] of Object.entries(value as Json)) {
    const childSchema = fieldSchema(schema, key);
    if (childSchema) listMapDuplicates(childSchema, child, [...path, key], out);
  }
}

function sortProblems(problems: FieldProblem[]): FieldProblem[] {
  const unique = new Map<string, FieldProblem>();
  for (const p of problems) unique.set(`${formatPath(p.path)}\u0000${p.message}`, p);
  return [...unique.values()];
}

export function makeValidator(def: KindDefinition, ajv: Ajv = makeAjv()): KindValidator {
  const schema = documentSchema(def);
  const check: ValidateFunction = ajv.compile(schema);
  return {
    def,
    validate(object: unknown): FieldProblem[] {
      const problems: FieldProblem[] = [];
      if (!check(object)) {
        for (const error of check.errors ?? []) {
          const problem = toProblem(error, object);
          if (problem) problems.push(problem);
        }
      }
      problems.push(...checkObjectMeta(valueAt(object, ['metadata'])));
      listMapDuplicates(schema, object, [], problems);
      if (object && typeof object === 'object') problems.push(...checkRules(schema, object));
      return sortProblems(problems);
    },
  };
}

/** Validators for all six kinds, compiled once. */
export function makeValidators(): Map<string, KindValidator> {
  const ajv = makeAjv();
  return new Map(kinds.map((def) => [def.kind, makeValidator(def, ajv)]));
}

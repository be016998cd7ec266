/**
 * Evaluates the CEL rules of a schema (`x-kubernetes-validations`) on a value, as the API server does,
 * so `cairn validate` and the API server give the same verdict. Transition rules (those that read
 * `oldSelf`) only apply to updates and are skipped here, as the API server skips them on create.
 */
import { Environment } from '@marcbachmann/cel-js';
import type { CelRule } from './schema.js';
import type { FieldProblem, Path } from './problems.js';
import { fieldSchema } from './schema-walk.js';

type Json = Record<string, unknown>;

function makeEnvironment(): Environment {
  const env = new Environment({ unlistedVariablesAreDyn: true, homogeneousAggregateLiterals: false });
  // The Kubernetes CEL list library (k8s.io/apiserver/pkg/cel/library/lists.go).
  env.registerFunction({
    name: 'isSorted',
    receiverType: 'list',
    returnType: 'bool',
    params: [],
    handler: (values: unknown[]) => values.every((v, i) => i === 0 || (values[i - 1] as number | bigint) <= (v as number | bigint)),
  });
  return env;
}

const environment = makeEnvironment();
const compiled = new Map<string, (context: Json) => unknown>();

function compile(rule: string): (context: Json) => unknown {
  let fn = compiled.get(rule);
  if (!fn) {
    fn = environment.parse(rule) as unknown as (context: Json) => unknown;
    compiled.set(rule, fn);
  }
  return fn;
}

/** CEL distinguishes int from double; the schema says which a JSON number is. */
function toCel(schema: Json | undefined, value: unknown): unknown {
  if (value === null || value === undefined || !schema) return value;
  if (schema.type === 'integer' && typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (schema.type === 'number' && typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map((v) => toCel(schema.items as Json | undefined, v));
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, toCel(fieldSchema(schema, k), v)]));
  }
  return value;
}

function appendFieldPath(path: Path, fieldPath: string | undefined): Path {
  if (!fieldPath) return path;
  return [...path, ...fieldPath.split('.').filter((part) => part.length > 0)];
}

/** Walks the value along its schema and returns every failed rule with the path it is reported at. */
export function checkRules(schema: Json, value: unknown, path: Path = []): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (value === undefined || value === null) return problems;
  const rules = schema['x-kubernetes-validations'] as CelRule[] | undefined;
  for (const rule of rules ?? []) {
    if (/\boldSelf\b/.test(rule.rule)) continue;
    let ok: unknown;
    try {
      ok = compile(rule.rule)({ self: toCel(schema, value) });
    } catch {
      // A value of the wrong shape makes the rule fail to evaluate; the schema check reports that shape.
      continue;
    }
    if (ok !== true) problems.push({ path: appendFieldPath(path, rule.fieldPath), message: rule.message });
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, i) => problems.push(...checkRules(schema.items as Json, item, [...path, i])));
  } else if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value as Json)) {
      const childSchema = fieldSchema(schema, key);
      if (childSchema) problems.push(...checkRules(childSchema, child, [...path, key]));
    }
  }
  return problems;
}

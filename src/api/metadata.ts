/**
 * The metadata of a cairn.dev object, checked as the API server checks ObjectMeta
 * (k8s.io/apimachinery/pkg/api/validation/objectmeta.go) and as server-side apply types it: label keys and
 * values, annotation keys and total size, finalizers, and no field ObjectMeta does not have. The API server
 * reports these at the map or list (`metadata.labels`), naming the offending key or value in the message.
 */
import { isQualifiedName, isValidLabelValue } from './names.js';
import { describeValue, type FieldProblem, type Path } from './problems.js';
import { patterns } from './schema.js';

type Json = Record<string, unknown>;

/** TotalAnnotationSizeLimitB: the sum of the lengths of every annotation key and value, in bytes. */
export const totalAnnotationSizeLimit = 256 * 1024;

/**
 * ObjectMeta, closed: server-side apply rejects any other field (`.metadata.lables: field not declared in schema`).
 * Fields the API server sets or checks itself are accepted as they are.
 */
export const metadataSchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 253, pattern: patterns.dnsSubdomain },
    namespace: { type: 'string', minLength: 1, maxLength: 63, pattern: patterns.dnsLabel },
    // null is what YAML makes of `labels:` left empty; the API server accepts it. (It accepts a null label value
    // too, but what server-side apply then does with it is not obvious: refused here, write `""`.)
    labels: { type: 'object', nullable: true, additionalProperties: { type: 'string' } },
    annotations: { type: 'object', nullable: true, additionalProperties: { type: 'string' } },
    finalizers: { type: 'array', nullable: true, items: { type: 'string' } },
    generateName: {},
    selfLink: {},
    uid: {},
    resourceVersion: {},
    generation: {},
    creationTimestamp: {},
    deletionTimestamp: {},
    deletionGracePeriodSeconds: {},
    ownerReferences: {},
    managedFields: {},
  },
};

function isRecord(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const invalid = (path: Path, value: unknown, message: string): FieldProblem => ({ path, message: `Invalid value: ${describeValue(value)}: ${message}` });

/** Label keys are qualified names; values are empty or a short alphanumeric string (ValidateLabels). */
function checkLabels(labels: unknown): FieldProblem[] {
  if (!isRecord(labels)) return [];
  const path = ['metadata', 'labels'];
  const problems: FieldProblem[] = [];
  for (const [key, value] of Object.entries(labels)) {
    problems.push(...isQualifiedName(key).map((message) => invalid(path, key, message)));
    // A value of another type is the schema's to report.
    if (typeof value === 'string') problems.push(...isValidLabelValue(value).map((message) => invalid(path, value, message)));
  }
  return problems;
}

/** Annotation keys are qualified names in any case; keys and values together fit in 256 KiB (ValidateAnnotations). */
function checkAnnotations(annotations: unknown): FieldProblem[] {
  if (!isRecord(annotations)) return [];
  const path = ['metadata', 'annotations'];
  const problems: FieldProblem[] = [];
  let size = 0;
  for (const [key, value] of Object.entries(annotations)) {
    problems.push(...isQualifiedName(key.toLowerCase()).map((message) => invalid(path, key, message)));
    size += Buffer.byteLength(key, 'utf8') + (typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0);
  }
  if (size > totalAnnotationSizeLimit) problems.push({ path, message: `Too long: may not be more than ${totalAnnotationSizeLimit} bytes` });
  return problems;
}

/**
 * Finalizers are qualified names, not orphan and foregroundDeletion together (ValidateFinalizers), and each
 * appears once: server-side apply treats the list as a set.
 */
function checkFinalizers(finalizers: unknown): FieldProblem[] {
  if (!Array.isArray(finalizers)) return [];
  const path = ['metadata', 'finalizers'];
  const problems: FieldProblem[] = [];
  const seen = new Set<string>();
  finalizers.forEach((finalizer, i) => {
    if (typeof finalizer !== 'string') return;
    problems.push(...isQualifiedName(finalizer).map((message) => invalid(path, finalizer, message)));
    if (seen.has(finalizer)) problems.push({ path: [...path, i], message: `Duplicate value: ${describeValue(finalizer)}` });
    seen.add(finalizer);
  });
  if (seen.has('orphan') && seen.has('foregroundDeletion')) problems.push(invalid(path, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
  return problems;
}

/** The problems the API server finds in `metadata` beyond its schema: labels, annotations, finalizers. */
export function checkObjectMeta(metadata: unknown): FieldProblem[] {
  if (!isRecord(metadata)) return [];
  return [...checkLabels(metadata.labels), ...checkAnnotations(metadata.annotations), ...checkFinalizers(metadata.finalizers)];
}

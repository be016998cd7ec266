/**
 * TF Serving / KServe V1 predict: `{"instances": [...]}` (row format: one entry per row, or per row an object
 * keyed by input name) or `{"inputs": ...}` (columnar: the whole tensor, or an object keyed by input name),
 * answered with `{"predictions": [...]}`, one entry per row. Pure, like v2.ts.
 */
import { codecFor, type TensorMap } from './datatypes.js';
import { badRequest, quote, show } from './errors.js';
import { encodeNested } from './json-out.js';
import type { ModelSignature, TensorSpec } from './signature.js';
import { checkElements, checkShape, elementCount, fillNested, inferShape, type TensorLimits } from './tensor.js';
import { names, rowsOf, type InferRequest } from './v2.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A client's object key in a field path, cut short. */
function key(name: string): string {
  return name.length > 64 ? `${name.slice(0, 61)}...` : name;
}

/** Row format: every instance is one row; for a multi-input model each row is an object keyed by input name. */
function parseInstances(instances: unknown, signature: ModelSignature, limits: TensorLimits): TensorMap {
  if (!Array.isArray(instances) || instances.length === 0) throw badRequest('instances: expected a non-empty array of rows');
  const named = signature.inputs.length > 1 || isObject(instances[0]);
  const rowOf = (i: number, spec: TensorSpec): [unknown, string] => {
    const instance: unknown = instances[i];
    if (!named) return [instance, `instances[${i}]`];
    if (!isObject(instance)) {
      throw badRequest(`instances[${i}]: expected an object keyed by input name (${names(signature.inputs)})`);
    }
    if (!Object.hasOwn(instance, spec.name)) throw badRequest(`instances[${i}]: missing input "${spec.name}"`);
    return [instance[spec.name], `instances[${i}].${spec.name}`];
  };
  if (named) {
    for (let i = 0; i < instances.length; i++) {
      const instance: unknown = instances[i];
      if (!isObject(instance)) continue; // reported by rowOf with the right message
      const unknown = Object.keys(instance).find((k) => !signature.inputs.some((s) => s.name === k));
      if (unknown !== undefined) {
        throw badRequest(`instances[${i}].${key(unknown)}: the model has no input ${quote(unknown)}; its inputs are ${names(signature.inputs)}`);
      }
    }
  }
  const feeds: TensorMap = {};
  let total = 0;
  for (const spec of signature.inputs) {
    const [first, firstField] = rowOf(0, spec);
    const rowDims = inferShape(first);
    const dims = [instances.length, ...rowDims];
    checkShape(dims, spec, named ? `instances[*].${spec.name}` : 'instances');
    total += elementCount(dims);
    checkElements(total, limits, firstField);
    const codec = codecFor(spec.type, limits.allowNonFinite);
    const data = codec.alloc(elementCount(dims));
    let offset = 0;
    for (let i = 0; i < instances.length; i++) {
      const [row, field] = rowOf(i, spec);
      offset = fillNested(row, rowDims, codec, data, offset, field);
    }
    feeds[spec.name] = { type: spec.type, dims, data };
  }
  return feeds;
}

/** Columnar format: the whole tensor for a single-input model, or an object of tensors keyed by input name. */
function parseColumnar(inputs: unknown, signature: ModelSignature, limits: TensorLimits): TensorMap {
  const only = signature.inputs.length === 1 ? signature.inputs[0] : undefined;
  let byName: Record<string, unknown>;
  if (only && !isObject(inputs)) byName = { [only.name]: inputs };
  else if (isObject(inputs)) byName = inputs;
  else throw badRequest(`inputs: expected an object keyed by input name (${names(signature.inputs)})`);
  const unknown = Object.keys(byName).find((k) => !signature.inputs.some((s) => s.name === k));
  if (unknown !== undefined) throw badRequest(`inputs.${key(unknown)}: the model has no input ${quote(unknown)}; its inputs are ${names(signature.inputs)}`);
  const feeds: TensorMap = {};
  let total = 0;
  for (const spec of signature.inputs) {
    const field = only && !isObject(inputs) ? 'inputs' : `inputs.${spec.name}`;
    if (!Object.hasOwn(byName, spec.name)) throw badRequest(`inputs: missing input "${spec.name}"`);
    const value = byName[spec.name];
    const dims = inferShape(value);
    checkShape(dims, spec, field);
    total += elementCount(dims);
    checkElements(total, limits, field);
    const codec = codecFor(spec.type, limits.allowNonFinite);
    const data = codec.alloc(elementCount(dims));
    fillNested(value, dims, codec, data, 0, field);
    feeds[spec.name] = { type: spec.type, dims, data };
  }
  return feeds;
}

/** The one signature a served ONNX model has, under TF Serving's default name. */
export const SIGNATURE_NAME = 'serving_default';

/** Parses and validates a V1 predict body against the model's signature. */
export function parseV1Request(body: unknown, signature: ModelSignature, limits: TensorLimits): InferRequest {
  if (!isObject(body)) throw badRequest('body: expected a JSON object with "instances" or "inputs"');
  const signatureName = body.signature_name;
  if (signatureName !== undefined && signatureName !== SIGNATURE_NAME) {
    throw badRequest(`signature_name: the model has one signature, "${SIGNATURE_NAME}"; got ${show(signatureName)}`);
  }
  const hasInstances = body.instances !== undefined;
  const hasInputs = body.inputs !== undefined;
  if (hasInstances === hasInputs) throw badRequest('body: expected exactly one of "instances" (rows) or "inputs" (columns)');
  const feeds = hasInstances ? parseInstances(body.instances, signature, limits) : parseColumnar(body.inputs, signature, limits);
  return { feeds, rows: rowsOf(feeds), ...(hasInputs ? { columnar: true } : {}) };
}

/** TF Serving's names of the element types (`DT_FLOAT`...). */
const TF_DTYPES: Record<string, string> = {
  float32: 'DT_FLOAT',
  float64: 'DT_DOUBLE',
  int8: 'DT_INT8',
  uint8: 'DT_UINT8',
  int16: 'DT_INT16',
  uint16: 'DT_UINT16',
  int32: 'DT_INT32',
  uint32: 'DT_UINT32',
  int64: 'DT_INT64',
  uint64: 'DT_UINT64',
  bool: 'DT_BOOL',
  string: 'DT_STRING',
};

function tensorInfo(spec: TensorSpec) {
  return { dtype: TF_DTYPES[spec.type], tensor_shape: { dim: spec.shape.map((size) => ({ size: String(size), name: '' })), unknown_rank: false }, name: spec.name };
}

/**
 * TF Serving's `GET /v1/models/{name}/metadata`: the model spec and its one signature (`serving_default`, a
 * predict signature) with TF's dtype names and string sizes (-1 for a dynamic dimension), as TF Serving answers.
 */
export function v1Metadata(name: string, version: string, signature: ModelSignature): unknown {
  const byName = (specs: TensorSpec[]) => Object.fromEntries(specs.map((s) => [s.name, tensorInfo(s)]));
  return {
    model_spec: { name, signature_name: '', version },
    metadata: {
      signature_def: {
        signature_def: {
          [SIGNATURE_NAME]: { inputs: byName(signature.inputs), outputs: byName(signature.outputs), method_name: 'tensorflow/serving/predict' },
        },
      },
    },
  };
}

function stride(dims: readonly number[]): number {
  let n = 1;
  for (let d = 1; d < dims.length; d++) n *= dims[d] as number;
  return n;
}

/**
 * The response in the request's format, as TF Serving answers:
 * - rows (`instances`): `{"predictions": [...]}`, one entry per row of the request; a row is the output's row,
 *   or for a model with several outputs an object keyed by output name. An output that does not have one row
 *   per request row (a reduction) is returned whole, as the single prediction.
 * - columns (`inputs`): `{"outputs": tensor}` for one output, `{"outputs": {"name": tensor, ...}}` for several.
 */
export function v1Response(outputs: TensorMap, signature: ModelSignature, rows: number, columnar = false): string {
  const specs = signature.outputs.filter((s) => outputs[s.name] !== undefined);
  if (columnar) {
    const whole = (spec: TensorSpec) => encodeNested(outputs[spec.name]!, outputs[spec.name]!.dims);
    if (specs.length === 1) return `{"outputs":${whole(specs[0]!)}}`;
    return `{"outputs":{${specs.map((s) => `${JSON.stringify(s.name)}:${whole(s)}`).join(',')}}}`;
  }
  const perRow = rows >= 0 && specs.every((s) => outputs[s.name]?.dims[0] === rows);
  const entry = (spec: TensorSpec, row: number): string => {
    const value = outputs[spec.name]!;
    if (!perRow) return encodeNested(value, value.dims);
    return encodeNested(value, value.dims.slice(1), row * stride(value.dims));
  };
  const count = perRow ? rows : 1;
  const predictions: string[] = [];
  for (let r = 0; r < count; r++) {
    if (specs.length === 1) predictions.push(entry(specs[0]!, r));
    else predictions.push(`{${specs.map((s) => `${JSON.stringify(s.name)}:${entry(s, r)}`).join(',')}}`);
  }
  return `{"predictions":[${predictions.join(',')}]}`;
}

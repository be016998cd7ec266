/**
 * Open Inference Protocol (KServe V2, Triton) infer request parsing and response writing. Pure: JSON in,
 * tensors out, with errors that name the field.
 */
import { codecFor, type TensorMap, type TensorValue } from './datatypes.js';
import { badRequest, quote, show } from './errors.js';
import { encodeElements } from './json-out.js';
import type { ModelSignature } from './signature.js';
import { checkElements, checkShape, elementCount, fillV2Data, parseShape, type TensorLimits } from './tensor.js';

/** A validated inference request, whatever protocol it came in. */
export interface InferRequest {
  id?: string;
  feeds: TensorMap;
  /**
   * Rows along the first dimension when every input has rank >= 1 and the same first dimension (the request
   * can merge into a batch), else -1.
   */
  rows: number;
  /** Outputs the client asked for (V2 `outputs`); all when undefined. */
  outputs?: string[];
  /** A V1 request in the columnar format (`inputs`), answered as `outputs` rather than `predictions`. */
  columnar?: boolean;
  /** True once the client has gone (batcher.ts drops the request instead of running it). */
  abandoned?(): boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Rows of a request (see InferRequest.rows). */
export function rowsOf(feeds: TensorMap): number {
  let rows = -1;
  for (const value of Object.values(feeds)) {
    const first = value.dims[0];
    if (first === undefined) return -1;
    if (rows === -1) rows = first;
    else if (rows !== first) return -1;
  }
  return rows;
}

export function names(list: readonly { name: string }[]): string {
  return list.map((s) => s.name).join(', ');
}

function parseInputs(body: Record<string, unknown>, signature: ModelSignature, limits: TensorLimits): TensorMap {
  const inputs = body.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw badRequest(`inputs: expected a non-empty array of input tensors (the model takes ${names(signature.inputs)})`);
  }
  const feeds: TensorMap = {};
  let total = 0;
  for (let i = 0; i < inputs.length; i++) {
    const field = `inputs[${i}]`;
    const input: unknown = inputs[i];
    if (!isObject(input)) throw badRequest(`${field}: expected an object with name, shape, datatype and data`);
    const name = input.name;
    if (typeof name !== 'string') throw badRequest(`${field}.name: expected a string`);
    const spec = signature.inputs.find((s) => s.name === name);
    if (!spec) throw badRequest(`${field}.name: the model has no input ${quote(name)}; its inputs are ${names(signature.inputs)}`);
    if (Object.hasOwn(feeds, name)) throw badRequest(`${field}.name: input "${name}" is given twice`);
    if (input.datatype !== spec.datatype) {
      throw badRequest(`${field}.datatype: input "${name}" is ${spec.datatype}, got ${input.datatype === undefined ? 'nothing' : show(input.datatype)}`);
    }
    const shape = parseShape(input.shape, `${field}.shape`);
    checkShape(shape, spec, `${field}.shape`);
    total += elementCount(shape);
    checkElements(total, limits, `${field}.shape`);
    if (input.data === undefined) throw badRequest(`${field}.data: missing (binary tensor data is not supported)`);
    const data = fillV2Data(input.data, shape, codecFor(spec.type, limits.allowNonFinite), `${field}.data`);
    feeds[name] = { type: spec.type, dims: shape, data };
  }
  const missing = signature.inputs.filter((s) => !Object.hasOwn(feeds, s.name));
  if (missing.length > 0) throw badRequest(`inputs: missing input ${missing.map((s) => `"${s.name}"`).join(', ')}`);
  return feeds;
}

function parseRequestedOutputs(value: unknown, signature: ModelSignature): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw badRequest('outputs: expected an array of {"name": ...}');
  return value.map((o: unknown, i) => {
    const name = isObject(o) ? o.name : undefined;
    if (typeof name !== 'string') throw badRequest(`outputs[${i}].name: expected a string`);
    if (!signature.outputs.some((s) => s.name === name)) {
      throw badRequest(`outputs[${i}].name: the model has no output ${quote(name)}; its outputs are ${names(signature.outputs)}`);
    }
    return name;
  });
}

/** Parses and validates a V2 infer request body against the model's signature. */
export function parseV2Request(body: unknown, signature: ModelSignature, limits: TensorLimits): InferRequest {
  if (!isObject(body)) throw badRequest('body: expected a JSON object with "inputs"');
  if (body.id !== undefined && typeof body.id !== 'string') throw badRequest('id: expected a string');
  const feeds = parseInputs(body, signature, limits);
  const request: InferRequest = { feeds, rows: rowsOf(feeds) };
  if (typeof body.id === 'string') request.id = body.id;
  const outputs = parseRequestedOutputs(body.outputs, signature);
  if (outputs) request.outputs = outputs;
  return request;
}

/** JSON string literals of the names a response repeats (model, version, output names): a small bounded cache. */
const quotedNames = new Map<string, string>();

function quoted(name: string): string {
  let text = quotedNames.get(name);
  if (text === undefined) {
    text = JSON.stringify(name);
    if (quotedNames.size < 256) quotedNames.set(name, text);
  }
  return text;
}

function outputJson(name: string, value: TensorValue, datatype: string): string {
  const shape = value.dims.length === 2 ? `${value.dims[0]},${value.dims[1]}` : value.dims.join(',');
  return `{"name":${quoted(name)},"datatype":"${datatype}","shape":[${shape}],"data":${encodeElements(value)}}`;
}

/** The V2 infer response body. Outputs keep the signature's order; `requested` filters them. */
export function v2Response(
  model: string,
  version: string,
  request: Pick<InferRequest, 'id' | 'outputs'>,
  outputs: TensorMap,
  signature: ModelSignature,
): string {
  let parts = '';
  for (const spec of signature.outputs) {
    const value = outputs[spec.name];
    if (value === undefined || (request.outputs && !request.outputs.includes(spec.name))) continue;
    parts += (parts === '' ? '' : ',') + outputJson(spec.name, value, spec.datatype);
  }
  const id = request.id === undefined ? '' : `,"id":${JSON.stringify(request.id)}`;
  return `{"model_name":${quoted(model)},"model_version":${quoted(version)}${id},"outputs":[${parts}]}`;
}

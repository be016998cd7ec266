/**
 * Open Inference Protocol (KServe V2, Triton) infer request parsing and response writing. Pure: JSON in,
 * tensors out, with errors that name the field. Triton's binary tensor data extension: an input with
 * `parameters.binary_data_size` takes its elements from the raw bytes after the JSON header (raw-tensor.ts), in
 * the order of the inputs; an output is answered as raw bytes when it asks for `parameters.binary_data` or the
 * request for `parameters.binary_data_output` (tritonclient's defaults).
 */
import { codecFor, type TensorMap, type TensorValue } from './datatypes.js';
import { badRequest, quote, show } from './errors.js';
import { encodeElements } from './json-out.js';
import { decodeRawTensor, encodeRawTensor } from './raw-tensor.js';
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
  /** Outputs answered as raw bytes after the JSON header (Triton's binary tensor data extension). */
  binaryOutputs?: string[];
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

/** The raw bytes after the JSON header, taken input by input. */
class BinaryPart {
  offset = 0;
  constructor(
    readonly bytes: Uint8Array,
    /** The field a client sees for input i's bytes (gRPC: raw_input_contents[i]). */
    readonly field?: (input: number) => string,
  ) {}
}

/** `parameters.binary_data_size` of an input, or undefined; 400 when it is not a size. */
function binarySize(input: Record<string, unknown>, field: string): number | undefined {
  const parameters = input.parameters;
  if (parameters === undefined) return undefined;
  if (!isObject(parameters)) throw badRequest(`${field}.parameters: expected an object, got ${show(parameters)}`);
  const size = parameters.binary_data_size;
  if (size === undefined) return undefined;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw badRequest(`${field}.parameters.binary_data_size: expected a non-negative integer, got ${show(size)}`);
  }
  return size;
}

function parseInputs(body: Record<string, unknown>, signature: ModelSignature, limits: TensorLimits, binary: BinaryPart | undefined): TensorMap {
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
    const size = binarySize(input, field);
    if (size !== undefined) {
      const sizeField = binary?.field?.(i) ?? `${field}.parameters.binary_data_size`;
      if (input.data !== undefined) throw badRequest(`${field}.data: given with ${sizeField}; send one or the other`);
      if (!binary) throw badRequest(`${sizeField}: given, but the request has no binary part (no Inference-Header-Content-Length header)`);
      const left = binary.bytes.length - binary.offset;
      if (size > left) throw badRequest(`${sizeField}: ${size} bytes, but only ${left} bytes of binary data remain after the inputs before it`);
      const bytes = binary.bytes.subarray(binary.offset, binary.offset + size);
      binary.offset += size;
      const what = `input "${name}" of shape [${shape.join(',')}] ${spec.datatype}`;
      const data = decodeRawTensor(bytes, spec.type, elementCount(shape), sizeField, limits.allowNonFinite, what);
      feeds[name] = { type: spec.type, dims: shape, data };
      continue;
    }
    if (input.data === undefined) throw badRequest(`${field}.data: missing (send "data", or parameters.binary_data_size with the binary tensor extension)`);
    const data = fillV2Data(input.data, shape, codecFor(spec.type, limits.allowNonFinite), `${field}.data`);
    feeds[name] = { type: spec.type, dims: shape, data };
  }
  const missing = signature.inputs.filter((s) => !Object.hasOwn(feeds, s.name));
  if (missing.length > 0) throw badRequest(`inputs: missing input ${missing.map((s) => `"${s.name}"`).join(', ')}`);
  if (binary && binary.offset !== binary.bytes.length) {
    throw badRequest(
      `body: ${binary.bytes.length} bytes of binary data follow the JSON header (Inference-Header-Content-Length), but the inputs' ` +
        `parameters.binary_data_size add up to ${binary.offset}`,
    );
  }
  return feeds;
}

/** A boolean parameter (`binary_data`, `binary_data_output`), or undefined when absent. */
function flag(parameters: unknown, key: string, field: string): boolean | undefined {
  if (parameters === undefined) return undefined;
  if (!isObject(parameters)) throw badRequest(`${field}: expected an object, got ${show(parameters)}`);
  const value = parameters[key];
  if (value === undefined || typeof value === 'boolean') return value;
  throw badRequest(`${field}.${key}: expected true or false, got ${show(value)}`);
}

interface RequestedOutputs {
  names?: string[];
  /** Outputs asked for as raw bytes. */
  binary: string[];
}

function parseRequestedOutputs(value: unknown, signature: ModelSignature, binaryByDefault: boolean): RequestedOutputs {
  if (value === undefined) return { binary: binaryByDefault ? signature.outputs.map((s) => s.name) : [] };
  if (!Array.isArray(value)) throw badRequest('outputs: expected an array of {"name": ...}');
  const binary: string[] = [];
  const requested = value.map((o: unknown, i) => {
    const name = isObject(o) ? o.name : undefined;
    if (typeof name !== 'string') throw badRequest(`outputs[${i}].name: expected a string`);
    if (!signature.outputs.some((s) => s.name === name)) {
      throw badRequest(`outputs[${i}].name: the model has no output ${quote(name)}; its outputs are ${names(signature.outputs)}`);
    }
    if (flag((o as Record<string, unknown>).parameters, 'binary_data', `outputs[${i}].parameters`) ?? binaryByDefault) binary.push(name);
    return name;
  });
  return { names: requested, binary };
}

/**
 * Parses and validates a V2 infer request body against the model's signature. `binary` is the raw part after
 * the JSON header (Triton's binary tensor data extension), when the request has one.
 */
export function parseV2Request(
  body: unknown,
  signature: ModelSignature,
  limits: TensorLimits,
  binary?: Uint8Array,
  binaryField?: (input: number) => string,
): InferRequest {
  if (!isObject(body)) throw badRequest('body: expected a JSON object with "inputs"');
  if (body.id !== undefined && typeof body.id !== 'string') throw badRequest('id: expected a string');
  const feeds = parseInputs(body, signature, limits, binary ? new BinaryPart(binary, binaryField) : undefined);
  const request: InferRequest = { feeds, rows: rowsOf(feeds) };
  if (typeof body.id === 'string') request.id = body.id;
  const binaryByDefault = flag(body.parameters, 'binary_data_output', 'parameters') ?? false;
  const outputs = parseRequestedOutputs(body.outputs, signature, binaryByDefault);
  if (outputs.names) request.outputs = outputs.names;
  if (outputs.binary.length > 0) request.binaryOutputs = outputs.binary;
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

function binaryOutputJson(name: string, value: TensorValue, datatype: string, size: number): string {
  return `{"name":${quoted(name)},"datatype":"${datatype}","shape":[${value.dims.join(',')}],"parameters":{"binary_data_size":${size}}}`;
}

/** A response with outputs as raw bytes: the JSON header's length (Inference-Header-Content-Length) and the body. */
export interface BinaryResponse {
  headerLength: number;
  body: Buffer;
}

/**
 * The V2 infer response body. Outputs keep the signature's order; `requested` filters them. When some are asked
 * for as raw bytes (binaryOutputs), the body is the JSON header followed by their bytes in the same order.
 */
export function v2Response(
  model: string,
  version: string,
  request: Pick<InferRequest, 'id' | 'outputs' | 'binaryOutputs'>,
  outputs: TensorMap,
  signature: ModelSignature,
): string | BinaryResponse {
  let parts = '';
  const raw: Uint8Array[] = [];
  for (const spec of signature.outputs) {
    const value = outputs[spec.name];
    if (value === undefined || (request.outputs && !request.outputs.includes(spec.name))) continue;
    let json: string;
    if (request.binaryOutputs?.includes(spec.name)) {
      const bytes = encodeRawTensor(value);
      raw.push(bytes);
      json = binaryOutputJson(spec.name, value, spec.datatype, bytes.length);
    } else json = outputJson(spec.name, value, spec.datatype);
    parts += (parts === '' ? '' : ',') + json;
  }
  const id = request.id === undefined ? '' : `,"id":${JSON.stringify(request.id)}`;
  const json = `{"model_name":${quoted(model)},"model_version":${quoted(version)}${id},"outputs":[${parts}]}`;
  if (raw.length === 0) return json;
  const header = Buffer.from(json, 'utf8');
  return { headerLength: header.length, body: Buffer.concat([header, ...raw]) };
}

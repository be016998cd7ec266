/**
 * A model's signature: the names, element types and shapes of its inputs and outputs, read from ONNX Runtime's
 * session metadata. Dynamic dimensions (symbolic like "N", or unnamed) are -1, as the V2 metadata reports them.
 */
import { allocData, datatypeOf, isFloat, type Datatype, type OrtType, type TensorData, type TensorMap } from './datatypes.js';

export interface TensorSpec {
  name: string;
  type: OrtType;
  datatype: Datatype;
  /** -1 for a dynamic dimension. */
  shape: number[];
}

export interface ModelSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** What ONNX Runtime tells about one input or output (InferenceSession.ValueMetadata). */
export interface ValueMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

function specOf(meta: ValueMetadata, kind: 'input' | 'output'): TensorSpec {
  if (!meta.isTensor || meta.type === undefined) {
    throw new Error(`${kind} "${meta.name}" is not a tensor (sequences and maps are not supported)`);
  }
  const datatype = datatypeOf(meta.type);
  if (datatype === undefined) throw new Error(`${kind} "${meta.name}" has element type ${meta.type}, which cairn serve does not support`);
  const shape = (meta.shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
  return { name: meta.name, type: meta.type as OrtType, datatype, shape };
}

/** Builds the signature from session metadata; throws naming the input or output it cannot serve. */
export function signatureOf(session: { inputMetadata: readonly ValueMetadata[]; outputMetadata: readonly ValueMetadata[] }): ModelSignature {
  return {
    inputs: session.inputMetadata.map((m) => specOf(m, 'input')),
    outputs: session.outputMetadata.map((m) => specOf(m, 'output')),
  };
}

/**
 * Whether requests can be merged along the first dimension: every input and output has a dynamic first
 * dimension. (The model loader also checks with a probe run that outputs really scale with the batch.)
 */
export function mayBatch(signature: ModelSignature): boolean {
  const dynamicFirst = (s: TensorSpec) => s.shape.length >= 1 && s.shape[0] === -1;
  return signature.inputs.length > 0 && signature.inputs.every(dynamicFirst) && signature.outputs.every(dynamicFirst);
}

/** The V2 model metadata response body. */
export function v2Metadata(name: string, version: string, signature: ModelSignature): object {
  const tensor = (s: TensorSpec) => ({ name: s.name, datatype: s.datatype, shape: s.shape });
  return {
    name,
    versions: [version],
    platform: 'onnxruntime_onnx',
    inputs: signature.inputs.map(tensor),
    outputs: signature.outputs.map(tensor),
  };
}

/** Array.prototype.fill and TypedArray.prototype.fill, with the value rowValue chose for the element type. */
type Fillable = { fill(value: number | bigint | string, start: number, end: number): unknown };

/** Fills the synthetic rows with values that differ from row to row instead of zeros (the batching probe). */
export interface DistinctRows {
  /** Row r of the feeds gets the values of row `firstRow + r` (see rowValue). */
  firstRow: number;
}

/** The value of every element of row `r`: (r+1)*0.25 for floats, r+1 for integers, r odd for bool, "r" for strings. */
function rowValue(type: OrtType, r: number): number | bigint | string {
  if (isFloat(type)) return (r + 1) * 0.25;
  if (type === 'int64' || type === 'uint64') return BigInt(r + 1);
  if (type === 'bool') return r % 2;
  if (type === 'string') return String(r);
  return r + 1;
}

/**
 * Zeros (false, "") for every input, dynamic dimensions set to `rows` (first) and 1 (others); with `distinct`,
 * each row is filled with its own rowValue instead.
 */
export function syntheticFeeds(signature: ModelSignature, rows: number, distinct?: DistinctRows): TensorMap {
  const feeds: TensorMap = {};
  for (const spec of signature.inputs) {
    const dims = spec.shape.map((d, i) => (d !== -1 ? d : i === 0 ? rows : 1));
    const length = dims.reduce((a, b) => a * b, 1);
    const data = allocData(spec.type, length) as TensorData & Fillable;
    const n = dims[0] ?? 1;
    if (distinct && n > 0) {
      const perRow = length / n;
      for (let r = 0; r < n; r++) data.fill(rowValue(spec.type, distinct.firstRow + r), r * perRow, (r + 1) * perRow);
    }
    feeds[spec.name] = { type: spec.type, dims, data };
  }
  return feeds;
}

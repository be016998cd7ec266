/**
 * Shadow agreement, pure: the primary's outputs of one request beside the shadow's answer to its copy. The
 * shadow's answer is read in whatever shape it came (V2 JSON, V2 with Triton binary outputs, V1 rows or columns)
 * and flattened per output name; numbers agree within an absolute tolerance, strings and booleans only when
 * equal. A request agrees when every element of every output the primary answered agrees. An answer that
 * cannot be lined up with the primary's (an error, a missing output, another element count) is incomparable:
 * counted apart, so a shadow that fails is never read as one that disagrees.
 */
import { ortTypeOf, type TensorMap } from './datatypes.js';
import { decodeRawTensor } from './raw-tensor.js';

/** One output's elements, row-major. */
export type FlatOutput = ReadonlyArray<number | string | boolean>;

/** The primary's answer to one request, as the mirror keeps it to compare. */
export interface PrimaryAnswer {
  protocol: 'v1' | 'v2';
  outputs: ReadonlyMap<string, FlatOutput>;
}

export type Comparison =
  | { result: 'agree' | 'disagree'; /** Sum of |primary - shadow| over the numeric elements. */ absDifference: number; numericElements: number }
  | { result: 'incomparable'; reason: string };

function element(value: unknown): number | string | boolean {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  throw new Error(`an element is ${value === null ? 'null' : typeof value}`);
}

/** The primary's outputs, flattened (int64 as numbers: a difference of 2^-53 relative is not a disagreement). */
export function flattenOutputs(outputs: TensorMap, only?: readonly string[]): Map<string, FlatOutput> {
  const flat = new Map<string, FlatOutput>();
  for (const [name, value] of Object.entries(outputs)) {
    if (only && !only.includes(name)) continue;
    const data = value.data;
    flat.set(name, value.type === 'bool' ? Array.from(data as Uint8Array, (b) => b !== 0) : Array.from(data as ArrayLike<unknown>, element));
  }
  return flat;
}

function flattenNested(value: unknown, into: Array<number | string | boolean>): void {
  if (Array.isArray(value)) for (const v of value) flattenNested(v, into);
  else into.push(element(value));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function v2Outputs(header: Record<string, unknown>, binary: Uint8Array | undefined): Map<string, FlatOutput> {
  const outputs = header.outputs;
  if (!Array.isArray(outputs)) throw new Error('the answer has no outputs list');
  const flat = new Map<string, FlatOutput>();
  let at = 0;
  for (const output of outputs) {
    if (!isObject(output) || typeof output.name !== 'string') throw new Error('an output has no name');
    const size = isObject(output.parameters) ? output.parameters.binary_data_size : undefined;
    if (typeof size === 'number') {
      const type = ortTypeOf(String(output.datatype));
      const shape = Array.isArray(output.shape) ? (output.shape as unknown[]).map(Number) : [];
      if (!type || !binary || at + size > binary.length) throw new Error(`output ${output.name}: binary data that cannot be read`);
      const data = decodeRawTensor(binary.subarray(at, at + size), type, shape.reduce((a, b) => a * b, 1), `outputs.${output.name}`, true, 'the shadow output');
      at += size;
      flat.set(output.name, type === 'bool' ? Array.from(data as Uint8Array, (b) => b !== 0) : Array.from(data as ArrayLike<unknown>, element));
    } else {
      const values: Array<number | string | boolean> = [];
      flattenNested(output.data, values);
      flat.set(output.name, values);
    }
  }
  return flat;
}

/** V1 rows (`predictions`) or columns (`outputs`): objects keyed by output name, or the single output's values. */
function v1Outputs(body: Record<string, unknown>, names: readonly string[]): Map<string, FlatOutput> {
  const flat = new Map<string, Array<number | string | boolean>>();
  const add = (name: string, value: unknown) => {
    const list = flat.get(name) ?? [];
    flattenNested(value, list);
    flat.set(name, list);
  };
  const single = names.length === 1 ? names[0] : undefined;
  if (Array.isArray(body.predictions)) {
    for (const row of body.predictions) {
      if (isObject(row)) for (const [name, value] of Object.entries(row)) add(name, value);
      else if (single !== undefined) add(single, row);
      else throw new Error('a row is not keyed by output name although the model has several outputs');
    }
  } else if (body.outputs !== undefined) {
    if (isObject(body.outputs)) for (const [name, value] of Object.entries(body.outputs)) add(name, value);
    else if (single !== undefined) add(single, body.outputs);
    else throw new Error('the outputs are not keyed by output name although the model has several outputs');
  } else throw new Error('the answer has neither predictions nor outputs');
  return flat;
}

/**
 * The shadow's outputs from its answer: `headerLength` is its Inference-Header-Content-Length (binary outputs
 * follow the JSON header). Throws, with the reason, when the answer is not an inference answer.
 */
export function shadowOutputs(body: Buffer, headerLength: number | undefined, primary: PrimaryAnswer): Map<string, FlatOutput> {
  const jsonBytes = headerLength === undefined ? body : body.subarray(0, headerLength);
  let parsed: unknown;
  try {
    parsed = JSON.parse(jsonBytes.toString('utf8'));
  } catch {
    throw new Error('the answer is not JSON');
  }
  if (!isObject(parsed)) throw new Error('the answer is not a JSON object');
  if (primary.protocol === 'v1') return v1Outputs(parsed, [...primary.outputs.keys()]);
  return v2Outputs(parsed, headerLength === undefined ? undefined : body.subarray(headerLength));
}

/** Compares every output the primary answered with the shadow's; `tolerance` is absolute, for numbers. */
export function compareOutputs(primary: ReadonlyMap<string, FlatOutput>, shadow: ReadonlyMap<string, FlatOutput>, tolerance: number): Comparison {
  let absDifference = 0;
  let numericElements = 0;
  let agree = true;
  for (const [name, mine] of primary) {
    const theirs = shadow.get(name);
    if (theirs === undefined) return { result: 'incomparable', reason: `the shadow did not answer output ${name}` };
    if (theirs.length !== mine.length) return { result: 'incomparable', reason: `output ${name}: ${mine.length} elements, the shadow answered ${theirs.length}` };
    for (let i = 0; i < mine.length; i++) {
      const a = mine[i];
      const b = theirs[i];
      if (typeof a === 'number' && typeof b === 'number') {
        const difference = Math.abs(a - b);
        // NaN on either side, or a difference that overflows, is a disagreement that adds nothing to the mean.
        if (Number.isFinite(difference)) {
          absDifference += difference;
          numericElements += 1;
        }
        // A few ulps of slack: 3 - 2.9 is 0.10000000000000009, and a tolerance of 0.1 should hold it.
        if (!(difference <= tolerance + 4 * Number.EPSILON * Math.max(Math.abs(a), Math.abs(b)))) agree = false;
      } else if (a !== b) agree = false;
    }
  }
  return { result: agree ? 'agree' : 'disagree', absDifference, numericElements };
}

/** One request's verdict from the raw answer; an unreadable answer is incomparable with the reason. */
export function compareAnswer(primary: PrimaryAnswer, body: Buffer, headerLength: number | undefined, tolerance: number): Comparison {
  let shadow: Map<string, FlatOutput>;
  try {
    shadow = shadowOutputs(body, headerLength, primary);
  } catch (err) {
    return { result: 'incomparable', reason: (err as Error).message };
  }
  return compareOutputs(primary.outputs, shadow, tolerance);
}

/**
 * Pure tensor building from JSON: shape checks against the model's signature, and filling a typed array from
 * row-major data that is flat or nested. Every error names the field (`inputs[0].data[1][2]`).
 */
import { badRequest, show } from './errors.js';
import type { Codec, TensorData } from './datatypes.js';
import type { TensorSpec } from './signature.js';

export interface TensorLimits {
  /** Most elements one request may carry across all its inputs. */
  maxElements: number;
  /** Let FP32/FP64 inputs carry NaN and ±Infinity. */
  allowNonFinite: boolean;
}

/** Dimensions shown in a message before the rest is elided (a client may send a shape of a million). */
const SHOWN_DIMS = 12;

function formatShape(shape: readonly number[]): string {
  if (shape.length <= SHOWN_DIMS) return `[${shape.join(',')}]`;
  return `[${shape.slice(0, SHOWN_DIMS).join(',')},... (${shape.length} dimensions)]`;
}

/** Number of elements of a shape, or Infinity when it exceeds what a request may hold. */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return Number.isSafeInteger(n) ? n : Infinity;
}

/**
 * Checks a shape (from a V2 request's `shape`, or inferred from nested V1 data) against the model's: same rank,
 * equal fixed dimensions. `field` names where the shape came from.
 */
export function checkShape(shape: readonly number[], spec: TensorSpec, field: string): void {
  if (shape.length !== spec.shape.length) {
    throw badRequest(
      `${field}: input "${spec.name}" needs rank ${spec.shape.length} ${formatShape(spec.shape)}, got ${formatShape(shape)}`,
    );
  }
  for (let d = 0; d < shape.length; d++) {
    const want = spec.shape[d] as number;
    if (want !== -1 && shape[d] !== want) {
      throw badRequest(
        `${field}: dimension ${d} of input "${spec.name}" must be ${want} ${formatShape(spec.shape)}, got ${formatShape(shape)}`,
      );
    }
  }
}

/** Parses a V2 `shape` field: an array of non-negative integers. */
export function parseShape(value: unknown, field: string): number[] {
  if (!Array.isArray(value)) throw badRequest(`${field}: expected an array of dimensions, got ${typeof value}`);
  for (let i = 0; i < value.length; i++) {
    const d: unknown = value[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw badRequest(`${field}[${i}]: expected a non-negative integer dimension, got ${show(d)}`);
    }
  }
  return value as number[];
}

function path(field: string, indices: number[], depth: number): string {
  let out = field;
  for (let i = 0; i < depth; i++) out += `[${indices[i]}]`;
  return out;
}

/**
 * Fills `target` from `offset` with nested arrays that must match `dims` exactly (rectangular), element by
 * element through `codec`. Returns the next offset.
 */
export function fillNested(
  value: unknown,
  dims: readonly number[],
  codec: Codec,
  target: TensorData,
  offset: number,
  field: string,
): number {
  const indices: number[] = new Array<number>(dims.length).fill(0);
  const walk = (node: unknown, depth: number, at: number): number => {
    if (depth === dims.length) {
      const problem = codec.write(target, at, node);
      if (problem !== undefined) throw badRequest(`${path(field, indices, depth)}: ${problem}`);
      return at + 1;
    }
    if (!Array.isArray(node)) {
      throw badRequest(`${path(field, indices, depth)}: expected an array of ${dims[depth]}, got ${describeNode(node)}`);
    }
    if (node.length !== dims[depth]) {
      throw badRequest(`${path(field, indices, depth)}: expected ${dims[depth]} elements, got ${node.length} (ragged or wrong shape)`);
    }
    for (let i = 0; i < node.length; i++) {
      indices[depth] = i;
      at = walk(node[i], depth + 1, at);
    }
    return at;
  };
  return walk(value, 0, offset);
}

function describeNode(node: unknown): string {
  if (node === null) return 'null';
  if (typeof node === 'object') return 'an object';
  return `${typeof node} ${show(node)}`;
}

/**
 * Fills a new typed array from V2 `data`: flat row-major with exactly prod(shape) elements, or nested to match
 * `shape`. `field` is the data field (`inputs[0].data`).
 */
export function fillV2Data(data: unknown, shape: readonly number[], codec: Codec, field: string): TensorData {
  if (!Array.isArray(data)) throw badRequest(`${field}: expected an array, got ${describeNode(data)}`);
  const count = elementCount(shape);
  const target = codec.alloc(count);
  const flat = shape.length <= 1 || data.length === 0 || !Array.isArray(data[0]);
  if (flat) {
    if (data.length !== count) {
      throw badRequest(`${field}: has ${data.length} elements but shape ${formatShape(shape)} needs ${count}`);
    }
    for (let i = 0; i < count; i++) {
      const problem = codec.write(target, i, data[i]);
      if (problem !== undefined) throw badRequest(`${field}[${i}]: ${problem}`);
    }
    return target;
  }
  fillNested(data, shape, codec, target, 0, field);
  return target;
}

/**
 * The shape of nested JSON arrays, following first elements (`[[1,2],[3,4]]` -> [2,2]). Raggedness is caught
 * later by fillNested, which checks every level against this shape.
 */
export function inferShape(value: unknown): number[] {
  const dims: number[] = [];
  let node = value;
  while (Array.isArray(node)) {
    dims.push(node.length);
    if (node.length === 0) break;
    node = node[0];
  }
  return dims;
}

/** Throws when a request's total elements exceed the limit; `field` names the offending input. */
export function checkElements(total: number, limits: TensorLimits, field: string): void {
  if (total > limits.maxElements) {
    throw badRequest(`${field}: the request has ${total === Infinity ? 'too many' : total} elements; the limit is ${limits.maxElements}`);
  }
}

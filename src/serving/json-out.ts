/**
 * Tensor data to JSON text, written by hand: INT64 keeps every digit (JSON.stringify cannot write a bigint),
 * BOOL is true/false, and a non-finite float (a model may produce NaN) is written as the string "NaN",
 * "Infinity" or "-Infinity": the body stays JSON that every client parses, the three stay distinguishable, and
 * they are the strings `--allow-nan` accepts on input.
 */
import type { TensorData, TensorValue } from './datatypes.js';

function floatsHaveNonFinite(data: Float32Array | Float64Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!Number.isFinite(data[i] as number)) return true;
  return false;
}

/** The elements `start..end` of `data` as a JSON array. */
export function encodeFlat(data: TensorData, start = 0, end = data.length): string {
  if (Array.isArray(data)) return JSON.stringify(start === 0 && end === data.length ? data : data.slice(start, end));
  if (data instanceof Float32Array || data instanceof Float64Array) {
    if (floatsHaveNonFinite(data, start, end)) {
      const parts: string[] = [];
      for (let i = start; i < end; i++) {
        const v = data[i] as number;
        parts.push(Number.isFinite(v) ? String(v) : Number.isNaN(v) ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"');
      }
      return `[${parts.join(',')}]`;
    }
  }
  const view = start === 0 && end === data.length ? data : data.subarray(start, end);
  return `[${view.join(',')}]`;
}

/** Like encodeFlat, but a BOOL tensor (Uint8Array of 0/1) is written as true/false. */
export function encodeElements(value: TensorValue, start = 0, end = value.data.length): string {
  if (value.type !== 'bool') return encodeFlat(value.data, start, end);
  const parts: string[] = [];
  for (let i = start; i < end; i++) parts.push((value.data as Uint8Array)[i] ? 'true' : 'false');
  return `[${parts.join(',')}]`;
}

/**
 * The elements from `start` laid out as nested arrays of shape `dims` (V1 rows). A rank-0 tensor is its
 * single element, unwrapped.
 */
export function encodeNested(value: TensorValue, dims: readonly number[], start = 0): string {
  if (dims.length === 0) {
    const one = encodeElements(value, start, start + 1);
    return one.slice(1, -1);
  }
  if (dims.length === 1) return encodeElements(value, start, start + (dims[0] as number));
  const inner = dims.slice(1);
  let stride = 1;
  for (const d of inner) stride *= d;
  const parts: string[] = [];
  for (let i = 0; i < (dims[0] as number); i++) parts.push(encodeNested(value, inner, start + i * stride));
  return `[${parts.join(',')}]`;
}

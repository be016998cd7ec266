/**
 * Tensors as raw bytes, the layout of Triton's binary tensor data extension (HTTP) and of the Open Inference
 * Protocol's `raw_input_contents` / `raw_output_contents` (gRPC): row-major, little-endian, BOOL one byte per
 * element, BYTES each element a 4-byte little-endian length and then its bytes. Pure: bytes in, a typed array
 * out (a copy, aligned and transferable), with errors that name the field.
 */
import type { OrtType, TensorData, TensorValue } from './datatypes.js';
import { badRequest } from './errors.js';

const ITEM_BYTES: Record<Exclude<OrtType, 'string'>, number> = {
  float32: 4,
  float64: 8,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  bool: 1,
};

const TYPED = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
} as const;

/** Bytes of one element of a fixed-size type; undefined for BYTES (each element has its own length). */
export function itemBytes(type: OrtType): number | undefined {
  return type === 'string' ? undefined : ITEM_BYTES[type];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeStrings(bytes: Uint8Array, count: number, field: string): string[] {
  const out = new Array<string>(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.length) throw badRequest(`${field}: element ${i} of ${count} starts past the end of the ${bytes.length} bytes given`);
    const length = view.getUint32(at, true);
    at += 4;
    if (at + length > bytes.length) {
      throw badRequest(`${field}: element ${i} declares ${length} bytes but only ${bytes.length - at} remain`);
    }
    try {
      out[i] = utf8.decode(bytes.subarray(at, at + length));
    } catch {
      throw badRequest(`${field}: element ${i} is not valid UTF-8`);
    }
    at += length;
  }
  if (at !== bytes.length) throw badRequest(`${field}: ${bytes.length - at} bytes remain after the ${count} elements of the shape`);
  return out;
}

/**
 * The `count` elements of `type` in `bytes`. A fixed-size type needs exactly count x its size; a float must be
 * finite unless `allowNonFinite`. `field` names where the bytes came from (`inputs[0].parameters.binary_data_size`).
 */
export function decodeRawTensor(bytes: Uint8Array, type: OrtType, count: number, field: string, allowNonFinite: boolean, what: string): TensorData {
  if (type === 'string') return decodeStrings(bytes, count, field);
  const size = ITEM_BYTES[type];
  if (bytes.length !== count * size) {
    throw badRequest(`${field}: ${what} needs ${count * size} bytes (${count} elements of ${size}), got ${bytes.length}`);
  }
  const data = new TYPED[type](count);
  new Uint8Array(data.buffer).set(bytes);
  if ((type === 'float32' || type === 'float64') && !allowNonFinite) {
    const floats = data as Float32Array | Float64Array;
    for (let i = 0; i < count; i++) {
      if (!Number.isFinite(floats[i] as number)) throw badRequest(`${field}: element ${i} of ${what} is ${floats[i]}; expected a finite number`);
    }
  }
  if (type === 'bool') {
    const flags = data as Uint8Array;
    for (let i = 0; i < count; i++) if (flags[i] !== 0) flags[i] = 1;
  }
  return data;
}

/** A tensor's elements as raw bytes (a view of its data when it is a typed array). */
export function encodeRawTensor(value: TensorValue): Uint8Array {
  const data = value.data;
  if (!Array.isArray(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const parts = data.map((s) => Buffer.from(s, 'utf8'));
  let total = 0;
  for (const p of parts) total += 4 + p.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const p of parts) {
    out.writeUInt32LE(p.length, at);
    p.copy(out, at + 4);
    at += 4 + p.length;
  }
  return out;
}

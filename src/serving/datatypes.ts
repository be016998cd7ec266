/**
 * Tensor element types: the Open Inference Protocol names (FP32, INT64, ...) and ONNX Runtime's names
 * (float32, int64, ...), and how a JSON value becomes one element of a typed array.
 */

/** ONNX Runtime's element type names (the subset cairn serve accepts). */
export type OrtType =
  | 'float32'
  | 'float64'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'string';

/** Open Inference Protocol (KServe V2) datatypes. */
export type Datatype =
  | 'FP32'
  | 'FP64'
  | 'INT8'
  | 'UINT8'
  | 'INT16'
  | 'UINT16'
  | 'INT32'
  | 'UINT32'
  | 'INT64'
  | 'UINT64'
  | 'BOOL'
  | 'BYTES';

/** The data of one tensor, row-major. BOOL is a Uint8Array of 0/1; BYTES is an array of strings. */
export type TensorData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | string[];

/** A tensor as it crosses the batcher and the worker boundary: plain data, transferable. */
export interface TensorValue {
  type: OrtType;
  dims: number[];
  data: TensorData;
}

export type TensorMap = Record<string, TensorValue>;

/** Converts JSON values into elements of one datatype. */
export interface Codec {
  readonly datatype: Datatype;
  readonly ort: OrtType;
  alloc(length: number): TensorData;
  /** Stores `value` at `index`; returns why the value is not valid for the datatype, or undefined. */
  write(target: TensorData, index: number, value: unknown): string | undefined;
}

const ORT_TO_V2: Record<OrtType, Datatype> = {
  float32: 'FP32',
  float64: 'FP64',
  int8: 'INT8',
  uint8: 'UINT8',
  int16: 'INT16',
  uint16: 'UINT16',
  int32: 'INT32',
  uint32: 'UINT32',
  int64: 'INT64',
  uint64: 'UINT64',
  bool: 'BOOL',
  string: 'BYTES',
};

/** The V2 datatype of an ONNX Runtime type, or undefined when cairn serve cannot carry it (float16, int4...). */
export function datatypeOf(type: string): Datatype | undefined {
  return Object.hasOwn(ORT_TO_V2, type) ? ORT_TO_V2[type as OrtType] : undefined;
}

const V2_TO_ORT = Object.fromEntries(Object.entries(ORT_TO_V2).map(([ort, v2]) => [v2, ort])) as Record<Datatype, OrtType>;

/** The ONNX Runtime type of a V2 datatype name (as another server answers it), or undefined for an unknown name. */
export function ortTypeOf(datatype: string): OrtType | undefined {
  return Object.hasOwn(V2_TO_ORT, datatype) ? V2_TO_ORT[datatype as Datatype] : undefined;
}

export function isFloat(type: OrtType): boolean {
  return type === 'float32' || type === 'float64';
}

const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, '-Infinity': -Infinity };

function floatCodec(ort: 'float32' | 'float64', allowNonFinite: boolean): Codec {
  const datatype = ORT_TO_V2[ort];
  return {
    datatype,
    ort,
    alloc: (n) => (ort === 'float32' ? new Float32Array(n) : new Float64Array(n)),
    write(target, i, v) {
      if (typeof v === 'number') {
        if (Number.isFinite(v) || allowNonFinite) {
          (target as Float32Array)[i] = v;
          // A finite double beyond float32's range rounds to Infinity when stored: as non-finite as "Infinity".
          if (allowNonFinite || Number.isFinite((target as Float32Array)[i])) return undefined;
          return `${v} is out of range for ${datatype}`;
        }
        return `expected a finite number (${datatype}), got ${v}`;
      }
      if (allowNonFinite && typeof v === 'string' && Object.hasOwn(NON_FINITE, v)) {
        (target as Float32Array)[i] = NON_FINITE[v] as number;
        return undefined;
      }
      if (typeof v === 'string' && Object.hasOwn(NON_FINITE, v)) {
        return `expected a finite number (${datatype}), got "${v}"`;
      }
      return `expected a number (${datatype}), got ${describe(v)}`;
    },
  };
}

function intCodec(ort: 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32', min: number, max: number): Codec {
  const datatype = ORT_TO_V2[ort];
  const Ctor = { int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array }[ort];
  return {
    datatype,
    ort,
    alloc: (n) => new Ctor(n),
    write(target, i, v) {
      if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) {
        (target as Int32Array)[i] = v;
        return undefined;
      }
      if (typeof v === 'number' && Number.isInteger(v)) return `${v} is out of range for ${datatype} [${min}, ${max}]`;
      return `expected an integer (${datatype}), got ${describe(v)}`;
    },
  };
}

const DECIMAL = /^-?\d{1,20}$/;

function int64Codec(ort: 'int64' | 'uint64'): Codec {
  const datatype = ORT_TO_V2[ort];
  const [min, max] = ort === 'int64' ? [-(2n ** 63n), 2n ** 63n - 1n] : [0n, 2n ** 64n - 1n];
  return {
    datatype,
    ort,
    alloc: (n) => (ort === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n)),
    write(target, i, v) {
      let big: bigint;
      if (typeof v === 'number' && Number.isSafeInteger(v)) big = BigInt(v);
      else if (typeof v === 'string' && DECIMAL.test(v)) big = BigInt(v);
      else if (typeof v === 'number' && Number.isInteger(v)) {
        return `${v} is beyond 2^53 and would lose precision in JSON; send it as a decimal string`;
      } else return `expected an integer (${datatype}), got ${describe(v)}`;
      if (big < min || big > max) return `${big} is out of range for ${datatype}`;
      (target as BigInt64Array)[i] = big;
      return undefined;
    },
  };
}

const boolCodec: Codec = {
  datatype: 'BOOL',
  ort: 'bool',
  alloc: (n) => new Uint8Array(n),
  write(target, i, v) {
    if (typeof v === 'boolean') {
      (target as Uint8Array)[i] = v ? 1 : 0;
      return undefined;
    }
    return `expected true or false, got ${describe(v)}`;
  },
};

const bytesCodec: Codec = {
  datatype: 'BYTES',
  ort: 'string',
  alloc: (n) => new Array<string>(n).fill(''),
  write(target, i, v) {
    if (typeof v === 'string') {
      (target as string[])[i] = v;
      return undefined;
    }
    return `expected a string, got ${describe(v)}`;
  },
};

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v.length > 32 ? `${v.slice(0, 29)}...` : v);
  return `${typeof v} ${String(v)}`;
}

function buildCodecs(allowNonFinite: boolean): Record<OrtType, Codec> {
  return {
    float32: floatCodec('float32', allowNonFinite),
    float64: floatCodec('float64', allowNonFinite),
    int8: intCodec('int8', -128, 127),
    uint8: intCodec('uint8', 0, 255),
    int16: intCodec('int16', -32768, 32767),
    uint16: intCodec('uint16', 0, 65535),
    int32: intCodec('int32', -(2 ** 31), 2 ** 31 - 1),
    uint32: intCodec('uint32', 0, 2 ** 32 - 1),
    int64: int64Codec('int64'),
    uint64: int64Codec('uint64'),
    bool: boolCodec,
    string: bytesCodec,
  };
}

const STRICT = buildCodecs(false);
const LENIENT = buildCodecs(true);

/** The codec of an element type. `allowNonFinite` lets FP32/FP64 take NaN and ±Infinity (as "NaN" etc.). */
export function codecFor(type: OrtType, allowNonFinite = false): Codec {
  return (allowNonFinite ? LENIENT : STRICT)[type];
}

/** Allocates `length` elements of a type (used to concatenate and slice batches). */
export function allocData(type: OrtType, length: number): TensorData {
  return STRICT[type].alloc(length);
}

/**
 * A model's signature as a ModelVersion's status holds it (src/api/kinds/modelversion.ts): the name, Open
 * Inference Protocol datatype and shape (-1 for a dynamic dimension) of each input and output, read from ONNX
 * Runtime's session metadata. Pure.
 */
import { ModelError } from './errors.js';

export type Datatype = 'FP32' | 'FP64' | 'FP16' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'BOOL' | 'BYTES';

export interface TensorSpec {
  name: string;
  datatype: Datatype;
  shape: number[];
}

export interface ModelSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

/** What ONNX Runtime says of one input or output (InferenceSession.ValueMetadata). */
export interface ValueMetadata {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

/** ONNX Runtime element type -> Open Inference Protocol datatype. */
const datatypes: Readonly<Record<string, Datatype>> = {
  float32: 'FP32',
  float64: 'FP64',
  float16: 'FP16',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  bool: 'BOOL',
  string: 'BYTES',
};

/** The API's bounds (ModelVersion status.signature): at most 64 tensors a side, 16 dimensions, names of 256 characters. */
export const SIGNATURE_LIMITS = { tensors: 64, dimensions: 16, nameLength: 256 } as const;

function specOf(meta: ValueMetadata, kind: 'input' | 'output'): TensorSpec {
  const datatype = meta.isTensor && meta.type !== undefined ? datatypes[meta.type] : undefined;
  if (datatype === undefined) {
    const what = meta.isTensor ? `a tensor of ${meta.type ?? 'an unknown type'}` : 'not a tensor (a sequence or a map)';
    throw new ModelError('UnsupportedSignature', `${kind} "${meta.name}" is ${what}, which the Open Inference Protocol cannot carry`);
  }
  if (meta.name.length > SIGNATURE_LIMITS.nameLength) throw new ModelError('SignatureTooLarge', `${kind} name "${meta.name.slice(0, 40)}..." is longer than ${SIGNATURE_LIMITS.nameLength} characters`);
  const shape = (meta.shape ?? []).map((d) => (typeof d === 'number' && Number.isSafeInteger(d) && d >= 0 ? d : -1));
  if (shape.length > SIGNATURE_LIMITS.dimensions) throw new ModelError('SignatureTooLarge', `${kind} "${meta.name}" has ${shape.length} dimensions, more than ${SIGNATURE_LIMITS.dimensions}`);
  return { name: meta.name, datatype, shape };
}

/** The signature of a loaded model; throws a ModelError naming the input or output that cannot be described. */
export function signatureOf(session: { inputMetadata: readonly ValueMetadata[]; outputMetadata: readonly ValueMetadata[] }): ModelSignature {
  for (const [side, list] of [['inputs', session.inputMetadata], ['outputs', session.outputMetadata]] as const) {
    if (list.length > SIGNATURE_LIMITS.tensors) throw new ModelError('SignatureTooLarge', `the model has ${list.length} ${side}, more than ${SIGNATURE_LIMITS.tensors}`);
  }
  return { inputs: session.inputMetadata.map((m) => specOf(m, 'input')), outputs: session.outputMetadata.map((m) => specOf(m, 'output')) };
}

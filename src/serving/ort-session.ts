/**
 * The only module that touches onnxruntime-node: creating a session from model bytes and converting between
 * ONNX Runtime tensors and the plain TensorValue the rest of the runtime (and the worker boundary) uses.
 */
import ort from 'onnxruntime-node';
import type { OrtType, TensorMap } from './datatypes.js';

export interface SessionOptions {
  /** ONNX Runtime intra-op threads per session; 0 lets ONNX Runtime choose (one per physical core). */
  intraOpThreads: number;
}

export type Session = ort.InferenceSession;

/** Creates a session from the model's bytes; the error says the file is not a loadable ONNX model. */
export async function createSession(bytes: Uint8Array, options: SessionOptions): Promise<Session> {
  try {
    return await ort.InferenceSession.create(bytes, {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: 1,
      logSeverityLevel: 3,
    });
  } catch (err) {
    throw new Error(`ONNX Runtime could not load the model (corrupt or not an ONNX file): ${(err as Error).message}`, {
      cause: err,
    });
  }
}

function toOrt(feeds: TensorMap): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, value] of Object.entries(feeds)) {
    out[name] = new ort.Tensor(value.type as 'float32', value.data as Float32Array, value.dims);
  }
  return out;
}

function fromOrt(result: ort.InferenceSession.ReturnType): TensorMap {
  const out: TensorMap = {};
  for (const [name, tensor] of Object.entries(result)) {
    out[name] = { type: tensor.type as OrtType, dims: Array.from(tensor.dims), data: tensor.data as Float32Array };
  }
  return out;
}

/** Runs one inference. ONNX Runtime's run blocks the calling thread for the whole computation. */
export async function runSession(session: Session, feeds: TensorMap): Promise<TensorMap> {
  return fromOrt(await session.run(toOrt(feeds)));
}

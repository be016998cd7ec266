/**
 * The only module that touches onnxruntime-node: creating a session from model bytes and converting between
 * ONNX Runtime tensors and the plain TensorValue the rest of the runtime (and the worker boundary) uses.
 */
import { createRequire } from 'node:module';
import ort from 'onnxruntime-node';
import type { OrtType, TensorMap } from './datatypes.js';

export interface SessionOptions {
  /** ONNX Runtime intra-op threads per session; 0 lets ONNX Runtime choose (one per physical core). */
  intraOpThreads: number;
}

export type Session = ort.InferenceSession;

/** Creates a session from the model's bytes; the error says the file is not a loadable ONNX model. */
function ortOptions(options: SessionOptions): ort.InferenceSession.SessionOptions {
  return { graphOptimizationLevel: 'all', executionMode: 'sequential', intraOpNumThreads: options.intraOpThreads, interOpNumThreads: 1, logSeverityLevel: 3, executionProviders: [] };
}

export async function createSession(bytes: Uint8Array, options: SessionOptions): Promise<Session> {
  try {
    return await ort.InferenceSession.create(bytes, ortOptions(options));
  } catch (err) {
    throw new Error(`ONNX Runtime could not load the model (corrupt or not an ONNX file): ${(err as Error).message}`, {
      cause: err,
    });
  }
}

// for...in rather than Object.entries: no array of pairs per run (a run per request when requests do not merge).
function toOrt(feeds: TensorMap): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const name in feeds) {
    const value = feeds[name]!;
    out[name] = new ort.Tensor(value.type as 'float32', value.data as Float32Array, value.dims);
  }
  return out;
}

function fromOrt(result: ort.InferenceSession.ReturnType): TensorMap {
  const out: TensorMap = {};
  for (const name in result) {
    const tensor = result[name]!;
    out[name] = { type: tensor.type as OrtType, dims: Array.from(tensor.dims), data: tensor.data as Float32Array };
  }
  return out;
}

/** onnxruntime-node's native session (its dist/binding module), whose run is synchronous. */
interface NativeSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Record<string, ort.Tensor>, fetches: Record<string, null>, options: object): ort.InferenceSession.ReturnType;
  dispose(): void;
}

/**
 * A session whose run returns at once, on the calling thread. onnxruntime-node's InferenceSession.run defers
 * every call to the next loop turn (setImmediate), so a request run as 79 batches took 79 turns, and when the
 * loop is busy with other sockets (a storm of clients retrying 503s) each turn is long: model runs fell 16x.
 * The inline executor uses this one to run several batches in one turn (executor.ts).
 */
export class SyncSession {
  private readonly fetches: Record<string, null>;

  private constructor(
    private readonly native: NativeSession,
    outputNames: readonly string[],
  ) {
    this.fetches = Object.fromEntries(outputNames.map((n) => [n, null]));
  }

  /** Loads the model again as a native session with the options of createSession; `outputNames` from it. */
  static create(bytes: Uint8Array, options: SessionOptions, outputNames: readonly string[]): SyncSession {
    const { binding, initOrt } = createRequire(import.meta.url)('onnxruntime-node/dist/binding') as {
      binding: { InferenceSession: new () => NativeSession };
      initOrt(): void;
    };
    initOrt();
    const native = new binding.InferenceSession();
    native.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, ortOptions(options));
    return new SyncSession(native, outputNames);
  }

  run(feeds: TensorMap): TensorMap {
    return fromOrt(this.native.run(toOrt(feeds), this.fetches, {}));
  }

  release(): void {
    this.native.dispose();
  }
}

/** Runs one inference. ONNX Runtime's run blocks the calling thread for the whole computation. */
export async function runSession(session: Session, feeds: TensorMap): Promise<TensorMap> {
  return fromOrt(await session.run(toOrt(feeds)));
}

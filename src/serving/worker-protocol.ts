/** Messages between the main thread and an inference worker (worker.ts). */
import type { TensorData, TensorMap } from './datatypes.js';

export interface WorkerInit {
  modelBytes: Uint8Array;
  intraOpThreads: number;
}

export type ToWorker = { id: number; feeds: TensorMap };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; outputs: TensorMap }
  | { type: 'error'; id: number; message: string };

/** The ArrayBuffers of a tensor map that can move to the other thread without a copy. */
export function transferables(tensors: TensorMap): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const { data } of Object.values(tensors)) {
    if (Array.isArray(data)) continue;
    const typed = data as Exclude<TensorData, string[]>;
    const buffer = typed.buffer;
    if (buffer instanceof ArrayBuffer && typed.byteOffset === 0 && typed.byteLength === buffer.byteLength) buffers.add(buffer);
  }
  return [...buffers];
}

/** Messages between the main thread and the decode worker (decode-worker.ts). */
import type { Protocol } from './metrics.js';
import type { ModelSignature } from './signature.js';
import type { TensorLimits } from './tensor.js';
import type { InferRequest } from './v2.js';

export interface DecodeInit {
  signature: ModelSignature;
  limits: TensorLimits;
}

/** `headerLength`: the JSON header's length of a binary request (infer-body.ts). */
export type ToDecoder = { id: number; protocol: Protocol; body: Uint8Array; headerLength?: number };

export type FromDecoder = { id: number; request: InferRequest } | { id: number; error: { status: number; message: string } };

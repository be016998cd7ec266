/**
 * Why `cairn model inspect` failed: a storage reason (ChecksumMismatch, NotFound, AccessDenied, ...) from
 * src/storage, or one of the model's own below. Each becomes the ModelVersion's condition reason.
 */
import type { StorageErrorReason } from '../storage/errors.js';

export type ModelErrorReason =
  /** ONNX Runtime refused the file: corrupt, truncated, not ONNX, or an operator it does not know. */
  | 'ModelUnloadable'
  /** It loads, but an input or output is not a tensor of a datatype the Open Inference Protocol has. */
  | 'UnsupportedSignature'
  /** The signature does not fit the 4 KiB termination message the controller reads it from. */
  | 'SignatureTooLarge';

export type InspectFailureReason = StorageErrorReason | ModelErrorReason;

export class ModelError extends Error {
  override name = 'ModelError';
  constructor(
    readonly reason: ModelErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export function isModelError(error: unknown): error is ModelError {
  return error instanceof ModelError;
}

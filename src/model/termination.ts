/**
 * The termination message of `cairn model inspect`, which the ModelVersion controller reads through observeJob:
 * one JSON object of at most 4096 bytes (the kubelet's limit for a pod of up to three containers; the inspect
 * pod has one).
 *
 * - success: `{"sha256":"<hex>","size":N,"signature":{"inputs":[{name,datatype,shape}],"outputs":[...]}}`;
 * - failure: `{"reason":"<Reason>","message":"<one sentence>"}`.
 *
 * A signature whose JSON would not fit is SignatureTooLarge rather than a cut message: with names of 20
 * characters and 2-D shapes a tensor takes about 60 bytes, so some 60 inputs and outputs fit.
 */
import { ModelError, type InspectFailureReason } from './errors.js';
import type { InspectResult } from './inspect.js';
import type { ModelSignature } from './signature.js';

export const MAX_MESSAGE_BYTES = 4096;
const MAX_FAILURE_MESSAGE_CHARS = 1024;

export interface InspectSuccessMessage {
  sha256: string;
  size: number;
  signature: ModelSignature;
}

export interface InspectFailureMessage {
  reason: InspectFailureReason | 'Failed' | 'UsageError';
  message: string;
}

/** The success message as text; throws SignatureTooLarge when it would pass 4096 bytes. */
export function successMessage(result: InspectResult): string {
  const message: InspectSuccessMessage = { sha256: result.sha256, size: result.size, signature: result.signature };
  const text = JSON.stringify(message);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_MESSAGE_BYTES) {
    const { inputs, outputs } = result.signature;
    throw new ModelError('SignatureTooLarge', `the signature (${inputs.length} inputs, ${outputs.length} outputs) takes ${bytes} bytes of JSON, more than the ${MAX_MESSAGE_BYTES} of a termination message`);
  }
  return text;
}

export function failureMessage(reason: InspectFailureMessage['reason'], message: string): string {
  const cut = message.length > MAX_FAILURE_MESSAGE_CHARS ? `${message.slice(0, MAX_FAILURE_MESSAGE_CHARS - 3)}...` : message;
  return JSON.stringify({ reason, message: cut } satisfies InspectFailureMessage);
}

/**
 * What an inspect Job's end means for the ModelVersion, from observeJob's reading of it and the termination
 * message of `cairn model inspect` (src/model/termination.ts). Pure: the controller turns the verdict into the
 * Verified condition and status.signature. The message is checked field by field: a pod cannot put anything
 * into status that the API would refuse.
 */
import type { TensorSpec } from '../../api/kinds/modelversion.js';
import type { JobObservation } from '../../render/observe-job.js';
import { ModelVersionReason, finalReasons } from './reasons.js';
import type { Static } from '@sinclair/typebox';

export type Tensor = Static<typeof TensorSpec>;
export interface Signature {
  inputs: Tensor[];
  outputs: Tensor[];
}

export type InspectVerdict =
  /** Not finished: the pod is being scheduled or runs. */
  | { kind: 'running'; message: string }
  /** Not finished and not going to start by itself (ImagePullBackOff, a missing claim...). */
  | { kind: 'stuck'; reason: string; message: string }
  /** The file is the pinned one and loads: its signature. */
  | { kind: 'verified'; signature: Signature; message: string }
  /** Verified=False. `final`: the same file fails the same way; otherwise a new Job tries again. */
  | { kind: 'failed'; reason: string; message: string; final: boolean };

/** cairn model inspect's reasons (storage's and the model's) -> the condition's. */
const inspectReasons: Record<string, string> = {
  ChecksumMismatch: ModelVersionReason.ChecksumMismatch,
  ModelUnloadable: ModelVersionReason.ModelUnloadable,
  UnsupportedSignature: ModelVersionReason.UnsupportedSignature,
  SignatureTooLarge: ModelVersionReason.SignatureTooLarge,
  TooLarge: ModelVersionReason.ArtifactTooLarge,
  InvalidUri: ModelVersionReason.InvalidUri,
  NotFound: ModelVersionReason.ArtifactNotFound,
  AccessDenied: ModelVersionReason.AccessDenied,
  Unreachable: ModelVersionReason.ArtifactUnreachable,
  Interrupted: ModelVersionReason.ArtifactUnreachable,
};

const datatypes = new Set(['FP32', 'FP64', 'FP16', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'BOOL', 'BYTES']);

function tensorOf(value: unknown): Tensor | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { name, datatype, shape } = value as Record<string, unknown>;
  if (typeof name !== 'string' || name.length > 256 || typeof datatype !== 'string' || !datatypes.has(datatype)) return undefined;
  if (!Array.isArray(shape) || shape.length > 16 || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= -1)) return undefined;
  return { name, datatype: datatype as Tensor['datatype'], shape: shape as number[] };
}

/** The signature of a success message, or undefined when it is not one the API would accept. */
export function signatureFrom(value: unknown): Signature | undefined {
  const signature = (value as { signature?: unknown } | null)?.signature;
  if (typeof signature !== 'object' || signature === null) return undefined;
  const side = (list: unknown): Tensor[] | undefined => {
    if (!Array.isArray(list) || list.length > 64) return undefined;
    const tensors = list.map(tensorOf);
    return tensors.every((t): t is Tensor => t !== undefined) ? tensors : undefined;
  };
  const inputs = side((signature as Record<string, unknown>).inputs);
  const outputs = side((signature as Record<string, unknown>).outputs);
  return inputs && outputs ? { inputs, outputs } : undefined;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The verdict of the inspect Job `jobName` of a model pinned to `sha256`. */
export function inspectVerdict(observation: JobObservation, jobName: string, sha256: string): InspectVerdict {
  if (observation.phase === 'Running') return { kind: 'running', message: `Job ${jobName} is inspecting the model` };
  if (observation.phase === 'Pending') {
    if (observation.reason !== undefined) return { kind: 'stuck', reason: observation.reason, message: `Job ${jobName} cannot start: ${observation.message ?? observation.reason}` };
    return { kind: 'running', message: `Job ${jobName} is starting` };
  }
  const message = observation.termination.state === 'ok' ? (observation.termination.value as Record<string, unknown>) : undefined;
  if (observation.phase === 'Succeeded') {
    const signature = signatureFrom(message);
    if (signature && message?.sha256 === sha256) {
      return { kind: 'verified', signature, message: `sha256 matched and ONNX Runtime loaded the model: ${plural(signature.inputs.length, 'input')}, ${plural(signature.outputs.length, 'output')}` };
    }
    return { kind: 'failed', reason: ModelVersionReason.InspectFailed, message: `Job ${jobName} succeeded but its result is not a signature of this file (${describeTermination(observation)})`, final: false };
  }
  const reported = typeof message?.reason === 'string' ? inspectReasons[message.reason] : undefined;
  if (reported !== undefined) {
    const text = typeof message?.message === 'string' ? message.message : message?.reason;
    return { kind: 'failed', reason: reported, message: String(text), final: finalReasons.has(reported) };
  }
  const why = observation.reason ? `${observation.reason}${observation.message ? `: ${observation.message}` : ''}` : describeTermination(observation);
  return { kind: 'failed', reason: ModelVersionReason.InspectFailed, message: `Job ${jobName} failed (${why})`, final: false };
}

function describeTermination(observation: JobObservation): string {
  const t = observation.termination;
  if (t.state === 'missing') return observation.exitCode !== undefined ? `exit code ${observation.exitCode}, no termination message` : 'no termination message';
  if (t.state === 'tooLarge') return `a termination message of ${t.bytes} bytes`;
  if (t.state === 'malformed') return `termination message ${t.error}`;
  return 'an unexpected termination message';
}

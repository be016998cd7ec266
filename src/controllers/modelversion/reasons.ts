/** The ModelVersion's own condition and reasons (the kit's are in src/controllers/kit/conditions.ts). */
import { kindConditions } from '../kit/index.js';

export const ModelVersionCondition = {
  /** True once the file matched spec.artifact.sha256 and ONNX Runtime loaded it; its signature is in status. */
  Verified: 'Verified',
} as const;

export const modelVersionConditions = kindConditions({ type: ModelVersionCondition.Verified, polarity: 'positive' });

export const ModelVersionReason = {
  /** Verified=True and Ready=True. */
  Verified: 'Verified',
  /** Verified=Unknown while the first inspect Job runs. */
  Inspecting: 'Inspecting',
  // Verified=False, final: the same file fails the same way (spec is immutable).
  ChecksumMismatch: 'ChecksumMismatch',
  ModelUnloadable: 'ModelUnloadable',
  UnsupportedSignature: 'UnsupportedSignature',
  SignatureTooLarge: 'SignatureTooLarge',
  ArtifactTooLarge: 'ArtifactTooLarge',
  InvalidUri: 'InvalidUri',
  // Verified=False, tried again by a new Job once the failed one expires.
  ArtifactNotFound: 'ArtifactNotFound',
  AccessDenied: 'AccessDenied',
  ArtifactUnreachable: 'ArtifactUnreachable',
  /** The Job failed for a reason of its own (out of memory, its deadline, a malformed result). */
  InspectFailed: 'InspectFailed',
  // Ready=False from a thrown error (retried)
  InspectPending: 'InspectPending',
  ApplyFailed: 'ApplyFailed',
} as const;

/** Verified=False reasons that no new Job can change. */
export const finalReasons: ReadonlySet<string> = new Set([
  ModelVersionReason.ChecksumMismatch,
  ModelVersionReason.ModelUnloadable,
  ModelVersionReason.UnsupportedSignature,
  ModelVersionReason.SignatureTooLarge,
  ModelVersionReason.ArtifactTooLarge,
  ModelVersionReason.InvalidUri,
]);

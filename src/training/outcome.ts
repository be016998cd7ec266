/**
 * Pure: what a finished trial produced, from its Job's two witnesses (docs/contracts.md §1): the trainer's
 * termination message (metrics) and the upload sidecar's (what it uploaded, with each sha256). A trial
 * succeeds only with valid metrics AND a model.onnx the sidecar uploaded: the model's sha256 comes from the
 * upload, never from the trainer's word. Nothing here throws.
 */
import type { JobObservation } from '../render/index.js';
import { trialResult, type Metrics, type TrialFailureReason } from './gate.js';

/** The file a trainer must leave in $CAIRN_OUTPUT_DIR. */
export const modelFile = 'model.onnx';

export interface TrialModel {
  uri: string;
  sha256: string;
}

export type UploadFailureReason = 'NoModel' | 'UploadFailed';

export type TrialOutcome = { ok: true; metrics: Metrics; model: TrialModel } | { ok: false; reason: TrialFailureReason | UploadFailureReason; message: string };

const sha256Hex = /^[0-9a-f]{64}$/;

/**
 * The outcome of a trial whose Job finished. `trainer` observes the Job (its main container), `upload` the same
 * Job with `{container: 'upload'}`; `artifactsUri` is the trial's folder (ends with `/`).
 */
export function trialOutcome(trainer: JobObservation, upload: JobObservation, artifactsUri: string): TrialOutcome {
  const result = trialResult(trainer);
  if (!result.ok) return result;
  const model = uploadedModel(upload);
  if (!('sha256' in model)) return { ok: false, ...model };
  return { ok: true, metrics: result.metrics, model: { uri: `${artifactsUri}${modelFile}`, sha256: model.sha256 } };
}

/** model.onnx's sha256 from the upload sidecar's termination message (`cairn upload` record), or why there is none. */
export function uploadedModel(upload: JobObservation): { sha256: string } | { reason: UploadFailureReason; message: string } {
  const t = upload.termination;
  if (t.state === 'missing') return { reason: 'UploadFailed', message: 'the upload sidecar reported nothing (it did not finish before the pod ended)' };
  if (t.state !== 'ok') return { reason: 'UploadFailed', message: `the upload sidecar's report is ${t.state === 'tooLarge' ? 'too large' : 'not JSON'}` };
  const value = t.value as { reason?: unknown; message?: unknown; uploaded?: { files?: unknown; model?: unknown } };
  if (typeof value.reason === 'string') {
    const message = typeof value.message === 'string' ? `: ${value.message.slice(0, 512)}` : '';
    return { reason: 'UploadFailed', message: `uploading $CAIRN_OUTPUT_DIR failed: ${value.reason}${message}` };
  }
  const files = Array.isArray(value.uploaded?.files) ? (value.uploaded.files as unknown[]) : [];
  for (const entry of [value.uploaded?.model, ...files]) {
    const file = entry as { path?: unknown; sha256?: unknown } | null | undefined;
    if (file?.path === modelFile && typeof file.sha256 === 'string' && sha256Hex.test(file.sha256)) return { sha256: file.sha256 };
  }
  return { reason: 'NoModel', message: `the trainer wrote no ${modelFile} to $CAIRN_OUTPUT_DIR` };
}

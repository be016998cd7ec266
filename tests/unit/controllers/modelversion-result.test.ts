/** inspectVerdict: every reason cairn model inspect can report -> the Verified reason, and whether a new Job may help. */
import { describe, expect, it } from 'vitest';
import { inspectVerdict } from '../../../src/controllers/modelversion/result.js';
import type { JobObservation } from '../../../src/render/observe-job.js';

const SHA = 'ab'.repeat(32);
const failed = (reason: string): JobObservation => ({ phase: 'Failed', exitCode: 1, reason: 'BackoffLimitExceeded', termination: { state: 'ok', value: { reason, message: `${reason} happened` } } });

describe('inspectVerdict', () => {
  it.each([
    ['ChecksumMismatch', 'ChecksumMismatch', true],
    ['ModelUnloadable', 'ModelUnloadable', true],
    ['UnsupportedSignature', 'UnsupportedSignature', true],
    ['SignatureTooLarge', 'SignatureTooLarge', true],
    ['TooLarge', 'ArtifactTooLarge', true],
    ['InvalidUri', 'InvalidUri', true],
    ['NotFound', 'ArtifactNotFound', false],
    ['AccessDenied', 'AccessDenied', false],
    ['Unreachable', 'ArtifactUnreachable', false],
    ['Interrupted', 'ArtifactUnreachable', false],
    ['Failed', 'InspectFailed', false],
    ['UsageError', 'InspectFailed', false],
  ])('%s -> %s (final: %s)', (reported, reason, final) => {
    const verdict = inspectVerdict(failed(reported), 'eta-7-inspect-x', SHA);
    expect(verdict).toMatchObject({ kind: 'failed', reason, final });
    if (reason !== 'InspectFailed') expect(verdict).toMatchObject({ message: `${reported} happened` });
  });

  it('running, starting and stuck pods', () => {
    expect(inspectVerdict({ phase: 'Running', termination: { state: 'missing' } }, 'j', SHA)).toEqual({ kind: 'running', message: 'Job j is inspecting the model' });
    expect(inspectVerdict({ phase: 'Pending', termination: { state: 'missing' } }, 'j', SHA)).toEqual({ kind: 'running', message: 'Job j is starting' });
    expect(inspectVerdict({ phase: 'Pending', reason: 'ImagePullBackOff', message: 'no such image', termination: { state: 'missing' } }, 'j', SHA)).toEqual({ kind: 'stuck', reason: 'ImagePullBackOff', message: 'Job j cannot start: no such image' });
  });

  it('a deadline or a crash without a message is InspectFailed with what the kubelet said', () => {
    expect(inspectVerdict({ phase: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline', termination: { state: 'missing' } }, 'j', SHA)).toEqual({
      kind: 'failed',
      reason: 'InspectFailed',
      message: 'Job j failed (DeadlineExceeded: Job was active longer than specified deadline)',
      final: false,
    });
    expect(inspectVerdict({ phase: 'Failed', exitCode: 1, termination: { state: 'malformed', error: 'not JSON' } }, 'j', SHA)).toMatchObject({ kind: 'failed', reason: 'InspectFailed', final: false });
  });

  it('a success whose signature breaks the API\'s bounds is not written', () => {
    const tensors = Array.from({ length: 65 }, (_, i) => ({ name: `x${i}`, datatype: 'FP32', shape: [1] }));
    const value = { sha256: SHA, signature: { inputs: tensors, outputs: [] } };
    expect(inspectVerdict({ phase: 'Succeeded', exitCode: 0, termination: { state: 'ok', value } }, 'j', SHA)).toMatchObject({ kind: 'failed', reason: 'InspectFailed' });
    const ok = { sha256: SHA, signature: { inputs: tensors.slice(0, 64), outputs: [{ name: 'y', datatype: 'FP16', shape: [] }] } };
    expect(inspectVerdict({ phase: 'Succeeded', exitCode: 0, termination: { state: 'ok', value: ok } }, 'j', SHA)).toMatchObject({ kind: 'verified', message: 'sha256 matched and ONNX Runtime loaded the model: 64 inputs, 1 output' });
  });
});

/** The pure parts of model inspection: ONNX Runtime metadata to a signature, and the bounded termination message. */
import { describe, expect, it } from 'vitest';
import { failureMessage, MAX_MESSAGE_BYTES, successMessage } from '../../../src/model/termination.js';
import { signatureOf, type ValueMetadata } from '../../../src/model/signature.js';

const tensor = (name: string, type: string, shape: Array<number | string>): ValueMetadata => ({ name, isTensor: true, type, shape });

describe('signatureOf', () => {
  it('maps every ONNX Runtime element type to its Open Inference Protocol datatype, symbolic dimensions to -1', () => {
    const types = ['float32', 'float64', 'float16', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool', 'string'];
    const signature = signatureOf({ inputMetadata: types.map((t) => tensor(t, t, ['N', 3, -1])), outputMetadata: [tensor('y', 'float32', [])] });
    expect(signature.inputs.map((i) => i.datatype)).toEqual(['FP32', 'FP64', 'FP16', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'BOOL', 'BYTES']);
    expect(signature.inputs[0]!.shape).toEqual([-1, 3, -1]);
    expect(signature.outputs).toEqual([{ name: 'y', datatype: 'FP32', shape: [] }]);
  });

  it.each([
    ['a sequence output (a classifier\'s ZipMap)', { inputMetadata: [tensor('x', 'float32', [1])], outputMetadata: [{ name: 'probabilities', isTensor: false }] }, 'UnsupportedSignature', /output "probabilities" is not a tensor \(a sequence or a map\)/],
    ['a complex input', { inputMetadata: [tensor('z', 'complex64', [1])], outputMetadata: [] }, 'UnsupportedSignature', /input "z" is a tensor of complex64/],
    ['65 inputs', { inputMetadata: Array.from({ length: 65 }, (_, i) => tensor(`x${i}`, 'float32', [1])), outputMetadata: [] }, 'SignatureTooLarge', /65 inputs, more than 64/],
    ['17 dimensions', { inputMetadata: [tensor('x', 'float32', Array.from({ length: 17 }, () => 1))], outputMetadata: [] }, 'SignatureTooLarge', /17 dimensions, more than 16/],
    ['a 300-character name', { inputMetadata: [tensor('x'.repeat(300), 'float32', [1])], outputMetadata: [] }, 'SignatureTooLarge', /longer than 256 characters/],
  ])('%s -> %s', (_name, session, reason, message) => {
    expect(() => signatureOf(session)).toThrow(message);
    try {
      signatureOf(session);
    } catch (error) {
      expect((error as { reason: string }).reason).toBe(reason);
    }
  });
});

describe('the termination message', () => {
  const sha256 = 'ab'.repeat(32);
  it('holds sha256, size and signature, and fits 4096 bytes with 40 tensors of 20-character names', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ name: `feature_${String(i).padStart(12, '0')}`, datatype: 'FP32' as const, shape: [-1, 1] }));
    const text = successMessage({ uri: 's3://b/m.onnx', sha256, size: 10, signature: { inputs: many, outputs: many.slice(0, 2) } });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(JSON.parse(text)).toEqual({ sha256, size: 10, signature: { inputs: many, outputs: many.slice(0, 2) } });
  });

  it('a signature that does not fit is SignatureTooLarge, never a cut message', () => {
    const many = Array.from({ length: 64 }, (_, i) => ({ name: `a_rather_long_feature_name_number_${i}`, datatype: 'FP32' as const, shape: [-1, 1] }));
    expect(() => successMessage({ uri: 's3://b/m.onnx', sha256, size: 10, signature: { inputs: many, outputs: many } })).toThrow(/the signature \(64 inputs, 64 outputs\) takes \d+ bytes of JSON, more than the 4096/);
  });

  it('a failure message is cut to 1024 characters', () => {
    const text = failureMessage('ModelUnloadable', 'x'.repeat(5000));
    const parsed = JSON.parse(text) as { reason: string; message: string };
    expect(parsed.reason).toBe('ModelUnloadable');
    expect(parsed.message).toHaveLength(1024);
    expect(parsed.message.endsWith('...')).toBe(true);
  });
});

/**
 * Shadow agreement, pure: the shadow's answer read in each shape a server gives (V2 JSON flat or nested, V2 with
 * Triton binary outputs, V1 rows and columns), lined up with the primary's outputs, and judged per request.
 */
import { describe, expect, it } from 'vitest';
import type { TensorMap } from '../../../src/serving/datatypes.js';
import { compareAnswer, compareOutputs, flattenOutputs, type FlatOutput, type PrimaryAnswer } from '../../../src/serving/shadow-compare.js';

const v2 = (outputs: ReadonlyArray<[string, FlatOutput]>): PrimaryAnswer => ({ protocol: 'v2', outputs: new Map(outputs) });
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('flattenOutputs', () => {
  it('flattens typed arrays, int64 as numbers, bool as booleans, and keeps only the requested outputs', () => {
    const outputs: TensorMap = {
      score: { type: 'float32', dims: [2, 1], data: new Float32Array([0.5, 1.5]) },
      count: { type: 'int64', dims: [2, 1], data: new BigInt64Array([3n, -4n]) },
      flag: { type: 'bool', dims: [2, 1], data: new Uint8Array([1, 0]) },
      city: { type: 'string', dims: [2, 1], data: ['a', 'b'] },
    };
    expect(Object.fromEntries(flattenOutputs(outputs))).toEqual({ score: [0.5, 1.5], count: [3, -4], flag: [true, false], city: ['a', 'b'] });
    expect([...flattenOutputs(outputs, ['city']).keys()]).toEqual(['city']);
  });
});

describe('compareOutputs', () => {
  const primary = new Map<string, FlatOutput>([
    ['y', [1, 2, 3]],
    ['label', ['cat', 'dog']],
  ]);
  it.each([
    ['equal answers agree with no difference', [[1, 2, 3], ['cat', 'dog']], 0, { result: 'agree', absDifference: 0, numericElements: 3 }],
    ['numbers within the tolerance agree; the differences are summed', [[1.05, 2, 2.9], ['cat', 'dog']], 0.1, { result: 'agree', absDifference: 0.15, numericElements: 3 }],
    ['a number beyond the tolerance disagrees', [[1.5, 2, 3], ['cat', 'dog']], 0.1, { result: 'disagree', absDifference: 0.5, numericElements: 3 }],
    ['tolerance 0 means exactly equal', [[1, 2, 3.000001], ['cat', 'dog']], 0, { result: 'disagree', absDifference: 0.000001, numericElements: 3 }],
    ['another class disagrees', [[1, 2, 3], ['cat', 'cat']], 1, { result: 'disagree', absDifference: 0, numericElements: 3 }],
    ['NaN disagrees and adds nothing to the mean', [[Number.NaN, 2, 3], ['cat', 'dog']], 1, { result: 'disagree', absDifference: 0, numericElements: 2 }],
  ] as const)('%s', (_, [y, label], tolerance, expected) => {
    const got = compareOutputs(primary, new Map<string, FlatOutput>([['y', y], ['label', label]]), tolerance);
    expect(got.result).toBe(expected.result);
    if (got.result === 'incomparable') return;
    expect(got.absDifference).toBeCloseTo(expected.absDifference, 9);
    expect(got.numericElements).toBe(expected.numericElements);
  });

  it.each([
    ['a missing output', new Map<string, FlatOutput>([['y', [1, 2, 3]]]), 'the shadow did not answer output label'],
    ['another element count', new Map<string, FlatOutput>([['y', [1, 2]], ['label', ['cat', 'dog']]]), 'output y: 3 elements, the shadow answered 2'],
  ])('%s is incomparable, with the reason', (_, shadow, reason) => {
    expect(compareOutputs(primary, shadow, 0)).toEqual({ result: 'incomparable', reason });
  });

  it('outputs the shadow adds beyond the primary\'s are ignored', () => {
    expect(compareOutputs(new Map([['y', [1]]]), new Map<string, FlatOutput>([['y', [1]], ['extra', [9]]]), 0).result).toBe('agree');
  });
});

describe('compareAnswer reads every answer shape', () => {
  const primary = v2([['variable', [0.25, 0.75]]]);
  it('V2 JSON, flat or nested data', () => {
    expect(compareAnswer(primary, json({ model_name: 'm', outputs: [{ name: 'variable', datatype: 'FP32', shape: [2, 1], data: [0.25, 0.75] }] }), undefined, 0).result).toBe('agree');
    expect(compareAnswer(primary, json({ outputs: [{ name: 'variable', datatype: 'FP32', shape: [2, 1], data: [[0.25], [0.5]] }] }), undefined, 0)).toMatchObject({ result: 'disagree', absDifference: 0.25 });
  });

  it('V2 with binary outputs after the JSON header (Inference-Header-Content-Length)', () => {
    const header = Buffer.from(JSON.stringify({ outputs: [{ name: 'variable', datatype: 'FP32', shape: [2, 1], parameters: { binary_data_size: 8 } }] }));
    const body = Buffer.concat([header, Buffer.from(new Float32Array([0.25, 0.75]).buffer)]);
    expect(compareAnswer(primary, body, header.length, 0).result).toBe('agree');
    expect(compareAnswer(primary, body.subarray(0, body.length - 4), header.length, 0)).toMatchObject({ result: 'incomparable' });
  });

  it('V1 rows (single output: bare values; several: objects by name) and columns', () => {
    const one: PrimaryAnswer = { protocol: 'v1', outputs: new Map([['variable', [0.25, 0.75]]]) };
    expect(compareAnswer(one, json({ predictions: [[0.25], [0.75]] }), undefined, 0).result).toBe('agree');
    expect(compareAnswer(one, json({ outputs: [[0.25], [0.7]] }), undefined, 0.01)).toMatchObject({ result: 'disagree' });
    const two: PrimaryAnswer = { protocol: 'v1', outputs: new Map<string, FlatOutput>([['score', [1, 2]], ['label', ['a', 'b']]]) };
    expect(compareAnswer(two, json({ predictions: [{ score: 1, label: 'a' }, { score: 2, label: 'b' }] }), undefined, 0).result).toBe('agree');
    expect(compareAnswer(two, json({ predictions: [1, 2] }), undefined, 0)).toMatchObject({ result: 'incomparable', reason: expect.stringContaining('several outputs') });
  });

  it.each([
    ['not JSON', Buffer.from('<html>busy</html>'), 'the answer is not JSON'],
    ['a JSON array', json([1, 2]), 'the answer is not a JSON object'],
    ['an error answer', json({ error: 'model not ready' }), 'the answer has no outputs list'],
    ['an output with null data', json({ outputs: [{ name: 'variable', data: [null, 1] }] }), 'an element is null'],
  ])('%s is incomparable', (_, body, reason) => {
    expect(compareAnswer(primary, body, undefined, 0)).toEqual({ result: 'incomparable', reason });
  });
});

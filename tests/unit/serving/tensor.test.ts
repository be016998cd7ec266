/** Pure tensor building: element codecs, shapes, flat and nested data, JSON output. Table-driven. */
import { describe, expect, it } from 'vitest';
import { codecFor, datatypeOf, type OrtType, type TensorValue } from '../../../src/serving/datatypes.js';
import { HttpError } from '../../../src/serving/errors.js';
import { encodeElements, encodeFlat, encodeNested } from '../../../src/serving/json-out.js';
import type { TensorSpec } from '../../../src/serving/signature.js';
import { checkShape, elementCount, fillV2Data, inferShape, parseShape } from '../../../src/serving/tensor.js';

describe('codecs', () => {
  const cases: [OrtType, unknown, unknown, string?][] = [
    // type, value, stored element (or undefined when rejected), error
    ['float32', 1.5, 1.5],
    ['float32', -0, -0],
    ['float32', 'NaN', undefined, 'expected a finite number (FP32), got "NaN"'],
    ['float32', Infinity, undefined, 'expected a finite number (FP32), got Infinity'],
    ['float32', 3.4028234663852886e38, 3.4028234663852886e38], // float32's largest
    ['float32', 3.5e38, undefined, '3.5e+38 is out of range for FP32'], // finite as a double, Infinity as float32
    ['float32', -1e39, undefined, '-1e+39 is out of range for FP32'],
    ['float64', 3.5e38, 3.5e38],
    ['float32', '1.5', undefined, 'expected a number (FP32), got "1.5"'],
    ['float32', true, undefined, 'expected a number (FP32), got boolean true'],
    ['float64', 1e-300, 1e-300],
    ['float64', {}, undefined, 'expected a number (FP64), got an object'],
    ['int8', 127, 127],
    ['int8', 128, undefined, '128 is out of range for INT8 [-128, 127]'],
    ['uint8', -1, undefined, '-1 is out of range for UINT8 [0, 255]'],
    ['int32', -(2 ** 31), -(2 ** 31)],
    ['int32', 2.5, undefined, 'expected an integer (INT32), got number 2.5'],
    ['uint32', 2 ** 32 - 1, 2 ** 32 - 1],
    ['int64', 2 ** 53 - 1, BigInt(2 ** 53 - 1)],
    ['int64', '-9223372036854775808', -(2n ** 63n)],
    ['int64', '9223372036854775808', undefined, '9223372036854775808 is out of range for INT64'],
    ['int64', 2 ** 53, undefined, '9007199254740992 is beyond 2^53 and would lose precision in JSON; send it as a decimal string'],
    ['int64', '12a', undefined, 'expected an integer (INT64), got "12a"'],
    ['uint64', '18446744073709551615', 2n ** 64n - 1n],
    ['uint64', -1, undefined, '-1 is out of range for UINT64'],
    ['bool', false, 0],
    ['bool', 0, undefined, 'expected true or false, got number 0'],
    ['string', 'hanoi', 'hanoi'],
    ['string', null, undefined, 'expected a string, got null'],
  ];
  it.each(cases)('%s <- %j', (type, value, stored, error) => {
    const codec = codecFor(type);
    const target = codec.alloc(1);
    expect(codec.write(target, 0, value)).toBe(error);
    if (stored !== undefined) expect(target[0]).toEqual(stored);
  });

  it('allow non-finite: NaN and ±Infinity as strings or numbers', () => {
    const codec = codecFor('float64', true);
    const target = codec.alloc(4);
    ['NaN', 'Infinity', '-Infinity', -Infinity].forEach((v, i) => expect(codec.write(target, i, v)).toBeUndefined());
    expect(Array.from(target as Float64Array)).toEqual([NaN, Infinity, -Infinity, -Infinity]);
    expect(codec.write(target, 0, 'nan')).toBe('expected a number (FP64), got "nan"');
  });

  it('maps ONNX Runtime types to V2 datatypes; float16 is not carried', () => {
    expect(datatypeOf('float32')).toBe('FP32');
    expect(datatypeOf('string')).toBe('BYTES');
    expect(datatypeOf('float16')).toBeUndefined();
    expect(datatypeOf('toString')).toBeUndefined();
  });
});

const spec: TensorSpec = { name: 'input', type: 'float32', datatype: 'FP32', shape: [-1, 3] };

describe('shapes', () => {
  it.each<[unknown, string]>([
    ['2,3', 'inputs[0].shape: expected an array of dimensions, got string'],
    [[2, '3'], 'inputs[0].shape[1]: expected a non-negative integer dimension, got "3"'],
    [[2, -3], 'inputs[0].shape[1]: expected a non-negative integer dimension, got -3'],
    [[2 ** 60], 'inputs[0].shape[0]: expected a non-negative integer dimension, got 1152921504606847000'],
  ])('parseShape rejects %j', (value, error) => {
    expect(() => parseShape(value, 'inputs[0].shape')).toThrow(new HttpError(400, error));
  });

  it.each<[number[], string | undefined]>([
    [[0, 3], undefined],
    [[7, 3], undefined],
    [[3], 'f: input "input" needs rank 2 [-1,3], got [3]'],
    [[1, 3, 1], 'f: input "input" needs rank 2 [-1,3], got [1,3,1]'],
    [[1, 2], 'f: dimension 1 of input "input" must be 3 [-1,3], got [1,2]'],
  ])('checkShape %j', (shape, error) => {
    if (error === undefined) expect(() => checkShape(shape, spec, 'f')).not.toThrow();
    else expect(() => checkShape(shape, spec, 'f')).toThrow(new HttpError(400, error));
  });

  it('elementCount is Infinity past safe integers; inferShape follows first elements', () => {
    expect(elementCount([2, 3])).toBe(6);
    expect(elementCount([])).toBe(1);
    expect(elementCount([2 ** 30, 2 ** 30, 2 ** 30])).toBe(Infinity);
    expect(inferShape([[1, 2, 3], [4, 5, 6]])).toEqual([2, 3]);
    expect(inferShape(5)).toEqual([]);
    expect(inferShape([])).toEqual([0]);
  });
});

describe('fillV2Data', () => {
  const fp32 = codecFor('float32');
  it.each<[string, unknown, number[], number[] | string]>([
    ['flat', [1, 2, 3, 4, 5, 6], [2, 3], [1, 2, 3, 4, 5, 6]],
    ['nested', [[1, 2, 3], [4, 5, 6]], [2, 3], [1, 2, 3, 4, 5, 6]],
    ['column vector flat', [1, 2, 3], [3, 1], [1, 2, 3]],
    ['column vector nested', [[1], [2], [3]], [3, 1], [1, 2, 3]],
    ['rank 0', [7], [], [7]],
    ['empty batch', [], [0, 3], []],
    ['not an array', 'abc', [1, 3], 'd: expected an array, got string "abc"'],
    ['flat too short', [1, 2], [1, 3], 'd: has 2 elements but shape [1,3] needs 3'],
    ['flat too long', [1, 2, 3, 4], [1, 3], 'd: has 4 elements but shape [1,3] needs 3'],
    ['nested wrong outer', [[1, 2, 3]], [2, 3], 'd: expected 2 elements, got 1 (ragged or wrong shape)'],
    ['nested ragged', [[1, 2, 3], [4, 5]], [2, 3], 'd[1]: expected 3 elements, got 2 (ragged or wrong shape)'],
    ['nested too deep', [[1, 2, [3]], [4, 5, 6]], [2, 3], 'd[0][2]: expected a number (FP32), got an array'],
    ['nested mixed with scalars', [[1, 2, 3], 4], [2, 3], 'd[1]: expected an array of 3, got number 4'],
    ['nested bad element', [[1, 2, 3], [4, 'x', 6]], [2, 3], 'd[1][1]: expected a number (FP32), got "x"'],
  ])('%s', (_name, data, shape, result) => {
    if (typeof result === 'string') expect(() => fillV2Data(data, shape, fp32, 'd')).toThrow(new HttpError(400, result));
    else expect(Array.from(fillV2Data(data, shape, fp32, 'd') as Float32Array)).toEqual(result);
  });
});

describe('JSON output', () => {
  const t = (type: TensorValue['type'], data: TensorValue['data'], dims: number[]): TensorValue => ({ type, data, dims });
  it('writes floats, exact INT64, booleans, strings, and non-finite floats as the strings --allow-nan accepts', () => {
    expect(encodeFlat(Float32Array.from([0.5, 1e-7]))).toBe('[0.5,1.0000000116860974e-7]');
    expect(JSON.parse(encodeFlat(Float32Array.from([0.1])))).toEqual([Math.fround(0.1)]);
    expect(encodeFlat(BigInt64Array.from([2n ** 62n, -5n]))).toBe('[4611686018427387904,-5]');
    expect(encodeFlat(Float64Array.from([1, NaN, -Infinity, Infinity]))).toBe('[1,"NaN","-Infinity","Infinity"]');
    expect(encodeFlat(['a', 'b"c'])).toBe('["a","b\\"c"]');
    expect(encodeElements(t('bool', Uint8Array.from([1, 0]), [2]))).toBe('[true,false]');
    expect(encodeFlat(Int32Array.from([1, 2, 3, 4]), 1, 3)).toBe('[2,3]');
  });

  it('lays out rows as nested arrays; rank 0 is the bare element', () => {
    const value = t('int32', Int32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);
    expect(encodeNested(value, [2, 3])).toBe('[[1,2,3],[4,5,6]]');
    expect(encodeNested(value, [3], 3)).toBe('[4,5,6]');
    expect(encodeNested(value, [], 4)).toBe('5');
    expect(encodeNested(t('bool', Uint8Array.from([1, 0, 0, 1]), [2, 1, 2]), [2, 1, 2])).toBe('[[[true,false]],[[false,true]]]');
  });
});

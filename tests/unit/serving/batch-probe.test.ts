/** The batching probe: distinct synthetic rows, and the comparison of a 2-row batch with its rows run alone. */
import { describe, expect, it } from 'vitest';
import { probeBatching, sameElement, splitDifference, type RunFn } from '../../../src/serving/batch-probe.js';
import type { OrtType, TensorMap, TensorValue } from '../../../src/serving/datatypes.js';
import { syntheticFeeds, type ModelSignature, type TensorSpec } from '../../../src/serving/signature.js';

const spec = (name: string, type: OrtType, shape: number[]): TensorSpec => ({ name, type, datatype: 'FP32', shape });
const f32 = (dims: number[], values: number[]): TensorValue => ({ type: 'float32', dims, data: Float32Array.from(values) });

describe('syntheticFeeds with distinct rows', () => {
  const signature: ModelSignature = {
    inputs: [
      spec('f', 'float32', [-1, 2]),
      spec('d', 'float64', [-1]),
      spec('i', 'int32', [-1, 2]),
      spec('l', 'int64', [-1, 1]),
      spec('b', 'bool', [-1, 1]),
      spec('s', 'string', [-1, 2]),
    ],
    outputs: [],
  };

  it('fills row r with (r+1)*0.25, r+1, r odd and "r", from firstRow on', () => {
    const feeds = syntheticFeeds(signature, 2, { firstRow: 0 });
    expect(Array.from(feeds.f!.data as Float32Array)).toEqual([0.25, 0.25, 0.5, 0.5]);
    expect(Array.from(feeds.d!.data as Float64Array)).toEqual([0.25, 0.5]);
    expect(Array.from(feeds.i!.data as Int32Array)).toEqual([1, 1, 2, 2]);
    expect(Array.from(feeds.l!.data as BigInt64Array)).toEqual([1n, 2n]);
    expect(Array.from(feeds.b!.data as Uint8Array)).toEqual([0, 1]);
    expect(feeds.s!.data).toEqual(['0', '0', '1', '1']);
    const second = syntheticFeeds(signature, 1, { firstRow: 1 });
    expect(second.f).toEqual({ type: 'float32', dims: [1, 2], data: Float32Array.from([0.5, 0.5]) });
    expect(second.s!.data).toEqual(['1', '1']);
  });

  it('fills zeros without the option', () => {
    const feeds = syntheticFeeds(signature, 2);
    expect(Array.from(feeds.f!.data as Float32Array)).toEqual([0, 0, 0, 0]);
    expect(feeds.s!.data).toEqual(['', '', '', '']);
  });
});

describe('sameElement', () => {
  it.each<[string, unknown, unknown, boolean, boolean]>([
    ['equal floats', 1.5, 1.5, true, true],
    ['floats within 1e-5 absolute below 1', 0.1, 0.100009, true, true],
    ['floats beyond 1e-5 absolute below 1', 0.1, 0.10002, true, false],
    ['floats within 1e-5 relative', 1000, 1000.009, true, true],
    ['floats beyond 1e-5 relative', 1000, 1000.02, true, false],
    ['NaN and NaN', Number.NaN, Number.NaN, true, true],
    ['NaN and a number', Number.NaN, 0, true, false],
    ['Infinity and Infinity', Infinity, Infinity, true, true],
    ['Infinity and a huge number', Infinity, 1e300, true, false],
    ['integers exactly', 3, 3, false, true],
    ['integers that differ by one', 1_000_000, 1_000_001, false, false],
    ['bigints', 2n ** 60n, 2n ** 60n, false, true],
    ['bigints that differ', 2n ** 60n, 2n ** 60n + 1n, false, false],
    ['strings', 'a', 'a', false, true],
    ['strings that differ', 'a', 'b', false, false],
  ])('%s', (_name, a, b, float, want) => {
    expect(sameElement(a, b, float)).toBe(want);
  });
});

describe('splitDifference', () => {
  const alone = [f32([1, 2], [1, 2]), f32([1, 2], [3, 4])];
  it.each<[string, TensorValue | undefined, (TensorValue | undefined)[], string | undefined]>([
    ['rows that split', f32([2, 2], [1, 2, 3, 4]), alone, undefined],
    ['float noise within the tolerance', f32([2, 2], [1.000001, 2, 3, 4.000001]), alone, undefined],
    ['a missing output', undefined, alone, 'output "y" has undefined rows for 2 input rows'],
    ['a scalar output', f32([], [10]), alone, 'output "y" has undefined rows for 2 input rows'],
    ['one row for a batch of 2', f32([1, 2], [4, 6]), alone, 'output "y" has 1 rows for 2 input rows'],
    ['two rows for one', f32([2, 2], [1, 2, 3, 4]), [f32([2, 2], [1, 2, 1, 2]), alone[1]], 'output "y" has 2 rows for 1 input rows'],
    [
      'an [N,N] output',
      f32([2, 2], [1, 2, 3, 4]),
      [f32([1, 1], [1]), f32([1, 1], [4])],
      'output "y" has shape [2,2] for 2 input rows but [1,1] for 1: its dimensions after the first depend on the batch',
    ],
    [
      'rows that influence each other',
      f32([2, 2], [-1, -1, 1, 1]),
      [f32([1, 2], [0, 0]), f32([1, 2], [0, 0])],
      'output "y" of row 0 is -1 in a batch of 2 but 0 alone: the rows of a batch influence each other',
    ],
    [
      'the second row differs',
      f32([2, 2], [1, 2, 3, 5]),
      alone,
      'output "y" of row 1 is 5 in a batch of 2 but 4 alone: the rows of a batch influence each other',
    ],
    [
      'strings compared exactly',
      { type: 'string', dims: [2], data: ['0', '0'] },
      [{ type: 'string', dims: [1], data: ['0'] }, { type: 'string', dims: [1], data: ['1'] }],
      'output "y" of row 1 is "0" in a batch of 2 but "1" alone: the rows of a batch influence each other',
    ],
    [
      'int64 compared exactly',
      { type: 'int64', dims: [2, 1], data: BigInt64Array.from([1n, 2n]) },
      [{ type: 'int64', dims: [1, 1], data: BigInt64Array.from([1n]) }, { type: 'int64', dims: [1, 1], data: BigInt64Array.from([2n]) }],
      undefined,
    ],
  ])('%s', (_name, batch, rows, want) => {
    expect(splitDifference('y', batch, rows)).toBe(want);
  });
});

describe('probeBatching', () => {
  const signature: ModelSignature = { inputs: [spec('x', 'float32', [-1, 3])], outputs: [spec('y', 'float32', [-1, 3])] };
  /** A fake model: `y` computed from the rows of `x` by `f`. */
  const model =
    (f: (rows: number[][]) => number[][]): RunFn =>
    (feeds: TensorMap) => {
      const x = feeds.x!;
      const rows = Array.from({ length: x.dims[0]! }, (_, r) => Array.from(x.data.slice(r * 3, r * 3 + 3) as Float32Array));
      const y = f(rows);
      return Promise.resolve({ y: f32([y.length, y[0]?.length ?? 0], y.flat()) });
    };

  it.each<[string, RunFn, string | undefined]>([
    ['a row-wise model', model((rows) => rows.map((r) => r.map((v) => 2 * v))), undefined],
    [
      'a model that centers over the batch',
      model((rows) => rows.map((r) => r.map((v, j) => v - rows.reduce((s, o) => s + o[j]!, 0) / rows.length))),
      'output "y" of row 0 is -0.125 in a batch of 2 but 0 alone: the rows of a batch influence each other',
    ],
    ['a model that fails on distinct rows', () => Promise.reject(new Error('index 2 is out of bounds')), 'the probe run with distinct rows failed: index 2 is out of bounds'],
  ])('%s', async (_name, run, want) => {
    expect(await probeBatching(signature, run)).toBe(want);
  });

  it('does not run a model whose signature has a fixed first dimension', async () => {
    const fixed: ModelSignature = { inputs: [spec('x', 'float32', [1, 3])], outputs: [spec('y', 'float32', [-1, 3])] };
    expect(await probeBatching(fixed, () => Promise.reject(new Error('ran')))).toBe('not every input and output has a dynamic first dimension');
  });
});

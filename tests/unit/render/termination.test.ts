import { describe, expect, it } from 'vitest';
import { parseTerminationMessage, terminationMessageLimit, type TerminationMessage } from '../../../src/render/index.js';

/** A JSON object of exactly `bytes` bytes. */
const objectOf = (bytes: number) => {
  const text = `{"pad":"${'x'.repeat(bytes - 10)}"}`;
  expect(Buffer.byteLength(text)).toBe(bytes);
  return text;
};

describe('parseTerminationMessage', () => {
  it.each<[string, unknown, TerminationMessage]>([
    ['undefined', undefined, { state: 'missing' }],
    ['null', null, { state: 'missing' }],
    ['a number', 42, { state: 'missing' }],
    ['an empty string', '', { state: 'missing' }],
    ['white space', ' \n\t', { state: 'missing' }],
    ['the contract’s example', '{"metrics": {"rmse": 0.43, "r2": 0.86, "mae": 0.31}}', { state: 'ok', value: { metrics: { rmse: 0.43, r2: 0.86, mae: 0.31 } } }],
    ['an empty object with a newline', '{}\n', { state: 'ok', value: {} }],
    ['an array', '[0.43, 0.86]', { state: 'malformed', error: 'not a JSON object but an array' }],
    ['a JSON string', '"done"', { state: 'malformed', error: 'not a JSON object but a string' }],
    ['JSON null', 'null', { state: 'malformed', error: 'not a JSON object but null' }],
    ['a JSON number', '0.43', { state: 'malformed', error: 'not a JSON object but a number' }],
    ['4096 bytes of JSON', objectOf(4096), { state: 'ok', value: { pad: 'x'.repeat(4086) } }],
    ['4097 bytes of JSON', objectOf(4097), { state: 'tooLarge', bytes: 4097 }],
    ['5 KiB of JSON', objectOf(5120), { state: 'tooLarge', bytes: 5120 }],
    ['4096 bytes of broken JSON (the kubelet kept the tail of a longer file)', `,0.5${'1'.repeat(4092)}]}}`.slice(0, 4096), { state: 'tooLarge', bytes: 4096 }],
    ['2049 two-byte characters (bytes count, not characters)', `{"a":"${'é'.repeat(2049)}"}`, { state: 'tooLarge', bytes: 4106 }],
  ])('%s', (_, message, expected) => {
    expect(parseTerminationMessage(message)).toEqual(expected);
  });

  it.each([
    ['text', 'rmse=0.43 r2=0.86\n'],
    ['an unfinished object', '{"metrics": {"rmse": 0.43'],
    ['NaN (not JSON)', '{"metrics": {"rmse": NaN}}'],
    ['a log tail', 'Traceback (most recent call last):\n  File "train.py", line 12\nValueError: Input X contains NaN\n'],
  ])('reports %s as malformed, with the parser’s reason', (_, message) => {
    const parsed = parseTerminationMessage(message);
    expect(parsed.state).toBe('malformed');
    expect(parsed.state === 'malformed' && parsed.error).toMatch(/^not JSON: /);
  });

  it('counts broken JSON that reaches a lower limit (a pod of four containers: 3072 bytes) as cut', () => {
    expect(parseTerminationMessage('x'.repeat(3072), 3072)).toEqual({ state: 'tooLarge', bytes: 3072 });
    expect(parseTerminationMessage('x'.repeat(3071), 3072).state).toBe('malformed');
    expect(parseTerminationMessage(objectOf(3072), 3072).state).toBe('ok');
  });
});

describe('terminationMessageLimit', () => {
  it.each([
    [undefined, 4096],
    [1, 4096],
    [3, 4096],
    [4, 3072],
    [5, 2457],
    [0, 4096],
    [-1, 4096],
    [NaN, 4096],
    [1e9, 1],
  ])('%s containers: %i bytes each', (containers, limit) => {
    expect(terminationMessageLimit(containers)).toBe(limit);
  });
});

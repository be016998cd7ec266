import { describe, expect, it } from 'vitest';
import { ProfileError } from '../../../src/profile/errors.js';
import { jsonlSource } from '../../../src/profile/jsonl.js';
import { bytes } from './helpers.js';

async function drain(text: string, maxRecordBytes?: number) {
  const source = jsonlSource(bytes(text, 5), maxRecordBytes ? { maxRecordBytes } : {});
  const chunks = [];
  for await (const batch of source.scan([{ name: 'a', type: 'number' }, { name: 'c', type: 'categorical' }])) chunks.push(...batch);
  return chunks;
}

async function failure(text: string, maxRecordBytes?: number): Promise<string> {
  try {
    await drain(text, maxRecordBytes);
  } catch (error) {
    expect((error as ProfileError).reason).toBe('MalformedData');
    return (error as Error).message;
  }
  throw new Error('no error');
}

describe('jsonl', () => {
  it('reads values; absent keys and null are nulls; CRLF and blank lines are fine', async () => {
    const chunks = await drain('{"a":1,"c":"x"}\r\n\n{"c":3}\n{"a":null,"c":true}\n{"a":"1"}');
    const [a, c] = chunks;
    expect(a).toMatchObject({ kind: 'number', length: 1, nulls: 2, invalid: 1, firstInvalid: 5, present: true });
    expect(c?.kind === 'category' && c.values.slice(0, c.length)).toEqual(['x', '3', 'true']);
  });
  it('a line that is not JSON, or not an object, names its line', async () => {
    expect(await failure('{"a":1}\n{"a":\n')).toMatch(/^jsonl line 2: not JSON: /);
    expect(await failure('{"a":1}\n\n[1]\n')).toBe('jsonl line 3: not a JSON object');
  });
  it('a line longer than the limit', async () => {
    expect(await failure(`{"a":1}\n{"c":"${'x'.repeat(100)}"}\n`, 50)).toBe('jsonl line 2: the line is longer than 50 bytes');
  });
});

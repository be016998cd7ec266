import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { ColumnChunk } from '../../../src/profile/chunks.js';
import { csvSource } from '../../../src/profile/csv.js';
import { CsvTokenizer } from '../../../src/profile/csv-tokenizer.js';
import { ProfileError } from '../../../src/profile/errors.js';
import type { ColumnKind } from '../../../src/profile/types.js';
import { bytes, rng } from './helpers.js';

/** Every record's fields, decoded, by our tokenizer (the header included). */
function tokenize(text: string): string[][] {
  const buf = new TextEncoder().encode(text);
  const t = new CsvTokenizer();
  const out: string[][] = [];
  let pos = 0;
  const decoder = new TextDecoder();
  while (pos < buf.length) {
    pos = t.next(buf, pos, true);
    const fields: string[] = [];
    for (let i = 0; i < t.fields; i++) {
      const s = decoder.decode(buf.subarray(t.starts[i], t.ends[i]));
      fields.push(t.quoting[i] === 2 ? s.replaceAll('""', '"') : s);
    }
    if (!(fields.length === 1 && fields[0] === '' && t.quoting[0] === 0)) out.push(fields);
  }
  return out;
}

/** The values of each requested column over a whole scan. */
async function columns(text: string, requests: [string, ColumnKind][], chunkSize = 7) {
  const source = csvSource(bytes(text, chunkSize), { batchRows: 3 });
  const out = requests.map(() => ({ values: [] as unknown[], nulls: 0, invalid: 0, firstInvalid: 0 }));
  for await (const batch of source.scan(requests.map(([name, type]) => ({ name, type })))) {
    batch.forEach((chunk: ColumnChunk | undefined, i) => {
      if (!chunk) return;
      const o = out[i]!;
      for (let j = 0; j < chunk.length; j++) o.values.push(chunk.values[j]);
      o.nulls += chunk.nulls;
      if (chunk.invalid && !o.invalid) o.firstInvalid = chunk.firstInvalid;
      o.invalid += chunk.invalid;
    });
  }
  return out;
}

async function failure(text: string, requests: [string, ColumnKind][] = [['a', 'categorical']]): Promise<string> {
  try {
    await columns(text, requests);
  } catch (error) {
    expect(error).toBeInstanceOf(ProfileError);
    expect((error as ProfileError).reason).toBe('MalformedData');
    return (error as Error).message;
  }
  throw new Error('no error');
}

describe('csv tokenizer agrees with csv-parse (RFC 4180)', () => {
  const cases = {
    'plain LF': 'a,b\n1,2\n3,4\n',
    CRLF: 'a,b\r\n1,2\r\n3,4\r\n',
    'no final line break': 'a,b\n1,2\n3,4',
    'quoted comma': 'a,b\n"x,y",2\n',
    'doubled quotes': 'a,b\n"say ""hi""",2\n',
    'quoted LF': 'a,b\n"line 1\nline 2",2\n',
    'quoted CRLF in a CRLF file': 'a,b\r\n"line 1\nline 2",2\r\n"r\r\nn",3\r\n',
    'empty fields': 'a,b,c\n,,\n"",x,\n',
    'unicode': 'a,b\nHà Nội,"Đà Nẵng"\n',
  };
  it.each(Object.entries(cases))('%s', (_, text) => {
    expect(tokenize(text)).toEqual(parse(text, { relax_column_count: true, skip_empty_lines: true }));
  });

  it('on random RFC 4180 files, cut at every chunk size', async () => {
    const random = rng(7);
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
    for (let file = 0; file < 20; file++) {
      const eol = pick(['\n', '\r\n']);
      const rows: string[][] = [];
      for (let r = 0; r < 30; r++) rows.push([0, 1, 2].map(() => pick(['', 'x', '1.5', 'a,b', 'q"q', 'l\nm', 'é', ' s '])));
      const text = ['c0,c1,c2', ...rows.map((row) => row.map((f) => (/[",\n]/.test(f) || random() < 0.2 ? `"${f.replaceAll('"', '""')}"` : f)).join(','))].join(eol) + eol;
      const expected = parse(text, { skip_empty_lines: true });
      expect(tokenize(text)).toEqual(expected);
      for (const size of [1, 2, 5, 64]) {
        const [c0, c1, c2] = await columns(text, [['c0', 'categorical'], ['c1', 'categorical'], ['c2', 'categorical']], size);
        const data = expected.slice(1);
        expect(c0!.values).toEqual(data.map((r: string[]) => r[0]).filter((v) => v !== ''));
        expect(c1!.nulls + c1!.values.length).toBe(data.length);
        expect(c2!.values).toEqual(data.map((r: string[]) => r[2]).filter((v) => v !== ''));
      }
    }
  });
});

describe('csv values', () => {
  it('reads numbers, integers, booleans and categories; an empty field is null', async () => {
    const text = 'n,i,b,c\n1.5,2,true,x\n,3,FALSE,\n-2e3,,1,"y,z"\n';
    const [n, i, b, c] = await columns(text, [['n', 'number'], ['i', 'integer'], ['b', 'boolean'], ['c', 'categorical']]);
    expect(n).toMatchObject({ values: [1.5, -2000], nulls: 1, invalid: 0 });
    expect(i).toMatchObject({ values: [2, 3], nulls: 1 });
    expect(b).toMatchObject({ values: ['true', 'false', 'true'], nulls: 0 });
    expect(c).toMatchObject({ values: ['x', 'y,z'], nulls: 1 });
  });

  it('counts a non-number as invalid with the line of the first one (1-based, as an editor shows)', async () => {
    const text = 'n,i\n1,1\n"two\nlines",2\nabc,2.5\nNaN,3\n';
    const [n, i] = await columns(text, [['n', 'number'], ['i', 'integer']]);
    expect(n).toMatchObject({ values: [1], invalid: 3, firstInvalid: 3 });
    expect(i).toMatchObject({ values: [1, 2, 3], invalid: 1, firstInvalid: 5 });
  });

  it('reads quoted text beside numbers (the fast path), with the same values and lines as the tokenizer', async () => {
    const text = 'n,c,b\n1,"a ""b""",true\n2,"x,y",false\r\n3,"",1\nabc,"z","no"\n"4","w",0\n';
    const [n, c, b] = await columns(text, [['n', 'number'], ['c', 'categorical'], ['b', 'boolean']]);
    expect(n).toMatchObject({ values: [1, 2, 3, 4], invalid: 1, firstInvalid: 5 });
    expect(c).toMatchObject({ values: ['a "b"', 'x,y', 'z', 'w'], nulls: 1 });
    expect(b).toMatchObject({ values: ['true', 'false', 'true', 'false'], invalid: 1, firstInvalid: 5 });
    expect(await failure('a,n\n"x",1\n"y"z,2\n', [['a', 'categorical'], ['n', 'number']])).toMatch(/^csv line 3: a closing quote is followed by/);
  });

  it('reads every decimal as Number() does, whatever its number of digits (the fast path and its fallback)', async () => {
    const random = rng(11);
    const texts: string[] = [];
    for (let k = 0; k < 2000; k++) {
      const digits = 1 + Math.floor(random() * 19);
      let text = '';
      for (let d = 0; d < digits; d++) text += String(Math.floor(random() * 10));
      const dot = Math.floor(random() * (digits + 2)) - 1; // -1: no dot; digits: a trailing dot
      if (dot >= 0) text = `${text.slice(0, dot)}.${text.slice(dot)}`;
      if (text.startsWith('.')) text = `0${text}`;
      texts.push(random() < 0.3 ? `-${text}` : text);
    }
    texts.push('999999999', '1000000000', '4294967296', '2147483648.5', '0.000000001', '123456789.123456789');
    const text = ['n,c', ...texts.map((t) => `${t},x`)].join('\n') + '\n';
    const [n] = await columns(text, [['n', 'number']], 4096);
    expect(n!.values).toEqual(texts.map(Number));
  });

  it('skips a BOM and blank lines', async () => {
    const [a] = await columns('\ufeffa\n1\n\n2\r\n\r\n', [['a', 'number']]);
    expect(a!.values).toEqual([1, 2]);
  });

  it('reads the header names', async () => {
    expect(await csvSource(bytes('x,"y ""z""",w\n1,2,3\n')).columns()).toEqual(['x', 'y "z"', 'w']);
  });
});

describe('malformed csv is an error naming the line', () => {
  it('a row with the wrong field count', async () => {
    expect(await failure('a,b\n1,2\n1,2,3\n')).toBe('csv line 3: expected 2 fields as in the header, got 3');
    expect(await failure('a,b\n"x\ny",2\n1\n')).toBe('csv line 4: expected 2 fields as in the header, got 1');
  });
  it('an unterminated quote', async () => {
    expect(await failure('a\n1\n"open\n2\n')).toBe('csv line 3: a quoted field is not closed before the end of the file');
  });
  it('a quote inside an unquoted field, text after a closing quote, a lone CR', async () => {
    expect(await failure('a\nab"c\n')).toMatch(/^csv line 2: a quote inside an unquoted field/);
    expect(await failure('a\n"ab"c\n')).toMatch(/^csv line 2: a closing quote is followed by/);
    expect(await failure('a\nx\ry\n')).toMatch(/^csv line 2: a carriage return/);
  });
  it('a record longer than the limit', async () => {
    const source = csvSource(bytes(`a\n${'x'.repeat(5000)}\n`, 1024), { maxRecordBytes: 1000 });
    await expect(async () => {
      for await (const _ of source.scan([{ name: 'a', type: 'categorical' }]));
    }).rejects.toThrow('csv line 2: a record is longer than 1000 bytes');
  });
  it('an empty file has no header', async () => {
    await expect(async () => {
      for await (const _ of csvSource(bytes('')).scan([{ name: 'a', type: 'number' }]));
    }).rejects.toThrow('csv line 1: the file has no header');
  });
});

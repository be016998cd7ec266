import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchDecoder, BatchEncoder, DICTIONARY_LIMIT, wireBuffers } from '../../../src/profile/batch-codec.js';
import type { Batch, ColumnRequest, DataSource } from '../../../src/profile/chunks.js';
import { csvSource } from '../../../src/profile/csv.js';
import { ProfileError } from '../../../src/profile/errors.js';
import { jsonlSource } from '../../../src/profile/jsonl.js';
import { workerSource } from '../../../src/profile/worker-source.js';
import { bytes, jsonl, rng } from './helpers.js';

/** Every batch of a scan, copied (a reader reuses its arrays). */
async function scanAll(source: DataSource, requests: ColumnRequest[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const batch of source.scan(requests)) out.push(batch.map((c) => c && { ...c, values: Array.from(c.values as ArrayLike<unknown>).slice(0, c.length) }));
  return out;
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-worker-source-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('workerSource: a pass read in a worker thread', () => {
  const random = rng(11);
  const rows = Array.from({ length: 20_000 }, (_, i) => [i % 97 === 0 ? '' : (random() * 100).toFixed(3), i % 13 === 0 ? 'abc' : String(i % 7), ['x', '"y, z"', '', 'é'][i % 4], i % 3 === 0 ? 'true' : 'false']);
  const csv = ['n,i,c,b', ...rows.map((r) => r.join(','))].join('\n') + '\n';
  const requests: ColumnRequest[] = [
    { name: 'c', type: 'categorical' },
    { name: 'n', type: 'number' },
    { name: 'i', type: 'integer' },
    { name: 'b', type: 'boolean' },
  ];

  it('gives the batches of the in-process reader, in the same order (csv)', async () => {
    const path = join(dir, 'data.csv');
    await writeFile(path, csv);
    const source = workerSource(path, 'csv');
    expect(await source.columns()).toEqual(['n', 'i', 'c', 'b']);
    const expected = await scanAll(csvSource(bytes(csv, 1 << 20)), requests);
    expect(expected.length).toBeGreaterThan(2);
    expect(await scanAll(source, requests)).toEqual(expected);
  });

  it('gives the batches of the in-process reader (jsonl)', async () => {
    const text = jsonl(rows.slice(0, 9000).map(([n, i, c]) => ({ n: n === '' ? null : Number(n), i: Number(i) || i, c })));
    const path = join(dir, 'data.jsonl');
    await writeFile(path, text);
    const jsonlRequests = requests.slice(0, 3);
    expect(await scanAll(workerSource(path, 'jsonl'), jsonlRequests)).toEqual(await scanAll(jsonlSource(bytes(text)), jsonlRequests));
  });

  it('throws the reader error as it was: MalformedData with its line, a missing file with its code', async () => {
    const path = join(dir, 'bad.csv');
    await writeFile(path, 'a,b\n1,2\n3\n');
    const error = await scanAll(workerSource(path, 'csv'), [{ name: 'a', type: 'number' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProfileError);
    expect(error).toMatchObject({ reason: 'MalformedData', message: 'csv line 3: expected 2 fields as in the header, got 1' });
    const missing = await scanAll(workerSource(join(dir, 'none.csv'), 'csv'), [{ name: 'a', type: 'number' }]).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'ENOENT' });
  });

  it('a thread started before its job does not keep the process alive while unused', async () => {
    const script = join(dir, 'unused-reader.mts');
    const module = new URL('../../../src/profile/reader-thread.ts', import.meta.url).href;
    await writeFile(script, `import { startReaderThread } from ${JSON.stringify(module)};\nstartReaderThread();\n`);
    const tsx = new URL('../../../node_modules/tsx/dist/esm/index.mjs', import.meta.url).href;
    const child = spawn(process.execPath, ['--import', tsx, script], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  }, 30_000);

  it('stops the thread when the engine stops early', async () => {
    const path = join(dir, 'data.csv');
    for await (const batch of workerSource(path, 'csv').scan(requests)) {
      expect(batch[1]!.length).toBeGreaterThan(0);
      break;
    }
  });
});

describe('batch codec', () => {
  it('sends each category once, then its id; past the dictionary limit, the text every time', () => {
    const encoder = new BatchEncoder();
    const decoder = new BatchDecoder();
    const counts = { nulls: 1, invalid: 2, firstInvalid: 3, present: true };
    const unique = Array.from({ length: DICTIONARY_LIMIT + 10 }, (_, i) => `v${i}`);
    const batches: Batch[] = [
      [{ kind: 'category', values: ['a', 'b', 'a'], length: 3, ...counts }, { kind: 'number', values: Float64Array.from([1, 2, 9]), length: 2, ...counts }],
      [{ kind: 'category', values: unique, length: unique.length, ...counts }, undefined],
      [{ kind: 'category', values: ['b', `v${DICTIONARY_LIMIT + 5}`, 'a'], length: 3, ...counts }, undefined],
    ];
    const sent = batches.map((b) => encoder.encode(b).wire);
    expect(sent[0]![0]).toMatchObject({ added: ['a', 'b'], unlisted: [] });
    expect(sent[2]![0]).toMatchObject({ added: [], unlisted: [`v${DICTIONARY_LIMIT + 5}`] });
    const received = sent.map((w) => decoder.decode(w).map((c) => c && { ...c, values: Array.from(c.values as ArrayLike<unknown>).slice(0, c.length) }));
    expect(received[0]).toEqual([{ kind: 'category', values: ['a', 'b', 'a'], length: 3, ...counts }, { kind: 'number', values: [1, 2], length: 2, ...counts }]);
    expect(received[1]![0]!.values).toEqual(unique);
    expect(received[1]![1]).toBeUndefined();
    expect(received[2]![0]!.values).toEqual(['b', `v${DICTIONARY_LIMIT + 5}`, 'a']);
  });

  it('writes the next batches into the buffers the receiver gave back, with their own values', () => {
    const encoder = new BatchEncoder();
    const decoder = new BatchDecoder();
    const counts = { nulls: 0, invalid: 0, firstInvalid: 0, present: true };
    const batch = (n: number): Batch => [
      { kind: 'number', values: Float64Array.from({ length: 8 }, (_, j) => n * 10 + j), length: 5, ...counts },
      { kind: 'category', values: ['x', 'y', String(n)], length: 3, ...counts },
    ];
    // as the receiver reads them: each batch decoded before its buffers are given back
    const received = (sent: ReturnType<BatchEncoder['encode']>) => decoder.decode(sent.wire).map((c) => c && Array.from(c.values as ArrayLike<unknown>).slice(0, c.length));
    const first = encoder.encode(batch(1));
    expect(received(first)).toEqual([[10, 11, 12, 13, 14], ['x', 'y', '1']]);
    const given = wireBuffers(first.wire);
    expect(given).toEqual(first.transfer);
    const unreturned = encoder.encode(batch(2));
    expect(received(unreturned)).toEqual([[20, 21, 22, 23, 24], ['x', 'y', '2']]);
    expect(wireBuffers(unreturned.wire).some((b) => given.includes(b))).toBe(false);
    encoder.recycle(given);
    const reused = encoder.encode(batch(3));
    expect(wireBuffers(reused.wire)).toEqual(expect.arrayContaining(given));
    expect(received(reused)).toEqual([[30, 31, 32, 33, 34], ['x', 'y', '3']]);
  });
});

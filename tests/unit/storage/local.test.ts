/**
 * The atomic-write and verify logic over file:// and pvc:// on a real disk: a file appears complete or not at
 * all, a mismatch leaves nothing, and a claim cannot be left through `..` or a symbolic link.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChecksumMismatchError, createStorage, fetchVerified, isTempFile, StorageError, writeFileAtomic, type Storage } from '../../../src/storage/index.js';

const sha = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** A source that yields `good` bytes and then fails, as a connection that dies mid-transfer. */
function failingSource(good: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(good);
      } else {
        this.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
      }
    },
  });
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    return (error as StorageError).reason;
  }
  throw new Error('did not fail');
}

let dir = '';
let storage: Storage;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-storage-'));
  storage = createStorage({ allowFileUrls: true, pvcRoot: join(dir, 'pvc') });
});
afterEach(async () => {
  storage.close();
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('renames only after the check passed', async () => {
    const target = join(dir, 'out', 'model.onnx');
    let seenDuringCheck: string[] = [];
    await writeFileAtomic(target, Readable.from([Buffer.from('abc')]), () => {
      seenDuringCheck = readdirSync(join(dir, 'out'));
    });
    expect(seenDuringCheck).toHaveLength(1);
    expect(isTempFile(seenDuringCheck[0]!)).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('abc');
    expect(readdirSync(join(dir, 'out'))).toEqual(['model.onnx']);
  });

  it('a failed check leaves the previous file and no temporary file', async () => {
    const target = join(dir, 'model.onnx');
    writeFileSync(target, 'old');
    await expect(
      writeFileAtomic(target, Readable.from([Buffer.from('new')]), () => {
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(readFileSync(target, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['model.onnx']);
  });

  it('a source that fails mid-stream leaves nothing', async () => {
    await expect(writeFileAtomic(join(dir, 'x'), failingSource(randomBytes(1000)), () => undefined)).rejects.toThrow(/ECONNRESET/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('fetchVerified over file://', () => {
  const bytes = randomBytes(300_000);
  let source = '';
  beforeEach(() => {
    source = join(dir, 'src', 'data.csv');
    mkdirSync(join(dir, 'src'));
    writeFileSync(source, bytes);
  });

  it('writes the file when the sha256 matches', async () => {
    const to = join(dir, 'to', 'data.csv');
    const result = await fetchVerified(storage, `file://${source}`, { sha256: sha(bytes), to });
    expect(result).toEqual({ uri: `file://${source}`, path: to, size: bytes.length, sha256: sha(bytes) });
    expect(readFileSync(to).equals(bytes)).toBe(true);
  });

  it('accepts an upper-case or sha256:-prefixed digest', async () => {
    const to = join(dir, 'to', 'data.csv');
    await fetchVerified(storage, `file://${source}`, { sha256: `sha256:${sha(bytes).toUpperCase()}`, to });
    expect(readFileSync(to).equals(bytes)).toBe(true);
  });

  it('a mismatch is ChecksumMismatch and leaves nothing at the target, nor a temporary file', async () => {
    const to = join(dir, 'to', 'data.csv');
    const wrong = sha('something else');
    const error = await fetchVerified(storage, `file://${source}`, { sha256: wrong, to }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChecksumMismatchError);
    expect((error as ChecksumMismatchError).reason).toBe('ChecksumMismatch');
    expect((error as Error).message).toContain(`expected ${wrong}`);
    expect((error as Error).message).toContain(sha(bytes));
    expect(readdirSync(join(dir, 'to'))).toEqual([]);
  });

  it('a mismatch keeps a previous verified file untouched', async () => {
    const to = join(dir, 'to', 'data.csv');
    mkdirSync(join(dir, 'to'));
    writeFileSync(to, 'previous');
    await expect(reasonOf(fetchVerified(storage, `file://${source}`, { sha256: sha('x'), to }))).resolves.toBe('ChecksumMismatch');
    expect(readFileSync(to, 'utf8')).toBe('previous');
  });

  it('a missing object is NotFound', async () => {
    await expect(reasonOf(fetchVerified(storage, `file://${dir}/nope.csv`, { sha256: sha(''), to: join(dir, 'x') }))).resolves.toBe('NotFound');
  });

  it('an object over the limit is TooLarge and leaves nothing', async () => {
    const to = join(dir, 'to', 'data.csv');
    await expect(reasonOf(fetchVerified(storage, `file://${source}`, { sha256: sha(bytes), to, maxBytes: 1000 }))).resolves.toBe('TooLarge');
    expect(readdirSync(dir)).toEqual(['src']);
  });

  it('file:// is refused unless allowed', async () => {
    const strict = createStorage({ allowFileUrls: false });
    await expect(reasonOf(fetchVerified(strict, `file://${source}`, { sha256: sha(bytes), to: join(dir, 'x') }))).resolves.toBe('InvalidUri');
  });

  it('a cancelled fetch is Interrupted and leaves nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const to = join(dir, 'to', 'data.csv');
    await expect(reasonOf(fetchVerified(storage, `file://${source}`, { sha256: sha(bytes), to, signal: controller.signal }))).resolves.toBe('Interrupted');
    expect(readdirSync(join(dir, 'to'))).toEqual([]);
  });
});

describe('Storage over file:// and pvc://', () => {
  it('write, stat, read and list through pvc://', async () => {
    mkdirSync(join(dir, 'pvc', 'data'), { recursive: true });
    const payload = Buffer.from('hello pvc');
    const written = await storage.write('pvc://data/runs/1/model.onnx', Readable.from([payload]), { sha256: sha(payload) });
    expect(written).toEqual({ uri: 'pvc://data/runs/1/model.onnx', size: payload.length, sha256: sha(payload) });
    expect(readFileSync(join(dir, 'pvc', 'data', 'runs', '1', 'model.onnx'), 'utf8')).toBe('hello pvc');
    expect(await storage.stat('pvc://data/runs/1/model.onnx')).toMatchObject({ uri: 'pvc://data/runs/1/model.onnx', size: payload.length });
    const { stream } = await storage.read('pvc://data/runs/1/model.onnx');
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello pvc');
    expect(stream.sha256).toBe(sha(payload));
    writeFileSync(join(dir, 'pvc', 'data', 'runs', '.half.bin.0123456789ab.cairn-tmp'), 'partial');
    const listed = [];
    for await (const info of storage.list('pvc://data/runs/')) listed.push(info.uri);
    expect(listed).toEqual(['pvc://data/runs/1/model.onnx']);
  });

  it('a write whose sha256 differs is ChecksumMismatch and leaves nothing', async () => {
    const target = join(dir, 'out', 'a.bin');
    await expect(reasonOf(storage.write(`file://${target}`, Readable.from([Buffer.from('abc')]), { sha256: sha('abd') }))).resolves.toBe('ChecksumMismatch');
    expect(readdirSync(join(dir, 'out'))).toEqual([]);
  });

  it('a write whose source fails is Interrupted and leaves nothing', async () => {
    const target = join(dir, 'out', 'a.bin');
    await expect(reasonOf(storage.write(`file://${target}`, failingSource(randomBytes(5000))))).resolves.toBe('Interrupted');
    expect(readdirSync(join(dir, 'out'))).toEqual([]);
  });

  it('a write shorter than its declared size is Interrupted', async () => {
    await expect(reasonOf(storage.write(`file://${dir}/a.bin`, Readable.from([Buffer.from('abc')]), { size: 10 }))).resolves.toBe('Interrupted');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a claim that is not mounted is NotFound, naming the mount folder', async () => {
    const error = await storage.stat('pvc://missing/x').catch((e: unknown) => e);
    expect((error as StorageError).reason).toBe('NotFound');
    expect((error as Error).message).toContain(join(dir, 'pvc', 'missing'));
  });

  it('a symbolic link out of the claim is refused', async () => {
    mkdirSync(join(dir, 'pvc', 'data'), { recursive: true });
    mkdirSync(join(dir, 'outside'));
    writeFileSync(join(dir, 'outside', 'secret'), 'no');
    symlinkSync(join(dir, 'outside'), join(dir, 'pvc', 'data', 'escape'));
    await expect(reasonOf(storage.read('pvc://data/escape/secret'))).resolves.toBe('AccessDenied');
    await expect(reasonOf(storage.write('pvc://data/escape/new', Readable.from([Buffer.from('x')])))).resolves.toBe('AccessDenied');
    expect(readdirSync(join(dir, 'outside'))).toEqual(['secret']);
  });

  it('https is not writable, with a clear error', async () => {
    const error = await storage.write('https://example.com/x', Readable.from([Buffer.from('x')])).catch((e: unknown) => e);
    expect((error as StorageError).reason).toBe('InvalidUri');
    expect((error as Error).message).toMatch(/read-only/);
  });
});

/** The kubelet's AtomicWriter layout, on a real temporary directory: ..data swap, top-level links, no rewrite when unchanged. */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeAtomically } from '../../../../src/localnode/volumes/atomic-writer.js';
import type { Payload } from '../../../../src/localnode/volumes/payload.js';

const payload = (entries: Record<string, [string, number]>): Payload => new Map(Object.entries(entries).map(([path, [text, mode]]) => [path, { data: Buffer.from(text), mode }]));

describe('writeAtomically', () => {
  let dir = '';
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'cairn-atomic-')), 'vol');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  it('writes a timestamped directory, ..data pointing to it, and one link per top-level name', async () => {
    expect(await writeAtomically(dir, payload({ 'app.conf': ['a=1', 0o600], 'conf/nested.txt': ['n', 0o644] }))).toBe(true);
    const target = readlinkSync(join(dir, '..data'));
    expect(target).toMatch(/^\.\.\d{4}_\d{2}_\d{2}_\d{2}_\d{2}_\d{2}\./);
    expect(readdirSync(dir).sort()).toEqual(['..data', target, 'app.conf', 'conf'].sort());
    expect(readlinkSync(join(dir, 'app.conf'))).toBe('..data/app.conf');
    expect(readlinkSync(join(dir, 'conf'))).toBe('..data/conf');
    expect(readFileSync(join(dir, 'app.conf'), 'utf8')).toBe('a=1');
    expect(statSync(join(dir, 'app.conf')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'conf', 'nested.txt'), 'utf8')).toBe('n');
  });

  it('writes nothing when the payload is unchanged', async () => {
    await writeAtomically(dir, payload({ a: ['1', 0o644] }));
    const first = readlinkSync(join(dir, '..data'));
    expect(await writeAtomically(dir, payload({ a: ['1', 0o644] }))).toBe(false);
    expect(readlinkSync(join(dir, '..data'))).toBe(first);
  });

  it('swaps ..data on a change, removes the old directory and the links of names that went away', async () => {
    await writeAtomically(dir, payload({ a: ['1', 0o644], gone: ['x', 0o644] }));
    const first = readlinkSync(join(dir, '..data'));
    expect(await writeAtomically(dir, payload({ a: ['2', 0o644], b: ['new', 0o400] }))).toBe(true);
    const second = readlinkSync(join(dir, '..data'));
    expect(second).not.toBe(first);
    expect(readdirSync(dir).sort()).toEqual(['..data', second, 'a', 'b'].sort());
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('2');
    expect(lstatSync(join(dir, 'b')).isSymbolicLink()).toBe(true);
    expect(statSync(join(dir, 'b')).mode & 0o777).toBe(0o400);
  });

  it('a mode change alone is a change', async () => {
    await writeAtomically(dir, payload({ a: ['1', 0o644] }));
    expect(await writeAtomically(dir, payload({ a: ['1', 0o600] }))).toBe(true);
    expect(statSync(join(dir, 'a')).mode & 0o777).toBe(0o600);
  });

  it('an empty payload is an empty volume', async () => {
    await writeAtomically(dir, payload({}));
    expect(readdirSync(dir).filter((n) => !n.startsWith('..'))).toEqual([]);
  });
});

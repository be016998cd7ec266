import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkGolden, expectGolden, goldenText } from './golden.js';

describe('golden files', () => {
  const dirs: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-golden-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('writes two-space JSON and a final newline when updating', () => {
    const file = join(scratch(), 'nested', 'x.json');
    checkGolden(file, { b: 1, a: [true] }, true);
    expect(readFileSync(file, 'utf8')).toBe('{\n  "b": 1,\n  "a": [\n    true\n  ]\n}\n');
    checkGolden(file, { b: 1, a: [true] }, false);
  });

  it('fails on a difference, saying how to accept it', () => {
    const file = join(scratch(), 'x.json');
    writeFileSync(file, goldenText({ a: 1 }));
    expect(() => checkGolden(file, { a: 2 }, false)).toThrow(/differs; if the change is intended, rewrite it with `UPDATE_GOLDEN=1 npx vitest run/);
  });

  it('fails on a missing file, saying how to create it', () => {
    const file = join(scratch(), 'missing.json');
    expect(() => checkGolden(file, { a: 1 }, false)).toThrow(/does not exist: create it with `UPDATE_GOLDEN=1 npx vitest run --project unit tests\/unit\/render`/);
  });

  it('refuses names that are not plain file names and values without JSON', () => {
    expect(() => expectGolden('../escape', {})).toThrow(/lower case letters/);
    expect(() => goldenText(undefined)).toThrow(/no JSON form/);
  });
});

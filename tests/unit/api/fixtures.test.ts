import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kinds } from '../../../src/api/kinds/index.js';
import { makeValidators } from '../../../src/api/validate.js';
import { checkTree as checkTreeWith, type Problem } from '../../../src/manifests/check.js';

const validators = makeValidators();
const checkTree = (path: string) => checkTreeWith(path, { validators });

const root = join(import.meta.dirname, '../../..');
const fixtures = join(root, 'tests/fixtures/api');
const yamlIn = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

/** `line: Kind/name: field: message`, the part of a problem line after the file name. */
function describeProblem(p: Problem): string {
  return [String(p.line), p.object, p.field, p.message].filter(Boolean).join(': ');
}

/** The `# expect:` lines a fixture carries: the exact problems it must produce. */
function expectations(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('# expect: '))
    .map((line) => line.slice('# expect: '.length));
}

describe('valid fixtures', () => {
  const files = [...yamlIn(join(fixtures, 'valid')).map((f) => join(fixtures, 'valid', f))];
  it.each(files)('%s has no problems', async (file) => {
    const result = await checkTree(file);
    expect(result.problems).toEqual([]);
    expect(result.objects).toHaveLength(1);
  });

  it('examples/ is clean and has every kind', async () => {
    const result = await checkTree(join(root, 'examples'));
    expect(result.problems).toEqual([]);
    expect(new Set(result.objects.map((o) => o.kind))).toEqual(new Set(kinds.map((k) => k.kind)));
  });
});

describe('invalid fixtures', () => {
  const files = yamlIn(join(fixtures, 'invalid')).map((f) => join(fixtures, 'invalid', f));
  it.each(files)('%s reports exactly its expected problems', async (file) => {
    const expected = expectations(file);
    expect(expected.length).toBeGreaterThan(0);
    const result = await checkTree(file);
    expect(result.problems.map(describeProblem)).toEqual(expected);
    expect(result.objects).toEqual([]);
  });

  it('every kind has valid and invalid fixtures', () => {
    for (const def of kinds) {
      const prefix = def.kind.toLowerCase();
      expect(yamlIn(join(fixtures, 'valid')).some((f) => f.startsWith(prefix)), `valid ${def.kind}`).toBe(true);
      expect(yamlIn(join(fixtures, 'invalid')).some((f) => f.startsWith(prefix)), `invalid ${def.kind}`).toBe(true);
    }
  });
});

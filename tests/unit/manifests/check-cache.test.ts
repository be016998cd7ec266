/**
 * checkTree keeps the verdict on each file it read, by content, for a caller that keeps its validators (the
 * GitSource controller): a commit that changes one file of a large repository parses that file only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeValidators } from '../../../src/api/validate.js';
import { checkTree } from '../../../src/manifests/check.js';

const modelVersion = (name: string, version: number | string) =>
  `apiVersion: cairn.dev/v1alpha1\nkind: ModelVersion\nmetadata:\n  name: ${name}\nspec:\n  model: eta\n  version: ${version}\n  artifact: {uri: "s3://b/${name}.onnx", sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae}\n`;

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-check-cache-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('checkTree reuse of unchanged files', () => {
  it('reuses the objects of unchanged files and checks a changed one anew, with the verdict of a fresh check', async () => {
    const validators = makeValidators();
    const dir = tree({ 'a.yaml': modelVersion('a', 1), 'b.yaml': modelVersion('b', 1), 'c.yaml': modelVersion('c', 'x') });
    const first = await checkTree(dir, { validators, namespace: 'ml' });
    writeFileSync(join(dir, 'b.yaml'), modelVersion('b', 2));
    const second = await checkTree(dir, { validators, namespace: 'ml' });
    expect(second.objects[0]).toBe(first.objects[0]); // a.yaml: unchanged, not parsed again
    expect(second.objects[1]).not.toBe(first.objects[1]); // b.yaml changed
    expect((second.objects[1]!.object.spec as { version: number }).version).toBe(2);
    // The same result as a check from scratch, problems of the unchanged invalid file included.
    const fresh = await checkTree(dir, { validators: makeValidators(), namespace: 'ml' });
    expect(second).toEqual(fresh);
    expect(second.problems.map((p) => `${p.file}:${p.line}: ${p.field}`)).toEqual(['c.yaml:7: spec.version']);
  });

  it('still reports a duplicate between an unchanged file and a new one', async () => {
    const validators = makeValidators();
    const dir = tree({ 'a.yaml': modelVersion('a', 1) });
    await checkTree(dir, { validators, namespace: 'ml' });
    writeFileSync(join(dir, 'b.yaml'), modelVersion('a', 2));
    const result = await checkTree(dir, { validators, namespace: 'ml' });
    expect(result.objects).toHaveLength(1);
    expect(result.problems.map((p) => p.message)).toEqual(['duplicate of the object at a.yaml:1']);
  });

  it('keys a file by its path too: the same text under another name is reported under that name', async () => {
    const validators = makeValidators();
    const text = modelVersion('a', 'bad');
    await checkTree(tree({ 'one.yaml': text }), { validators });
    const result = await checkTree(tree({ 'two.yaml': text }), { validators });
    expect(result.problems.map((p) => p.file)).toEqual(['two.yaml']);
  });

  it('reuses nothing for a caller that does not keep its validators (cairn validate)', async () => {
    const dir = tree({ 'a.yaml': modelVersion('a', 1) });
    const first = await checkTree(dir);
    const second = await checkTree(dir);
    expect(second.objects[0]).not.toBe(first.objects[0]);
    expect(second).toEqual(first);
  });
});

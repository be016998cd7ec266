/**
 * Hostile and odd input to `cairn validate`: each case must give a clear problem at the exact file and
 * line, and never hang or crash. The same loader feeds the GitSource controller.
 */
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeValidators } from '../../../src/api/validate.js';
import { checkTree, formatProblem } from '../../../src/manifests/check.js';

const validators = makeValidators();
let dir: string;

const dataset = (name: string, extra = '') =>
  `apiVersion: cairn.dev/v1alpha1
kind: Dataset
metadata:
  name: ${name}
spec:
  source: {uri: "https://d.example.com/x.csv", format: csv, sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08}
  schema:
    features: [{name: x, type: number}]
${extra}`;

/** Writes `files` into a fresh folder and returns the problem lines `cairn validate` prints for it. */
async function problemsOf(files: Record<string, string | Buffer>, limits?: { maxFileBytes: number; maxFiles: number; maxTotalBytes?: number }, namespace?: string): Promise<string[]> {
  const case_ = mkdtempSync(join(dir, 'case-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(case_, name, '..'), { recursive: true });
    writeFileSync(join(case_, name), content);
  }
  const result = await checkTree(case_, { validators, displayPrefix: 'repo', ...(limits ? { limits } : {}), ...(namespace ? { namespace } : {}) });
  return result.problems.map(formatProblem);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-hostile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hostile input', () => {
  it('a YAML syntax error gives line and column', async () => {
    expect(await problemsOf({ 'a.yaml': 'apiVersion: cairn.dev/v1alpha1\nkind: Dataset\nmetadata:\n  name: [x\n  other: 1\n' })).toEqual([
      'repo/a.yaml:5:3: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
  });

  it('tabs as indentation are a syntax error at their line', async () => {
    expect(await problemsOf({ 'a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n' })).toEqual(['repo/a.yaml:4:1: YAML syntax error: Tabs are not allowed as indentation']);
  });

  it('a map of 80,000 keys (just under the size limit) is checked in linear time, with a bounded report', { timeout: 60_000 }, async () => {
    // The parser's own duplicate-key check and a per-problem scan of the map took minutes here (and blocked
    // the operator's event loop all that time); the test times out if that comes back.
    const keys = Array.from({ length: 80_000 }, (_, i) => `  k${i}: 1`).join('\n');
    const doc = dataset('big').replace('spec:\n', `spec:\n${keys}\n`);
    const problems = await problemsOf({ 'big.yaml': doc });
    expect(problems).toHaveLength(101);
    expect(problems[0]).toBe('repo/big.yaml:6: Dataset/big: spec.k0: unknown field');
    expect(problems[99]).toBe('repo/big.yaml:105: Dataset/big: spec.k99: unknown field');
    expect(problems[100]).toBe('repo/big.yaml:106: Dataset/big: 79900 more problem(s) in this document from here on, not listed');
    const duplicate = await problemsOf({ 'big.yaml': `${doc}  k5: 2\n` });
    expect(duplicate).toEqual(['repo/big.yaml:80009:3: YAML syntax error: Map keys must be unique']);
  });

  it('a duplicate key is an error, not a silent overwrite', async () => {
    expect(await problemsOf({ 'a.yaml': 'apiVersion: cairn.dev/v1alpha1\nkind: Dataset\nkind: Experiment\n' })).toEqual(['repo/a.yaml:3:1: YAML syntax error: Map keys must be unique']);
  });

  it('an alias bomb (billion laughs) is refused without expanding it', async () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    let previous = 'a';
    for (const name of 'bcdefghi') {
      lines.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
      previous = name;
    }
    expect(await problemsOf({ 'bomb.yaml': lines.join('\n') + '\n' })).toEqual(['repo/bomb.yaml:1: too many YAML aliases (more than 100): refusing a possible alias bomb']);
  });

  it('absurd nesting is refused before parsing, not a crash', async () => {
    expect(await problemsOf({ 'deep.yaml': 'a: 1\nb: ' + '['.repeat(100_000) })).toEqual(['repo/deep.yaml:2: YAML nested deeper than 64 levels; refusing to parse the file']);
    expect(await problemsOf({ 'deep.yaml': 'a:\n' + Array.from({ length: 600 }, (_, i) => ' '.repeat(i + 1) + `k${i}:`).join('\n') })).toEqual([
      'repo/deep.yaml:514: YAML nested deeper than 64 levels; refusing to parse the file',
    ]);
  });

  it('brackets inside quotes and comments do not count as nesting', async () => {
    const text = dataset('brackets').replace('  name: brackets', `  name: brackets\n  annotations: {note: "${'['.repeat(200)}", other: '${'{'.repeat(200)}'} # ${'['.repeat(200)}`);
    expect(await problemsOf({ 'ok.yaml': text })).toEqual([]);
  });

  it('a file over the size limit is not read', async () => {
    expect(await problemsOf({ 'big.yaml': 'a: ' + 'x'.repeat(2000) + '\n' }, { maxFileBytes: 1000, maxFiles: 10 })).toEqual(['repo/big.yaml:1: file is 2004 bytes, over the limit of 1000']);
  });

  it('too many files: the rest are not read, and that is an error', async () => {
    const files = Object.fromEntries([1, 2, 3].map((i) => [`f${i}.yaml`, dataset(`d${i}`)]));
    expect(await problemsOf(files, { maxFileBytes: 10_000, maxFiles: 2 })).toEqual(['repo/f3.yaml:1: more than 2 YAML files; the rest are not read']);
    // All files together are bounded too (the defaults allow 10,000 files but 64 MiB in all).
    const total = dataset('t1').length + dataset('t2').length;
    expect(await problemsOf({ 'a.yaml': dataset('t1'), 'b.yaml': dataset('t2'), 'c.yaml': dataset('t3') }, { maxFileBytes: 10_000, maxFiles: 10, maxTotalBytes: total })).toEqual([
      `repo/c.yaml:1: the YAML files pass ${total} bytes in total here; this file and the rest are not read`,
    ]);
  });

  it('a symlink that leaves the root is not followed', async () => {
    const outside = join(dir, 'outside.yaml');
    writeFileSync(outside, dataset('outside'));
    const case_ = mkdtempSync(join(dir, 'case-'));
    symlinkSync(outside, join(case_, 'evil.yaml'));
    mkdirSync(join(case_, 'sub'));
    symlinkSync(dir, join(case_, 'sub', 'up'));
    const result = await checkTree(case_, { validators, displayPrefix: 'repo' });
    expect(result.problems.map(formatProblem)).toEqual(['repo/evil.yaml:1: symlink leaves the root; not read', 'repo/sub/up:1: symlink leaves the root; not read']);
    expect(result.objects).toEqual([]);
  });

  it('a symlink inside the root is read once', async () => {
    const case_ = mkdtempSync(join(dir, 'case-'));
    writeFileSync(join(case_, 'real.yaml'), dataset('real'));
    symlinkSync(join(case_, 'real.yaml'), join(case_, 'alias.yaml'));
    const result = await checkTree(case_, { validators, displayPrefix: 'repo' });
    // The link is a second path to the same object: reported as a duplicate, never applied twice.
    expect(result.problems.map(formatProblem)).toEqual(['repo/real.yaml:1: Dataset/real: duplicate of the object at repo/alias.yaml:1']);
    expect(result.objects).toHaveLength(1);
  });

  it('a binary file is refused', async () => {
    expect(await problemsOf({ 'model.yaml': Buffer.from([0x08, 0x01, 0x12, 0x00, 0xff, 0x00]) })).toEqual(['repo/model.yaml:1: binary file (NUL bytes), not YAML']);
  });

  it('invalid UTF-8 is refused', async () => {
    expect(await problemsOf({ 'latin1.yaml': Buffer.from('name: caf\xe9\n', 'latin1') })).toEqual(['repo/latin1.yaml:1: not valid UTF-8 text']);
  });

  it('a BOM is accepted and does not shift lines', async () => {
    expect(await problemsOf({ 'bom.yaml': '\uFEFF' + dataset('bom', '  validation: {maxNullFraction: 2}\n') })).toEqual([
      'repo/bom.yaml:9: Dataset/bom: spec.validation.maxNullFraction: Invalid value: 2: must be <= 1',
    ]);
  });

  it('CRLF line ends are accepted, lines are right and messages carry no \\r', async () => {
    const text = dataset('crlf', '  profile: {bins: 1}\n').replace(/\n/g, '\r\n');
    expect(await problemsOf({ 'crlf.yaml': text })).toEqual(['repo/crlf.yaml:9: Dataset/crlf: spec.profile.bins: Invalid value: 1: must be >= 2']);
  });

  it('empty documents are ignored and the documents after them keep their lines', async () => {
    const result = await problemsOf({ 'empty.yaml': '---\n# only a comment\n---\n' + dataset('after-empty', '  profile: {bins: 0}\n') });
    expect(result).toEqual(['repo/empty.yaml:1: ignored: empty document', 'repo/empty.yaml:12: Dataset/after-empty: spec.profile.bins: Invalid value: 0: must be >= 2']);
  });

  it('an empty file has no documents and no problems', async () => {
    expect(await problemsOf({ 'nothing.yaml': '' })).toEqual([]);
  });

  it('a document that is not a mapping is an error', async () => {
    expect(await problemsOf({ 'list.yaml': '- a\n- b\n', 'scalar.yaml': 'just text\n' })).toEqual([
      'repo/list.yaml:1: document is a list, not a Kubernetes object (a mapping with apiVersion and kind)',
      'repo/scalar.yaml:1: document is a string, not a Kubernetes object (a mapping with apiVersion and kind)',
    ]);
  });

  it('a document without apiVersion or kind is an error', async () => {
    expect(await problemsOf({ 'a.yaml': 'kind: Dataset\nmetadata: {name: x}\n' })).toEqual(['repo/a.yaml:1: Dataset/x: apiVersion: Required value: every document needs apiVersion and kind']);
  });

  it('the same Kind/namespace/name in two files is an error at the second', async () => {
    expect(await problemsOf({ 'a/one.yaml': dataset('twin'), 'b/two.yaml': '# a comment\n' + dataset('twin') })).toEqual(['repo/b/two.yaml:2: Dataset/twin: duplicate of the object at repo/a/one.yaml:1']);
  });

  it('the same name in two namespaces is not a duplicate', async () => {
    const inNamespace = (ns: string) => dataset('same').replace('  name: same', `  name: same\n  namespace: ${ns}`);
    expect(await problemsOf({ 'a.yaml': inNamespace('team-a'), 'b.yaml': inNamespace('team-b') })).toEqual([]);
  });

  it('with the namespace objects default to (a GitSource\'s), the same object with and without it is a duplicate', async () => {
    const files = { 'base/d.yaml': dataset('same'), 'prod/d.yaml': dataset('same').replace('  name: same', '  name: same\n  namespace: ml') };
    expect(await problemsOf(files, undefined, 'ml')).toEqual(['repo/prod/d.yaml:1: Dataset/same: duplicate of the object at repo/base/d.yaml:1']);
    expect(await problemsOf(files, undefined, 'other')).toEqual([]);
  });

  it('a misspelt cairn group is an error, not an ignored document (ignoring it would prune the live object)', async () => {
    for (const apiVersion of ['Cairn.dev/v1alpha1', 'cairn.dev.io/v1alpha1', 'cairn/v1alpha1']) {
      expect(await problemsOf({ 'd.yaml': dataset('typo').replace('cairn.dev/v1alpha1', apiVersion) })).toEqual([
        `repo/d.yaml:1: Dataset/typo: apiVersion: Unsupported value: "${apiVersion}": supported values: "cairn.dev/v1alpha1"`,
      ]);
    }
  });

  it('documents of other API groups are ignored, or errors when asked', async () => {
    const files = { 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n' };
    expect(await problemsOf(files)).toEqual(['repo/cm.yaml:1: ConfigMap/settings: ignored: v1 is not cairn.dev']);
    const case_ = mkdtempSync(join(dir, 'case-'));
    writeFileSync(join(case_, 'cm.yaml'), files['cm.yaml']);
    const strict = await checkTree(case_, { validators, displayPrefix: 'repo', rejectOtherGroups: true });
    expect(strict.problems.map(formatProblem)).toEqual(['repo/cm.yaml:1: ConfigMap/settings: v1 is not cairn.dev; only cairn.dev objects are allowed here']);
    expect(strict.problems[0]!.severity).toBe('error');
  });

  it('hidden folders (.git, .github) and non-YAML files are skipped', async () => {
    expect(await problemsOf({ '.git/config.yaml': 'not: [valid', 'README.md': '# hi', 'notes.txt': '[' })).toEqual([]);
  });

  it('all problems of all files are reported at once, valid documents still load', async () => {
    const result = await checkTree(
      (() => {
        const case_ = mkdtempSync(join(dir, 'case-'));
        writeFileSync(join(case_, 'a.yaml'), dataset('good') + '---\n' + dataset('bad', '  profile: {bins: 1}\n'));
        writeFileSync(join(case_, 'b.yaml'), 'a: [\n');
        return case_;
      })(),
      { validators },
    );
    expect(result.objects.map((o) => o.name)).toEqual(['good']);
    expect(result.problems.map(formatProblem)).toEqual(['a.yaml:18: Dataset/bad: spec.profile.bins: Invalid value: 1: must be >= 2', 'b.yaml:2:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]']);
  });
});

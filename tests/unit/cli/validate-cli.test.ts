/** `cairn validate` as a platform team's CI runs it: the real CLI in a child process. */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const run = promisify(execFile);

async function cairn(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'bin/cairn.js'), ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('cairn validate', () => {
  it('exits 0 on examples/', async () => {
    const result = await cairn('validate', 'examples/');
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^10 files, 10 valid cairn.dev objects, 0 problems, 0 ignored\n$/);
    expect(result.code).toBe(0);
  });

  it('exits 1 on the invalid fixtures and prints file:line for every expected problem', async () => {
    const dir = 'tests/fixtures/api/invalid';
    const expected = readdirSync(join(root, dir))
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .flatMap((f) =>
        readFileSync(join(root, dir, f), 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('# expect: '))
          .map((l) => `${dir}/${f}:${l.slice('# expect: '.length)}`),
      );
    const result = await cairn('validate', dir);
    expect(result.code).toBe(1);
    expect(result.stdout.trimEnd().split('\n')).toEqual(expected);
  });

  it('--output json gives the same verdict for machines', async () => {
    const result = await cairn('validate', '--output', 'json', 'tests/fixtures/api/invalid/gitsource-two-refs.yaml');
    expect(result.code).toBe(1);
    const body = JSON.parse(result.stdout);
    expect(body.valid).toBe(false);
    expect(body.problems).toEqual([
      { severity: 'error', file: 'tests/fixtures/api/invalid/gitsource-two-refs.yaml', line: 7, object: 'GitSource/two-refs', field: 'spec.ref', message: 'exactly one of branch, tag or commit must be set' },
    ]);
  });

  it('validates several paths at once', async () => {
    const result = await cairn('validate', '-q', 'examples/driver-stats', 'tests/fixtures/api/valid');
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it.each([
    [['validate', '--bogus'], /Unknown option '--bogus'/],
    [['validate', 'no/such/dir'], /no such file or directory: no\/such\/dir/],
    [['validate', '--output', 'xml', '.'], /--output must be text or json, got "xml"/],
    [['validate', '--max-file-bytes=0', '.'], /--max-file-bytes must be a positive integer/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('usage error %j exits 2 with a message', async (args, message) => {
    const result = await cairn(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('--help documents the command', async () => {
    const top = await cairn('--help');
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/validate\s+Validate the cairn.dev YAML/);
    const sub = await cairn('validate', '--help');
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('Exit status: 0 no problems, 1 problems found, 2 usage error.');
  });
});

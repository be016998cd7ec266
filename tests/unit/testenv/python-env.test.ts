/**
 * src/testenv/python-env.ts: the cache key of pinned requirement files (pure), and the build itself against a
 * fake base interpreter (a shell script that answers `-c`, `-m venv` and `-m pip install` as python would):
 * atomic (a failed or interrupted build is never taken as done), cached, one build for concurrent callers,
 * and every failure names its step.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePythonEnv, pythonCacheDir, requirementLines, requirementsKey, tildePath, type Interpreter, type RequirementsFile } from '../../../src/testenv/python-env.js';

const cpython: Interpreter = { implementation: 'CPython', version: '3.11.7', executable: '/usr/bin/python3.11' };
const models: RequirementsFile = { path: 'scripts/models/requirements.txt', text: '# pins\nnumpy==2.4.6\nscikit-learn==1.9.1\n' };
const trainer: RequirementsFile = { path: 'examples/trainer/requirements.txt', text: 'pandas==2.3.0\n' };
const base = requirementsKey([models], cpython);

describe('requirementLines', () => {
  it.each([
    { text: 'numpy==2.4.6\n', lines: ['numpy==2.4.6'] },
    { text: '# a comment\n\n  numpy==2.4.6   \n', lines: ['numpy==2.4.6'] },
    { text: 'numpy==2.4.6  # why this pin\r\nonnx==1.23.2\r\n', lines: ['numpy==2.4.6', 'onnx==1.23.2'] },
    { text: 'pkg @ https://example.com/pkg.whl#sha256=abc\n', lines: ['pkg @ https://example.com/pkg.whl#sha256=abc'] },
    { text: '\n# only comments\n', lines: [] },
  ])('$text', ({ text, lines }) => expect(requirementLines(text)).toEqual(lines));
});

describe('requirementsKey', () => {
  const cases: { name: string; files: RequirementsFile[]; interpreter?: Interpreter; same: boolean }[] = [
    { name: 'the same files: same key', files: [{ ...models }], same: true },
    { name: 'a comment or blank line changed: same key', files: [{ ...models, text: '# pinned for the models\n\nnumpy==2.4.6   # numpy\nscikit-learn==1.9.1\n' }], same: true },
    { name: 'CRLF line ends: same key', files: [{ ...models, text: 'numpy==2.4.6\r\nscikit-learn==1.9.1\r\n' }], same: true },
    { name: 'a pin changed: new key', files: [{ ...models, text: 'numpy==2.4.7\nscikit-learn==1.9.1\n' }], same: false },
    { name: 'a package added: new key', files: [{ ...models, text: `${models.text}onnx==1.23.2\n` }], same: false },
    { name: 'another file name with the same lines: new key', files: [{ ...models, path: 'other/requirements.txt' }], same: false },
    { name: 'a second file: new key', files: [models, trainer], same: false },
    { name: 'another Python version: new key', files: [models], interpreter: { ...cpython, version: '3.12.1' }, same: false },
    { name: 'another base interpreter: new key', files: [models], interpreter: { ...cpython, executable: '/root/.pyenv/versions/3.11.7/bin/python3.11' }, same: false },
    { name: 'another implementation: new key', files: [models], interpreter: { ...cpython, implementation: 'PyPy' }, same: false },
  ];
  it.each(cases)('$name', ({ files, interpreter, same }) => {
    const key = requirementsKey(files, interpreter ?? cpython);
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(key === base).toBe(same);
  });

  it('does not depend on the order of the files', () => {
    expect(requirementsKey([models, trainer], cpython)).toBe(requirementsKey([trainer, models], cpython));
  });
});

describe('pythonCacheDir and tildePath', () => {
  it.each([
    { env: { HOME: '/home/ci' }, dir: '/home/ci/.cache/cairn/python' },
    { env: { HOME: '/home/ci', CAIRN_PYTHON_CACHE: '/var/cache/cairn-python' }, dir: '/var/cache/cairn-python' },
    { env: { HOME: '/home/ci', CAIRN_PYTHON_CACHE: '' }, dir: '/home/ci/.cache/cairn/python' },
  ])('$env', ({ env, dir }) => expect(pythonCacheDir(env)).toBe(dir));

  it.each([
    { path: '/root/.cache/cairn/python/ab', home: '/root', shown: '~/.cache/cairn/python/ab' },
    { path: '/rootless/x', home: '/root', shown: '/rootless/x' },
    { path: '/var/cache/x', home: '/', shown: '/var/cache/x' },
  ])('$path', ({ path, home, shown }) => expect(tildePath(path, home)).toBe(shown));
});

/** A stand-in for python3: enough of `-c`, `-m venv` and `-m pip install` for ensurePythonEnv. */
const FAKE_PYTHON = `#!/bin/bash
if [ "$1" = "-c" ]; then
  case "$2" in
    *platform*) echo CPython; echo 3.99.0; echo "$FAKE_BASE";;
    *sys.prefix*) cd "$(dirname "$0")/.." && pwd -P;;
  esac
  exit 0
fi
if [ "$1 $2" = "-m venv" ]; then
  if [ -n "$FAKE_NO_VENV" ]; then echo "The virtual environment was not created successfully because ensurepip is not available." >&2; exit 1; fi
  mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && exit 0
fi
if [ "$1 $2 $3" = "-m pip install" ]; then
  echo "$$" >> "$FAKE_INSTALLS"
  echo "Collecting numpy==2.4.6 (from -r requirements.txt (line 1))"
  if [ -n "$FAKE_PIP_FAIL" ]; then echo "ERROR: No matching distribution found for numpy==2.4.6" >&2; exit 1; fi
  sleep "\${FAKE_PIP_SECONDS:-0}"
  echo "Successfully installed numpy-2.4.6"
  exit 0
fi
exit 9
`;

describe('ensurePythonEnv (fake interpreter)', () => {
  let dir: string;
  let cache: string;
  let python: string;
  let lines: string[];
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-python-env-test-'));
    cache = join(dir, 'cache');
    python = join(dir, 'python3');
    writeFileSync(python, FAKE_PYTHON);
    chmodSync(python, 0o755);
    mkdirSync(join(dir, 'scripts'));
    writeFileSync(join(dir, 'scripts', 'requirements.txt'), 'numpy==2.4.6\n');
    lines = [];
    env = { ...process.env, FAKE_BASE: python, FAKE_INSTALLS: join(dir, 'installs') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const ensure = (extra: NodeJS.ProcessEnv = {}) =>
    ensurePythonEnv({ root: dir, requirements: ['scripts/requirements.txt'], python, cacheDir: cache, env: { ...env, ...extra }, log: (line) => lines.push(line) });
  const installs = () => (existsSync(join(dir, 'installs')) ? readFileSync(join(dir, 'installs'), 'utf8').trim().split('\n').length : 0);
  const leftovers = () => readdirSync(cache).filter((e) => e.startsWith('.tmp-') || e.endsWith('.lock'));

  it('builds once in a temporary directory, renames it into the cache, then reuses it', async () => {
    const first = await ensure();
    expect(first.created).toBe(true);
    expect(first.dir).toBe(join(cache, first.key));
    expect(first.python).toBe(join(cache, first.key, 'bin', 'python'));
    expect(JSON.parse(readFileSync(join(first.dir, 'cairn-python-env.json'), 'utf8'))).toMatchObject({ key: first.key, requirements: ['scripts/requirements.txt'] });
    expect(lines.join('\n')).toMatch(/creating a virtual environment with .*python3 \(CPython 3\.99\.0/);
    expect(lines.join('\n')).toContain(`installing scripts/requirements.txt into ${first.dir}`);
    expect(lines).toContain('  Collecting numpy==2.4.6 (from -r requirements.txt (line 1))');
    expect(lines.at(-1)).toMatch(/^ready in \d+ s: /);
    expect(leftovers()).toEqual([]);

    lines = [];
    const second = await ensure();
    expect(second).toEqual({ ...first, created: false });
    expect(lines).toEqual([]);
    expect(installs()).toBe(1);
  });

  it('a failed pip install leaves nothing that counts as done, and says which step failed with pip\'s last lines', async () => {
    await expect(ensure({ FAKE_PIP_FAIL: '1' })).rejects.toThrow(/^python-env: `pip install -r scripts\/requirements\.txt` failed \(exit code 1\):\n[^]*No matching distribution found for numpy==2\.4\.6/);
    expect(readdirSync(cache)).toEqual([]);
    const next = await ensure();
    expect(next.created).toBe(true);
  });

  it('a missing venv module names python3-venv', async () => {
    await expect(ensure({ FAKE_NO_VENV: '1' })).rejects.toThrow(/python-env: `.*python3 -m venv` failed \(exit code 1\): install Debian's python3-venv/);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('a missing base interpreter or requirements file names it', async () => {
    await expect(ensurePythonEnv({ root: dir, requirements: ['scripts/requirements.txt'], python: join(dir, 'no-python3'), cacheDir: cache, env, log: () => undefined })).rejects.toThrow(
      /python-env: `.*no-python3` was not found: install Python 3 with its venv module/,
    );
    await expect(ensurePythonEnv({ root: dir, requirements: ['scripts/nope.txt'], python, cacheDir: cache, env, log: () => undefined })).rejects.toThrow(
      /python-env: cannot read the requirements file .*scripts\/nope\.txt/,
    );
  });

  it('the leftovers of an interrupted build (a temporary directory, an incomplete entry, a dead lock) are replaced', async () => {
    const { key } = await ensure();
    rmSync(join(cache, key, 'cairn-python-env.json')); // as if the marker had never been written
    mkdirSync(join(cache, `.tmp-${key}-abc123`, 'bin'), { recursive: true });
    writeFileSync(join(cache, `${key}.lock`), '999999999'); // no such process
    lines = [];
    const again = await ensure();
    expect(again.created).toBe(true);
    expect(lines.join('\n')).toContain('is incomplete or its base interpreter is gone: rebuilding it');
    expect(leftovers()).toEqual([]);
    expect(installs()).toBe(2);
  });

  it('concurrent callers in one process share one build', async () => {
    const results = await Promise.all([ensure({ FAKE_PIP_SECONDS: '0.3' }), ensure({ FAKE_PIP_SECONDS: '0.3' }), ensure()]);
    expect(new Set(results.map((r) => r.python)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(installs()).toBe(1);
  });

  it('waits while another live process holds the lock, then builds', async () => {
    const { key } = await ensure();
    rmSync(join(cache, key), { recursive: true });
    const other = spawn('sleep', ['1']);
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, `${key}.lock`), String(other.pid));
    lines = [];
    const result = await ensure();
    expect(lines[0]).toBe(`waiting for process ${other.pid}, which is building scripts/requirements.txt in ${join(cache, key)}`);
    expect(result.created).toBe(true);
    expect(leftovers()).toEqual([]);
  });
});

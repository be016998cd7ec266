/**
 * Python virtual environments for the project's Python code (the ONNX test models of scripts/models, the
 * example trainer), built from pinned requirement files so that `npm ci` then `npm test` needs nothing
 * installed by hand. Cached per machine like the control-plane binaries of scripts/testenv/build.sh:
 *
 *   $CAIRN_PYTHON_CACHE (default ~/.cache/cairn/python)/<key>/bin/python
 *
 * where <key> is a hash of the requirement files (their requirement lines: comments and blank lines do not
 * count) and of the base interpreter (implementation, version, path). A change of a pin makes a new
 * environment; the old one stays until removed by hand.
 *
 * Built with `python3 -m venv` and `pip install -r` in a temporary directory next to the cache entry and
 * renamed into place when complete, so an interrupted install is never taken as done; a lock file makes
 * concurrent runs (two vitest projects, two checkouts) wait for one build instead of racing. Use the
 * environment's `bin/python` (and `python -m <tool>`): its console scripts carry the temporary path.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, open, readFile, readdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The base interpreter a virtual environment is made from. */
export interface Interpreter {
  /** `CPython`, `PyPy`... */
  implementation: string;
  /** `3.11.7` */
  version: string;
  /** The real path of its executable. */
  executable: string;
}

export interface RequirementsFile {
  /** As named to the user and in the key: relative to the checkout root. */
  path: string;
  text: string;
}

export interface PythonEnv {
  /** The environment's directory (`<cache>/<key>`). */
  dir: string;
  /** Its interpreter: run everything with it (`python -m pip`, `python script.py`). */
  python: string;
  key: string;
  /** True when this call built it, false when it was cached. */
  created: boolean;
}

export interface PythonEnvOptions {
  /** Pinned requirement files, relative to `root` (or absolute). Installed together into one environment. */
  requirements: string[];
  /** The checkout root (default: the one this module lives in). */
  root?: string;
  /** The base interpreter: default `$CAIRN_PYTHON`, else `python3` on PATH. */
  python?: string;
  /** Default `pythonCacheDir(env)`. */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
  /** One progress line (without newline). Default: `[python-env HH:MM:SS] <line>` on stderr. */
  log?: (line: string) => void;
}

/** The file inside a complete environment that records what it was built from. */
export const MARKER = 'cairn-python-env.json';

/** `$CAIRN_PYTHON_CACHE`, else `~/.cache/cairn/python` (beside scripts/testenv/build.sh's `testenv`). */
export function pythonCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CAIRN_PYTHON_CACHE || join(env.HOME || homedir(), '.cache', 'cairn', 'python');
}

/** The lines of a requirements file that pip acts on: comments, trailing spaces and blank lines dropped. */
export function requirementLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
    .filter((line) => line.length > 0);
}

/**
 * The cache key of an environment: a hash of the requirement lines of each file (in path order: `-r a -r b`
 * and `-r b -r a` install the same) and of the base interpreter, which the environment links to.
 */
export function requirementsKey(files: RequirementsFile[], interpreter: Interpreter): string {
  const hash = createHash('sha256');
  hash.update(`${interpreter.implementation} ${interpreter.version} ${interpreter.executable}\n`);
  for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`\0${file.path}\0${requirementLines(file.text).join('\n')}\n`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** `/root/.cache/x` -> `~/.cache/x` for progress lines. */
export function tildePath(path: string, home: string = homedir()): string {
  return home && home !== '/' && (path === home || path.startsWith(home + '/')) ? '~' + path.slice(home.length) : path;
}

function defaultLog(line: string): void {
  const time = new Date().toTimeString().slice(0, 8);
  process.stderr.write(`[python-env ${time}] ${line}\n`);
}

function checkoutRoot(): string {
  return fileURLToPath(new URL('../..', import.meta.url));
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs a command to completion, collecting stdout and stderr together; `onLine` sees each line. */
function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void }): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let partial = '';
    const take = (data: Buffer) => {
      const text = data.toString();
      output += text;
      if (output.length > 1_000_000) output = output.slice(-500_000);
      if (!options.onLine) return;
      partial += text;
      const lines = partial.split(/\r\n|\r|\n/); // a redrawn progress line ends with \r
      partial = lines.pop() ?? '';
      for (const line of lines) options.onLine(line.trimEnd());
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', reject);
    child.once('close', (code, signal) => resolvePromise({ code, signal, output }));
  });
}

function lastLines(output: string, count = 15): string {
  return output.trimEnd().split('\n').slice(-count).join('\n');
}

function failure(result: RunResult): string {
  return result.signal ? `killed by ${result.signal}` : `exit code ${result.code}`;
}

/** Asks the base interpreter what it is. Throws with the step named when it cannot run. */
export async function describeInterpreter(python: string, env: NodeJS.ProcessEnv = process.env): Promise<Interpreter> {
  const script = 'import os, platform, sys; print(platform.python_implementation()); print("%d.%d.%d" % sys.version_info[:3]); print(os.path.realpath(sys.executable))';
  let result: RunResult;
  try {
    result = await run(python, ['-c', script], { env });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`python-env: \`${python}\` ${python.includes('/') ? 'was not found' : 'is not on PATH'}: install Python 3 with its venv module (Debian: apt-get install -y python3 python3-venv)`, { cause: err });
    }
    throw new Error(`python-env: could not run \`${python}\`: ${(err as Error).message}`, { cause: err });
  }
  const [implementation, version, executable] = result.output.trim().split('\n');
  if (result.code !== 0 || !implementation || !version || !executable) {
    throw new Error(`python-env: \`${python} -c <describe>\` failed (${failure(result)}):\n${lastLines(result.output)}`);
  }
  return { implementation, version, executable };
}

async function readRequirements(root: string, paths: string[]): Promise<RequirementsFile[]> {
  if (paths.length === 0) throw new Error('python-env: no requirements file given');
  const files: RequirementsFile[] = [];
  for (const path of paths) {
    const absolute = resolve(root, path);
    const name = isAbsolute(path) ? relative(root, absolute) : path;
    try {
      files.push({ path: name.startsWith('..') ? absolute : name, text: await readFile(absolute, 'utf8') });
    } catch (err) {
      throw new Error(`python-env: cannot read the requirements file ${absolute}: ${(err as Error).message}`, { cause: err });
    }
  }
  return files;
}

/** Whether `dir` holds a complete environment whose interpreter is still there (the base may be gone). */
async function complete(dir: string): Promise<boolean> {
  try {
    await stat(join(dir, MARKER));
    await access(join(dir, 'bin', 'python'), constants.X_OK); // follows the link to the base interpreter
    return true;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Takes `<cache>/<key>.lock` (holding this pid), waiting while a live process holds it; a lock left by a dead
 * process is taken over. Returns its release. src/dev/compiled.ts takes its build lock with it too.
 */
export async function lock(path: string, log: (line: string) => void, what: string): Promise<() => Promise<void>> {
  let told = false;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const text = await readFile(path, 'utf8').catch(() => '');
    const pid = Number(text);
    if (pid > 0 && alive(pid)) {
      if (!told) log(`waiting for process ${pid}, which is building ${what}`);
      told = true;
    } else if (pid > 0 || Date.now() - ((await stat(path).catch(() => undefined))?.mtimeMs ?? 0) > 10_000) {
      // Its owner died (or never wrote its pid): the build it started is abandoned.
      await rm(path, { force: true });
      continue;
    }
    await sleep(500);
  }
}

/** Runs by one process at a time per key (under the lock): builds in `<cache>/.tmp-<key>-*`, then renames. */
async function build(options: { root: string; python: string; interpreter: Interpreter; files: RequirementsFile[]; key: string; cacheDir: string; dir: string; env: NodeJS.ProcessEnv; log: (line: string) => void }): Promise<void> {
  const { root, python, interpreter, files, key, cacheDir, dir, env, log } = options;
  const started = Date.now();
  // Leftovers of interrupted builds of this key (nobody else builds it: we hold its lock), and a broken copy.
  for (const entry of await readdir(cacheDir)) {
    if (entry.startsWith(`.tmp-${key}-`)) await rm(join(cacheDir, entry), { recursive: true, force: true });
  }
  if (await exists(dir)) {
    log(`${tildePath(dir)} is incomplete or its base interpreter is gone: rebuilding it`);
    await rm(dir, { recursive: true, force: true });
  }
  const tmp = await mkdtemp(join(cacheDir, `.tmp-${key}-`));
  try {
    log(`creating a virtual environment with ${python} (${interpreter.implementation} ${interpreter.version}, ${interpreter.executable})`);
    let venv: RunResult;
    try {
      venv = await run(python, ['-m', 'venv', tmp], { env });
    } catch (err) {
      throw new Error(`python-env: \`${python} -m venv\` could not start: ${(err as Error).message}`, { cause: err });
    }
    if (venv.code !== 0 || !(await exists(join(tmp, 'bin', 'python')))) {
      const hint = /ensurepip|venv/i.test(venv.output) ? ': install Debian\'s python3-venv (apt-get install -y python3-venv)' : '';
      throw new Error(`python-env: \`${python} -m venv\` failed (${failure(venv)})${hint}\n${lastLines(venv.output)}`);
    }

    const names = files.map((f) => f.path).join(' ');
    log(`installing ${names} into ${tildePath(dir)}`);
    const pipArgs = ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '--progress-bar', 'off', ...files.flatMap((f) => ['-r', resolve(root, f.path)])];
    const pip = await run(join(tmp, 'bin', 'python'), pipArgs, {
      cwd: root,
      env,
      onLine: (line) => {
        if (/^(Collecting|Installing collected packages|Successfully installed|ERROR)/.test(line)) log(`  ${line}`);
      },
    }).catch((err: Error) => ({ code: null, signal: null, output: err.message }) as RunResult);
    if (pip.code !== 0) {
      throw new Error(`python-env: \`pip install ${files.map((f) => `-r ${f.path}`).join(' ')}\` failed (${failure(pip)}):\n${lastLines(pip.output)}`);
    }
    await chmod(tmp, 0o755); // mkdtemp's 0700 is for the time it is incomplete
    await writeFile(join(tmp, MARKER), JSON.stringify({ key, interpreter, requirements: files.map((f) => f.path), built: new Date().toISOString() }, null, 2) + '\n');
    try {
      await rename(tmp, dir);
    } catch (err) {
      throw new Error(`python-env: could not rename ${tmp} to ${dir}: ${(err as Error).message}`, { cause: err });
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  // A venv's interpreter finds its environment from its own path: check that it did after the move.
  const check = await run(join(dir, 'bin', 'python'), ['-c', 'import sys; print(sys.prefix)'], { env });
  const prefix = check.output.trim();
  if (check.code !== 0 || !prefix || (await realpath(prefix).catch(() => prefix)) !== (await realpath(dir))) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`python-env: the environment moved into ${dir} does not run there (sys.prefix: ${prefix})`);
  }
  log(`ready in ${Math.round((Date.now() - started) / 1000)} s: ${tildePath(join(dir, 'bin', 'python'))}`);
}

/** Builds promises per environment directory, shared by every copy of this module in the process. */
const inFlight: Map<string, Promise<PythonEnv>> = ((globalThis as Record<symbol, unknown>)[Symbol.for('cairn.python-env.inFlight')] ??= new Map()) as Map<string, Promise<PythonEnv>>;

/**
 * Returns the environment of `requirements`, building it first when it is not in the cache. Throws with the
 * step and command named when a step fails (no python3, no venv module, pip install failing).
 */
export async function ensurePythonEnv(options: PythonEnvOptions): Promise<PythonEnv> {
  const env = options.env ?? process.env;
  const root = options.root ?? checkoutRoot();
  const python = options.python ?? (env.CAIRN_PYTHON || 'python3');
  const cacheDir = resolve(options.cacheDir ?? pythonCacheDir(env));
  const log = options.log ?? defaultLog;
  const files = await readRequirements(root, options.requirements);
  const interpreter = await describeInterpreter(python, env);
  const key = requirementsKey(files, interpreter);
  const dir = join(cacheDir, key);
  const result: PythonEnv = { dir, python: join(dir, 'bin', 'python'), key, created: false };
  if (await complete(dir)) return result;

  const pending = inFlight.get(dir);
  if (pending) return { ...(await pending), created: false };
  const promise = (async (): Promise<PythonEnv> => {
    try {
      await mkdir(cacheDir, { recursive: true });
    } catch (err) {
      throw new Error(`python-env: cannot create the cache directory ${cacheDir}: ${(err as Error).message}`, { cause: err });
    }
    const release = await lock(join(cacheDir, `${key}.lock`), log, `${files.map((f) => f.path).join(' ')} in ${tildePath(dir)}`);
    try {
      if (await complete(dir)) return result; // built by the process we waited for
      await build({ root, python, interpreter, files, key, cacheDir, dir, env, log });
      return { ...result, created: true };
    } finally {
      await release();
    }
  })();
  inFlight.set(dir, promise);
  try {
    return await promise;
  } finally {
    inFlight.delete(dir);
  }
}

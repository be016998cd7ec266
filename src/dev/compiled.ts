/**
 * The compiled `cairn` the local cluster's operator and pods run, as the container image runs it (dist/ from
 * `npm run build`, started with CAIRN_FROM_DIST=1, see bin/cairn.js): no TypeScript compiler in each process,
 * which through tsx costs about a second of CPU per start of every fetch, upload, serve, profile and inspect
 * container. The build is reused while the sources are unchanged: dist/ carries the digest of the sources it
 * was compiled from, and tsc compiles incrementally from its build info beside it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { lock } from '../testenv/python-env.js';

/** The environment variable bin/cairn.js reads: `1` runs dist/ instead of the TypeScript sources. */
export const FROM_DIST_ENV = 'CAIRN_FROM_DIST';

/** What decides the build's output: the sources and the compiler's configuration and version. */
const BUILD_INPUTS = ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
const DIGEST_FILE = '.source-digest';
const BUILD_INFO_FILE = '.tsbuildinfo';

export class BuildError extends Error {
  override readonly name = 'BuildError';
}

export interface BuildOutcome {
  /** `built`: compiled now; `reused`: dist/ was compiled from these very sources; `installed`: no sources to compile (an installed package). */
  kind: 'built' | 'reused' | 'installed';
  /** tsc's type errors when it still emitted everything (the sources run as they would through tsx). */
  typeErrors?: string;
}

/** Runs tsc on tsconfig.build.json: its exit code (0 ok, 2 type errors but emitted, else nothing emitted) and output. */
export type Compile = (root: string, buildInfoFile: string) => Promise<{ code: number; output: string }>;

export interface EnsureCompiledOptions {
  root: string;
  /** Progress lines (the compile takes about a minute of CPU the first time). */
  say: (line: string) => void;
  compile?: Compile;
}

/** sha256 over the path and bytes of every file under src/ and of the build's configuration, in path order. */
export async function sourceDigest(root: string): Promise<string> {
  const files = [...(await listFiles(join(root, 'src'))), ...BUILD_INPUTS.map((f) => join(root, f)).filter((f) => existsSync(f))];
  const hash = createHash('sha256');
  for (const file of files.map((f) => relative(root, f)).sort()) {
    hash.update(file).update('\0').update(await readFile(join(root, file))).update('\0');
  }
  return hash.digest('hex');
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** `node_modules/typescript/bin/tsc -p tsconfig.build.json`, incremental from `buildInfoFile`. */
export const runTsc: Compile = (root, buildInfoFile) =>
  new Promise((resolve) => {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFile(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--incremental', '--tsBuildInfoFile', buildInfoFile, '--pretty', 'false'], { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}`.trim() || (error?.message ?? '') });
    });
  });

/**
 * Makes dist/ the compiled form of the checkout's sources: compiles unless dist/ says it was compiled from the
 * same digest. One build at a time per checkout (.cache/cairn-build.lock): the demo's and `cairn dev`'s tests
 * may start together, and two tsc runs writing the same files would leave a mix.
 */
export async function ensureCompiledCairn(options: EnsureCompiledOptions): Promise<BuildOutcome> {
  const { root, say } = options;
  if (!existsSync(join(root, 'src', 'cli', 'main.ts'))) return { kind: 'installed' };
  const dist = join(root, 'dist');
  await mkdir(join(root, '.cache'), { recursive: true });
  const release = await lock(join(root, '.cache', 'cairn-build.lock'), say, 'dist/ (npm run build)');
  try {
    const digest = await sourceDigest(root);
    if (await isBuiltFrom(dist, digest)) {
      say(`Reusing dist/, compiled from these sources (digest ${digest.slice(0, 12)})`);
      return { kind: 'reused' };
    }
    say('Compiling src/ to dist/ (npm run build; about a minute the first time, incremental after a change)');
    await rm(join(dist, DIGEST_FILE), { force: true });
    // tsc's incremental build trusts its build info: without the entry point, dist/ was removed or emptied
    if (!existsSync(join(dist, 'cli', 'main.js'))) await rm(join(dist, BUILD_INFO_FILE), { force: true });
    const { code, output } = await (options.compile ?? runTsc)(root, join(dist, BUILD_INFO_FILE));
    if (code !== 0 && code !== 2) throw new BuildError(`compiling src/ to dist/ (tsc -p tsconfig.build.json) failed with exit code ${code}:\n${firstLines(output, 20)}`);
    if (!existsSync(join(dist, 'cli', 'main.js'))) throw new BuildError(`compiling src/ to dist/ (tsc -p tsconfig.build.json) wrote no dist/cli/main.js:\n${firstLines(output, 20)}`);
    if (code === 2) {
      // Emitted in spite of type errors, as tsx would run them: go on, and compile again next time.
      say(`  warning: tsc reported type errors (dist/ is written all the same; npm run typecheck shows them all):\n${firstLines(output, 5)}`);
      return { kind: 'built', typeErrors: output };
    }
    // The digest of the sources as they were read before compiling: a file changed meanwhile compiles again next time.
    await writeFile(join(dist, DIGEST_FILE), `${digest}\n`);
    return { kind: 'built' };
  } finally {
    await release();
  }
}

async function isBuiltFrom(dist: string, digest: string): Promise<boolean> {
  if (!existsSync(join(dist, 'cli', 'main.js'))) return false;
  const stamp = await readFile(join(dist, DIGEST_FILE), 'utf8').catch(() => '');
  return stamp.trim() === digest;
}

function firstLines(text: string, count: number): string {
  const lines = text.split('\n');
  return lines.slice(0, count).join('\n') + (lines.length > count ? `\n  ... (${lines.length - count} more lines)` : '');
}

/** The demo's and `cairn dev`'s compiled `cairn`: built once per content of the sources, with a clear error when it fails. */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BuildError, ensureCompiledCairn, sourceDigest, type Compile } from '../../../src/dev/compiled.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'cairn-compiled-'));
  await mkdir(join(root, 'src', 'cli'), { recursive: true });
  await writeFile(join(root, 'src', 'cli', 'main.ts'), 'export const a = 1;\n');
  await writeFile(join(root, 'tsconfig.json'), '{}\n');
});
afterEach(() => rm(root, { recursive: true, force: true }));

/** A tsc stand-in: emits dist/cli/main.js (unless `emit` is false) and exits with `code`; counts its runs. */
function fakeTsc(code = 0, emit = true): Compile & { runs: number } {
  const compile = Object.assign(
    async (dir: string) => {
      compile.runs += 1;
      if (emit) {
        await mkdir(join(dir, 'dist', 'cli'), { recursive: true });
        await writeFile(join(dir, 'dist', 'cli', 'main.js'), 'export {};\n');
      }
      return { code, output: code === 0 ? '' : 'src/cli/main.ts(1,14): error TS2322: Type number is not assignable to type string.' };
    },
    { runs: 0 },
  );
  return compile;
}

const quiet = () => undefined;

describe('ensureCompiledCairn', () => {
  it('compiles once, then reuses dist/ while the sources are unchanged, and compiles again after a change', async () => {
    const tsc = fakeTsc();
    expect(await ensureCompiledCairn({ root, say: quiet, compile: tsc })).toEqual({ kind: 'built' });
    const lines: string[] = [];
    expect(await ensureCompiledCairn({ root, say: (l) => lines.push(l), compile: tsc })).toEqual({ kind: 'reused' });
    expect(lines.join('\n')).toMatch(/Reusing dist\/, compiled from these sources/);
    await writeFile(join(root, 'src', 'cli', 'main.ts'), 'export const a = 2;\n');
    expect(await ensureCompiledCairn({ root, say: quiet, compile: tsc })).toEqual({ kind: 'built' });
    expect(tsc.runs).toBe(2);
    expect(existsSync(join(root, '.cache', 'cairn-build.lock'))).toBe(false);
  });

  it.each([
    { case: 'tsc emitted nothing', code: 1, emit: false, error: /compiling src\/ to dist\/ \(tsc -p tsconfig.build.json\) failed with exit code 1:\nsrc\/cli\/main.ts\(1,14\): error TS2322/ },
    { case: 'tsc exited 0 without the entry point', code: 0, emit: false, error: /wrote no dist\/cli\/main.js/ },
  ])('a failed build is a BuildError naming the step and tsc output: $case', async ({ code, emit, error }) => {
    const failure = await ensureCompiledCairn({ root, say: quiet, compile: fakeTsc(code, emit) }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BuildError);
    expect((failure as Error).message).toMatch(error);
    expect(existsSync(join(root, '.cache', 'cairn-build.lock'))).toBe(false);
  });

  it('type errors with everything emitted: a warning, and no digest, so the next run compiles again', async () => {
    const tsc = fakeTsc(2);
    const lines: string[] = [];
    const outcome = await ensureCompiledCairn({ root, say: (l) => lines.push(l), compile: tsc });
    expect(outcome.kind).toBe('built');
    expect(outcome.typeErrors).toContain('TS2322');
    expect(lines.join('\n')).toMatch(/warning: tsc reported type errors/);
    await ensureCompiledCairn({ root, say: quiet, compile: tsc });
    expect(tsc.runs).toBe(2);
  });

  it('an installed package (no sources) needs no build', async () => {
    await rm(join(root, 'src'), { recursive: true });
    const tsc = fakeTsc();
    expect(await ensureCompiledCairn({ root, say: quiet, compile: tsc })).toEqual({ kind: 'installed' });
    expect(tsc.runs).toBe(0);
  });
});

describe('sourceDigest', () => {
  it('changes with a file of src/ or the build configuration, not with files elsewhere', async () => {
    const first = await sourceDigest(root);
    await writeFile(join(root, 'README.md'), 'docs\n');
    expect(await sourceDigest(root)).toBe(first);
    await writeFile(join(root, 'tsconfig.json'), '{"compilerOptions":{}}\n');
    const second = await sourceDigest(root);
    expect(second).not.toBe(first);
    await writeFile(join(root, 'src', 'extra.ts'), '\n');
    expect(await sourceDigest(root)).not.toBe(second);
  });
});

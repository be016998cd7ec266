/**
 * The ONNX test models (scripts/models/generate.py), generated when missing or stale, with the Python of the
 * virtual environment of scripts/models/requirements.txt (src/testenv/python-env.ts builds it on first use,
 * cached under ~/.cache/cairn/python). Fails loudly, never skips: when the environment cannot be built or the
 * generator fails, the serving tests cannot run and the error names the step that failed.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensurePythonEnv } from '../../../src/testenv/python-env.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
export const modelsDir = `${root}tests/models`;
const generator = `${root}scripts/models/generate.py`;
/** The pinned packages of the generator (relative to the checkout root). */
export const MODEL_REQUIREMENTS = ['scripts/models/requirements.txt'];
export const MODELS = ['driver_elasticnet', 'multi_io', 'reduce_sum', 'gram', 'center', 'row_sum', 'mlp', 'heavy_mlp'] as const;
export type ModelName = (typeof MODELS)[number];

export function modelPath(name: ModelName): string {
  return `${modelsDir}/${name}.onnx`;
}

function upToDate(): boolean {
  const expected = `${modelsDir}/expected.json`;
  if (!existsSync(expected) || !MODELS.every((m) => existsSync(modelPath(m)))) return false;
  const hash = createHash('sha256').update(readFileSync(generator)).digest('hex');
  return (JSON.parse(readFileSync(expected, 'utf8')) as { generator_sha256?: string }).generator_sha256 === hash;
}

function failed(command: string, err: unknown): Error {
  const e = err as { stderr?: Buffer; message: string };
  return new Error(`The serving tests need the ONNX test models; \`${command}\` failed:\n${e.stderr?.toString().trimEnd() || e.message}`, { cause: err });
}

function generate(run: () => void, command: string): void {
  try {
    run();
  } catch (err) {
    throw failed(command, err);
  }
  if (!upToDate()) throw new Error(`${command} ran but the models in ${modelsDir} are still missing or stale`);
}

/**
 * Builds or reuses the generator's Python environment (progress lines on stderr), then generates the models
 * unless they are present and made by the current generator. What the unit tier's globalSetup runs.
 */
export async function prepareModels(): Promise<void> {
  if (upToDate()) return;
  const { python } = await ensurePythonEnv({ root, requirements: MODEL_REQUIREMENTS });
  generate(() => execFileSync(python, [generator, '--out', modelsDir], { stdio: ['ignore', 'pipe', 'pipe'] }), `${python} scripts/models/generate.py`);
}

/**
 * The same, synchronously, for test files (their globalSetup has normally done it already): runs
 * `npm run models`'s command, scripts/python-env.ts, in a child process.
 */
export function ensureModels(): void {
  if (upToDate()) return;
  const cli = ['scripts/python-env.ts', ...MODEL_REQUIREMENTS.flatMap((r) => ['-r', r]), '--', 'scripts/models/generate.py', '--out', modelsDir];
  generate(
    () => execFileSync(process.execPath, [`${root}node_modules/tsx/dist/cli.mjs`, ...cli], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }),
    `tsx ${cli.join(' ')}`,
  );
}

export interface Expected {
  driver_elasticnet: { coef: number[]; intercept: number; inputs: number[][]; outputs: number[][]; features: string[] };
  multi_io: { inputs: Record<string, unknown[][]>; outputs: Record<string, unknown[][]> };
}

export function expected(): Expected {
  return JSON.parse(readFileSync(`${modelsDir}/expected.json`, 'utf8')) as Expected;
}

export function sha256Of(name: ModelName): string {
  return createHash('sha256').update(readFileSync(modelPath(name))).digest('hex');
}

/**
 * The ONNX test models (scripts/models/generate.py), generated when missing or stale. Fails loudly, never
 * skips: without python3 and scripts/models/requirements.txt the serving tests cannot run and must say so.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
export const modelsDir = `${root}tests/models`;
const generator = `${root}scripts/models/generate.py`;
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

/** Generates the models unless they are present and made by the current generator. */
export function ensureModels(): void {
  if (upToDate()) return;
  const python = process.env.PYTHON ?? 'python3';
  try {
    execFileSync(python, [generator, '--out', modelsDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(
      `The serving tests need the ONNX test models and could not generate them with ${python} ${generator}:\n` +
        `${e.stderr?.toString() || e.message}\nInstall the generator's packages: pip install -r scripts/models/requirements.txt`,
      { cause: err },
    );
  }
  if (!upToDate()) throw new Error(`${generator} ran but the models in ${modelsDir} are still missing or stale`);
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

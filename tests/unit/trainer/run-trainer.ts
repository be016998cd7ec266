/**
 * Runs the example trainer (examples/trainer/train.py) as Cairn's trial pod would: a child process of the
 * trainer's pinned Python environment with only the contract's variables, and reads back what it left.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTrainerEnv } from '../../../src/testenv/trainer-env.js';

export const root = fileURLToPath(new URL('../../..', import.meta.url));
export const trainerScript = join(root, 'examples', 'trainer', 'train.py');
export const generator = join(root, 'examples', 'data', 'generate.py');

let python: string | undefined;

/** The interpreter of examples/trainer/requirements.txt (built by the test run's provisioning, cached). */
export async function trainerPython(): Promise<string> {
  python ??= (await ensureTrainerEnv({ root })).python;
  return python;
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runPython(args: string[], env: Record<string, string>, cwd = root): Promise<ProcessResult> {
  return trainerPython().then(
    (py) =>
      new Promise((resolve) => {
        execFile(py, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env }, cwd, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
          const code = error ? ((error as { code?: unknown }).code as number | null) : 0;
          resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
        });
      }),
  );
}

export interface TrialResult extends ProcessResult {
  /** The termination message, parsed (undefined when none was written). */
  message?: Record<string, unknown>;
  /** The file names left in CAIRN_OUTPUT_DIR. */
  outputs: string[];
  outputDir: string;
}

/** Runs one trial of the trainer on `dataPath` with the given variables (CAIRN_DATA_PATH etc. may be overridden). */
export async function runTrial(dataPath: string, env: Record<string, string> = {}): Promise<TrialResult> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-trainer-'));
  const outputDir = join(dir, 'output');
  await mkdir(outputDir);
  const terminationLog = join(dir, 'termination-log');
  const result = await runPython([trainerScript], { CAIRN_DATA_PATH: dataPath, CAIRN_OUTPUT_DIR: outputDir, CAIRN_TERMINATION_LOG: terminationLog, ...env }, dir);
  const text = await readFile(terminationLog, 'utf8').catch(() => undefined);
  return { ...result, message: text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>), outputs: (await readdir(outputDir)).sort(), outputDir };
}

/**
 * The Python environment of the example trainer (examples/trainer/requirements.txt), built and cached by
 * python-env.ts. Cairn's local node runs the image `cairn-example-trainer` with its interpreter, named by
 * $CAIRN_TRAINER_PYTHON (src/localnode/images.ts), so the same Experiment runs there and on a cluster.
 */
import { ensurePythonEnv, type PythonEnv, type PythonEnvOptions } from './python-env.js';

export const TRAINER_REQUIREMENTS = 'examples/trainer/requirements.txt';
/** The variable the local node reads for the example trainer's interpreter (default python3). */
export const TRAINER_PYTHON_VARIABLE = 'CAIRN_TRAINER_PYTHON';

export function ensureTrainerEnv(options: Omit<PythonEnvOptions, 'requirements'> = {}): Promise<PythonEnv> {
  return ensurePythonEnv({ ...options, requirements: [TRAINER_REQUIREMENTS] });
}

/** Builds the environment when missing and sets $CAIRN_TRAINER_PYTHON for local nodes started by this process. */
export async function provideTrainerPython(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const built = await ensureTrainerEnv({ env });
  env[TRAINER_PYTHON_VARIABLE] = built.python;
  return built.python;
}

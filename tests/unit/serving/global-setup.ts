/**
 * vitest globalSetup for the serving tests: builds or reuses the Python environment of
 * scripts/models/requirements.txt (src/testenv/python-env.ts, cached) and generates the ONNX test models
 * once, before any test file runs. Fails the run loudly, naming the step, when either cannot be done.
 * Without it, each serving test file generates them on first use (ensureModels in its beforeAll).
 */
import { prepareModels } from './models.js';

export default async function setup(): Promise<void> {
  await prepareModels();
}

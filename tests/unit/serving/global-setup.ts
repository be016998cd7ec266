/**
 * vitest globalSetup for the serving tests: generates the ONNX test models once, before any test file runs
 * (fails the run loudly when python3 or the packages of scripts/models/requirements.txt are missing).
 * Without it, each serving test file generates them on first use (ensureModels in its beforeAll).
 */
import { ensureModels } from './models.js';

export default function setup(): void {
  ensureModels();
}

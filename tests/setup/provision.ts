/**
 * vitest globalSetup shared by both projects (listed first in vitest.config.ts): provisions what the tests
 * need from the machine, once per run, before any test file runs — today Debian's openssh-server for the
 * Git-over-ssh tests (tests/setup/system-packages.ts: installed with apt-get when root, else the run fails
 * naming `sudo apt-get install -y openssh-server`) — and the example trainer's Python environment
 * (src/testenv/trainer-env.ts, which also sets $CAIRN_TRAINER_PYTHON for the local node). The Python environment of the test models is the unit
 * tier's own (tests/unit/serving/global-setup.ts); the control-plane binaries are the integration tier's
 * (tests/harness/global-setup.ts).
 */
import { provideTrainerPython } from '../../src/testenv/trainer-env.js';
import { ensurePackageOnce, OPENSSH_SERVER } from './system-packages.js';

export default async function setup(): Promise<void> {
  await ensurePackageOnce(OPENSSH_SERVER);
  // The example trainer's environment (built once, cached): its tests and the local node's cairn-example-trainer use it.
  await provideTrainerPython();
}

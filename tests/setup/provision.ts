/**
 * vitest globalSetup shared by both projects (listed first in vitest.config.ts): provisions what the tests
 * need from the machine, once per run, before any test file runs — today Debian's openssh-server for the
 * Git-over-ssh tests (tests/setup/system-packages.ts: installed with apt-get when root, else the run fails
 * naming `sudo apt-get install -y openssh-server`). The Python environment of the test models is the unit
 * tier's own (tests/unit/serving/global-setup.ts); the control-plane binaries are the integration tier's
 * (tests/harness/global-setup.ts).
 */
import { ensurePackageOnce, OPENSSH_SERVER } from './system-packages.js';

export default async function setup(): Promise<void> {
  await ensurePackageOnce(OPENSSH_SERVER);
}

/**
 * Debian's chromium for the console's browser tests (tests/integration/console/), installed with apt-get when
 * /usr/bin/chromium is missing, through the same provisioning as openssh-server (tests/setup/system-packages.ts:
 * progress lines on stderr, an error naming the step that failed). playwright-core drives it; Playwright's own
 * browser download is never used (the machine reaches no browser host).
 *
 *   npx tsx scripts/console/chromium.ts      # installs it if missing, prints its path
 */
import { pathToFileURL } from 'node:url';
import { ensurePackageOnce, type DebianPackage } from '../../tests/setup/system-packages.js';

export const CHROMIUM: DebianPackage = {
  file: '/usr/bin/chromium',
  name: 'chromium',
  why: 'the console tests drive headless Chromium with playwright-core',
};

/** The path of a Chromium binary, installed first when missing; throws naming the failed step otherwise. */
export async function ensureChromium(): Promise<string> {
  await ensurePackageOnce(CHROMIUM);
  return CHROMIUM.file;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  ensureChromium().then(
    (path) => process.stdout.write(`${path}\n`),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}

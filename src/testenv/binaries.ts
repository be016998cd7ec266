import { execFile, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from './logger.js';

/** Files the test environment needs in the bin directory (built by scripts/testenv/build.sh). */
export const REQUIRED_FILES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl', 'kwok', 'kwok-stages.yaml', 'helm', 'versitygw'];

/** The checkout this module lives in (src/testenv/ -> ../..). */
function checkoutRoot(): string {
  return fileURLToPath(new URL('../..', import.meta.url));
}

function buildScript(root: string): string {
  return join(root, 'scripts', 'testenv', 'build.sh');
}

/** The bin directory: `$CAIRN_TESTENV_BIN`, else what `build.sh --print` says (it knows the pinned versions). */
async function resolveBinDir(root: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.CAIRN_TESTENV_BIN) return env.CAIRN_TESTENV_BIN;
  const { stdout } = await promisify(execFile)('bash', [buildScript(root), '--print'], { env });
  return stdout.trim();
}

/** The required files missing from (or not executable in) `binDir`. */
export async function missingBinaries(binDir: string): Promise<string[]> {
  const missing: string[] = [];
  for (const file of REQUIRED_FILES) {
    const mode = file.endsWith('.yaml') ? constants.R_OK : constants.X_OK;
    try {
      await access(join(binDir, file), mode);
    } catch {
      missing.push(file);
    }
  }
  return missing;
}

/**
 * Runs scripts/testenv/build.sh with its progress lines on `progress` (stderr by default) and throws when it
 * fails. A cold build compiles Kubernetes from source: tens of minutes on 2 cores.
 */
async function buildBinaries(root: string, options: { logger: Logger; progress?: NodeJS.WritableStream; env?: NodeJS.ProcessEnv }): Promise<void> {
  const progress = options.progress ?? process.stderr;
  options.logger.info({ script: buildScript(root) }, 'Building the test environment binaries');
  const child = spawn('bash', [buildScript(root)], { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(progress, { end: false });
  child.stderr.pipe(progress, { end: false });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve(status));
  });
  if (code !== 0) throw new Error(`scripts/testenv/build.sh failed with exit code ${code}; see its output above`);
}

/**
 * Returns the bin directory, building the binaries first when any is missing. Never skips: when the build
 * fails or still leaves a file missing, it throws.
 */
export async function ensureBinaries(options: { root?: string; logger: Logger; progress?: NodeJS.WritableStream; env?: NodeJS.ProcessEnv }): Promise<string> {
  const root = options.root ?? checkoutRoot();
  const env = options.env ?? process.env;
  const binDir = await resolveBinDir(root, env);
  let missing = await missingBinaries(binDir);
  if (missing.length === 0) return binDir;
  if (env.CAIRN_TESTENV_BIN) throw new Error(`CAIRN_TESTENV_BIN=${binDir} lacks ${missing.join(', ')}`);
  options.logger.info({ binDir, missing }, 'Test environment binaries are missing');
  await buildBinaries(root, { ...options, env });
  missing = await missingBinaries(binDir);
  if (missing.length > 0) throw new Error(`scripts/testenv/build.sh succeeded but ${binDir} still lacks ${missing.join(', ')}`);
  return binDir;
}

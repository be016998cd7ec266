/**
 * The Prometheus binary of the rollout-analysis tests, built on demand by scripts/testenv/build-prometheus.sh
 * into its own cache directory (keyed by Prometheus' version, apart from the control plane's bin directory,
 * so neither build ever invalidates the other). Only the tests that need a Prometheus pay for its build.
 */
import { execFile, spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Logger } from './logger.js';

function buildScript(): string {
  return join(fileURLToPath(new URL('../..', import.meta.url)), 'scripts', 'testenv', 'build-prometheus.sh');
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Returns the path of the prometheus binary: `$CAIRN_TESTENV_PROMETHEUS` when set, else the cached build,
 * building it first when missing (a cold build takes minutes; its progress lines go to `progress`, stderr by
 * default). Never skips: a failed build throws with the step the script names in its output.
 */
export async function ensurePrometheus(options: { logger: Logger; progress?: NodeJS.WritableStream; env?: NodeJS.ProcessEnv }): Promise<string> {
  const env = options.env ?? process.env;
  if (env.CAIRN_TESTENV_PROMETHEUS) {
    if (!(await isExecutable(env.CAIRN_TESTENV_PROMETHEUS))) throw new Error(`CAIRN_TESTENV_PROMETHEUS=${env.CAIRN_TESTENV_PROMETHEUS} is not an executable file`);
    return env.CAIRN_TESTENV_PROMETHEUS;
  }
  const { stdout } = await promisify(execFile)('bash', [buildScript(), '--print'], { env });
  const binary = stdout.trim();
  if (await isExecutable(binary)) return binary;
  options.logger.info({ binary, script: buildScript() }, 'Building Prometheus for the tests (cached afterwards)');
  const progress = options.progress ?? process.stderr;
  const child = spawn('bash', [buildScript()], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    progress.write(chunk);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve(status));
  });
  if (code !== 0) {
    const failed = /FAILED: (.*)/.exec(output)?.[1];
    throw new Error(`scripts/testenv/build-prometheus.sh failed (exit code ${code})${failed ? ` at: ${failed}` : ''}; its last lines:\n${output.split('\n').slice(-15).join('\n')}`);
  }
  if (!(await isExecutable(binary))) throw new Error(`scripts/testenv/build-prometheus.sh succeeded but ${binary} is missing`);
  return binary;
}

/**
 * System packages the test run needs and installs itself, so that `npm ci` then `npm test` passes on a fresh
 * machine with nothing installed by hand. Today one: Debian's openssh-server, for the real sshd on loopback of
 * the Git-over-ssh tests (tests/harness/sshd.ts).
 *
 * When the file is missing and the run is root (CI containers), it is installed with apt-get
 * (noninteractive, no recommends; `apt-get update` first only if the install fails), with progress lines on
 * stderr. Otherwise the run fails with the exact command to run: a tier never skips for a missing tool.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface DebianPackage {
  /** The file the tests need; its presence means the package is installed. */
  file: string;
  /** The Debian package that provides it. */
  name: string;
  /** Why the tests need it (for the messages). */
  why: string;
}

export const OPENSSH_SERVER: DebianPackage = {
  file: '/usr/sbin/sshd',
  name: 'openssh-server',
  why: 'the Git-over-ssh tests run a real sshd on loopback',
};

export interface MachineState {
  /** Whether `file` exists. */
  present: boolean;
  /** process.getuid(); undefined where there is none (Windows). */
  uid: number | undefined;
  /** Whether apt-get is on PATH. */
  aptGet: boolean;
}

export type Plan =
  | { action: 'none' }
  | { action: 'install'; install: string[]; update: string[] }
  | { action: 'fail'; message: string };

/** apt-get's arguments to install `name`: noninteractive (see `aptEnv`), without recommends, waiting for a held dpkg lock. */
export function aptInstallArgs(name: string): string[] {
  return ['install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', name];
}

/** What to do about `pkg` on a machine in `state`: nothing, install it with apt-get, or fail naming the command. */
export function planPackage(pkg: DebianPackage, state: MachineState): Plan {
  if (state.present) return { action: 'none' };
  const missing = `${pkg.file} is missing (${pkg.why})`;
  if (state.uid !== 0) {
    const who = state.uid === undefined ? 'this platform has no root user to install it as' : `this run is not root (uid ${state.uid}), so it cannot install it`;
    return { action: 'fail', message: `${missing} and ${who}: run \`sudo apt-get install -y ${pkg.name}\` (or install OpenSSH's server by other means), then run the tests again` };
  }
  if (!state.aptGet) {
    return { action: 'fail', message: `${missing} and apt-get is not on PATH to install Debian's ${pkg.name}: install the package that provides ${pkg.file}, then run the tests again` };
  }
  return { action: 'install', install: ['apt-get', ...aptInstallArgs(pkg.name)], update: ['apt-get', 'update'] };
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '/usr/bin:/bin').split(':').some((dir) => dir && existsSync(`${dir}/${command}`));
}

function defaultLog(line: string): void {
  process.stderr.write(`[provision ${new Date().toTimeString().slice(0, 8)}] ${line}\n`);
}

interface Result {
  code: number | null;
  output: string;
}

function run(argv: string[], env: NodeJS.ProcessEnv, onLine: (line: string) => void): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let partial = '';
    const take = (data: Buffer) => {
      const text = data.toString();
      output += text;
      partial += text;
      const lines = partial.split(/\r\n|\r|\n/); // dpkg redraws its progress with \r
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line.trimEnd());
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (err) => resolve({ code: null, output: output + err.message }));
    child.once('close', (code) => resolve({ code, output }));
  });
}

const tail = (output: string) => output.trimEnd().split('\n').slice(-15).join('\n');

/** Installs `pkg` when its file is missing (as `planPackage` decides); throws naming the step that failed. */
export async function ensurePackage(pkg: DebianPackage, options: { log?: (line: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
  const log = options.log ?? defaultLog;
  const env = options.env ?? process.env;
  const plan = planPackage(pkg, { present: existsSync(pkg.file), uid: process.getuid?.(), aptGet: onPath('apt-get', env) });
  if (plan.action === 'none') return;
  if (plan.action === 'fail') throw new Error(`provision: ${plan.message}`);
  const started = Date.now();
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  const progress = (line: string) => {
    if (/^(Get:|Unpacking|Setting up|E:)/.test(line)) log(`  ${line}`);
  };
  log(`${pkg.file} is missing (${pkg.why}): installing Debian's ${pkg.name}: ${plan.install.join(' ')}`);
  let result = await run(plan.install, aptEnv, progress);
  if (result.code !== 0) {
    log(`\`${plan.install.join(' ')}\` failed (exit ${result.code}): running \`${plan.update.join(' ')}\`, then installing again`);
    const update = await run(plan.update, aptEnv, (line) => /^(Get|Hit|Err|E:|W:)/.test(line) && log(`  ${line}`));
    if (update.code !== 0) throw new Error(`provision: \`${plan.update.join(' ')}\` failed (exit ${update.code}) while installing ${pkg.name}:\n${tail(update.output)}`);
    result = await run(plan.install, aptEnv, progress);
  }
  if (result.code !== 0) throw new Error(`provision: \`${plan.install.join(' ')}\` failed (exit ${result.code}):\n${tail(result.output)}`);
  if (!existsSync(pkg.file)) throw new Error(`provision: \`${plan.install.join(' ')}\` succeeded but ${pkg.file} is still missing`);
  log(`installed ${pkg.name} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** One install per package per process, however many vitest projects (and copies of this module) ask. */
const done: Map<string, Promise<void>> = ((globalThis as Record<symbol, unknown>)[Symbol.for('cairn.provision.packages')] ??= new Map()) as Map<string, Promise<void>>;

export function ensurePackageOnce(pkg: DebianPackage, options: { log?: (line: string) => void; env?: NodeJS.ProcessEnv } = {}): Promise<void> {
  let promise = done.get(pkg.name);
  if (!promise) {
    promise = ensurePackage(pkg, options);
    done.set(pkg.name, promise);
    promise.catch(() => done.delete(pkg.name)); // a failure is reported to this caller; a later one may retry
  }
  return promise;
}

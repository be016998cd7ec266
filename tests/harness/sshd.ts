/**
 * A real OpenSSH server on loopback for ssh Git tests: its own host key, one authorized client key, no
 * password or PAM login, serving whatever repositories the tests point at (git-upload-pack over ssh, the
 * way GitHub and GitLab serve deploy keys). Not a mock: host key checking and public-key authentication are
 * OpenSSH's own.
 *
 * sshd is /usr/sbin/sshd from Debian's openssh-server, which the test run installs itself when root
 * (tests/setup/provision.ts, a globalSetup of both projects). Without it the suites fail and say what to
 * run: a tier that cannot run fails loudly rather than skip.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { OPENSSH_SERVER } from '../setup/system-packages.js';

const SSHD = OPENSSH_SERVER.file;
/** sshd's privilege separation directory (systemd creates it; a bare container does not). */
const PRIVSEP_DIR = '/run/sshd';

/** Undefined when an sshd can run here, else why not. */
export function sshdStatus(): string | undefined {
  if (!existsSync(SSHD)) {
    return `${SSHD} is missing: tests/setup/provision.ts (the globalSetup of vitest.config.ts) installs openssh-server when run as root; otherwise run \`sudo apt-get install -y openssh-server\``;
  }
  if (!existsSync(PRIVSEP_DIR) && process.getuid?.() !== 0) return `${PRIVSEP_DIR} is missing and only root can create it: run \`sudo mkdir -p -m 755 ${PRIVSEP_DIR}\``;
  return undefined;
}

export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

export interface TestSshd {
  port: number;
  /** The login user (the user running the tests: sshd only lets a non-root sshd log in as itself). */
  user: string;
  /** ssh:// URL of a repository at an absolute path on this machine. */
  url(repoPath: string): string;
  /** The client key sshd accepts. */
  clientKey: KeyPair;
  /** A known_hosts line for this server's real host key. */
  knownHosts: string;
  /** sshd's log so far (accepted and refused logins). */
  log(): string;
  stop(): Promise<void>;
}

export function generateKey(dir: string, name: string): KeyPair {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path]);
  return { privateKey: readFileSync(path, 'utf8'), publicKey: readFileSync(`${path}.pub`, 'utf8').trim() };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A known_hosts line for `port` on loopback (OpenSSH writes non-22 ports as `[host]:port`). */
export function knownHostsLine(port: number, publicKey: string): string {
  const [type, key] = publicKey.split(' ');
  return `[127.0.0.1]:${port} ${type} ${key}\n`;
}

export async function startSshd(): Promise<TestSshd> {
  const why = sshdStatus();
  if (why) throw new Error(why);
  if (!existsSync(PRIVSEP_DIR)) mkdirSync(PRIVSEP_DIR, { mode: 0o755 });
  const dir = mkdtempSync(join(tmpdir(), 'cairn-sshd-'));
  const hostKey = generateKey(dir, 'host_key');
  const clientKey = generateKey(dir, 'client_key');
  writeFileSync(join(dir, 'authorized_keys'), `${clientKey.publicKey}\n`, { mode: 0o600 });
  const port = await freePort();
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_key')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    `PidFile ${join(dir, 'sshd.pid')}`,
    'LogLevel VERBOSE',
  ].join('\n');
  writeFileSync(join(dir, 'sshd_config'), `${config}\n`);
  let output = '';
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Listening once "Server listening" is logged; an early exit carries sshd's reason.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start in 10 s: ${output}`)), 10_000);
    const check = () => {
      if (/Server listening on 127\.0\.0\.1/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${code}: ${output}`));
    });
  });
  const user = userInfo().username;
  return {
    port,
    user,
    url: (repoPath) => `ssh://${user}@127.0.0.1:${port}${repoPath}`,
    clientKey,
    knownHosts: knownHostsLine(port, hostKey.publicKey),
    log: () => output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

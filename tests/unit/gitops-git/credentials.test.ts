import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationFailedError,
  credentialsFromSecret,
  GitFetcher,
  InvalidGitSpecError,
  type GitCredentials,
} from '../../../src/gitops/git/index.js';
import { environmentFor } from './env-helper.js';
import { startHttpsGitServer, type HttpsGitServer } from './https-server.js';
import { TestRepo } from './repo.js';

const password = 'pa55-w0rd-xyz';
const basic = `Basic ${Buffer.from(`bot:${password}`).toString('base64')}`;

let repo: TestRepo;
let server: HttpsGitServer;
let bearerServer: HttpsGitServer;
let scratch: string;
let argvLog: string;
let savedPath: string | undefined;

beforeAll(async () => {
  repo = new TestRepo();
  repo.commit({ 'a.yaml': 'kind: A\n' });
  scratch = mkdtempSync(join(tmpdir(), 'cairn-git-auth-'));
  server = await startHttpsGitServer(repo.root, scratch, basic);
  bearerServer = await startHttpsGitServer(repo.root, mkdtempSync(join(scratch, 'b-')), 'Bearer tok-abc123');
  // A `git` wrapper first on PATH records every argv the fetcher runs, to prove no credential is passed there.
  argvLog = join(scratch, 'argv.log');
  const bin = join(scratch, 'bin');
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  mkdirSync(bin);
  writeFileSync(join(bin, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${argvLog}'\nexec '${realGit}' "$@"\n`);
  chmodSync(join(bin, 'git'), 0o755);
  savedPath = process.env.PATH;
  process.env.PATH = `${bin}:${process.env.PATH}`;
});

afterAll(async () => {
  process.env.PATH = savedPath;
  await server.close();
  await bearerServer.close();
  repo.cleanup();
  rmSync(scratch, { recursive: true, force: true });
});

const fetcher = () => new GitFetcher({ cacheDir: mkdtempSync(join(scratch, 'cache-')), allowFileUrls: false });

describe('https credentials', () => {
  it('fetches with basic credentials sent as an Authorization header, never in argv', async () => {
    const creds: GitCredentials = { type: 'basic', username: 'bot', password, caCert: server.ca };
    const co = await fetcher().checkout({ key: 'ml/cfg', url: server.url('remote.git'), ref: { branch: 'main' }, credentials: creds });
    expect(readFileSync(join(co.dir, 'a.yaml'), 'utf8')).toBe('kind: A\n');
    expect(server.authorizations).toContain(basic);
    const argv = readFileSync(argvLog, 'utf8');
    expect(argv).toContain('fetch');
    expect(argv).not.toContain(password);
    expect(argv).not.toContain(basic.slice(6));
  });

  it('fetches with a bearer token', async () => {
    const creds: GitCredentials = { type: 'bearer', token: 'tok-abc123', caCert: bearerServer.ca };
    await fetcher().checkout({ key: 'ml/cfg', url: bearerServer.url('remote.git'), ref: { branch: 'main' }, credentials: creds });
    expect(bearerServer.authorizations).toContain('Bearer tok-abc123');
    expect(readFileSync(argvLog, 'utf8')).not.toContain('tok-abc123');
  });

  it('reports a wrong password as AuthenticationFailed without the password in the message', async () => {
    const wrong = 'wr0ng-secret-value';
    const creds: GitCredentials = { type: 'basic', username: 'bot', password: wrong, caCert: server.ca };
    const err = await fetcher().checkout({ key: 'ml/cfg', url: server.url('remote.git'), ref: { branch: 'main' }, credentials: creds }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationFailedError);
    expect((err as AuthenticationFailedError).reason).toBe('AuthenticationFailed');
    const message = (err as Error).message;
    expect(message).not.toContain(wrong);
    expect(message).not.toContain(Buffer.from(`bot:${wrong}`).toString('base64'));
  });

  it('reports missing credentials as AuthenticationFailed instead of prompting', async () => {
    const err = await fetcher().checkout({ key: 'ml/cfg', url: server.url('remote.git'), ref: { branch: 'main' }, credentials: { type: 'none', caCert: server.ca } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationFailedError);
  });

  it('refuses to send credentials over plain http', async () => {
    const err = await fetcher().checkout({ key: 'ml/cfg', url: 'http://127.0.0.1:1/remote.git', ref: { branch: 'main' }, credentials: { type: 'bearer', token: 'x' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidGitSpecError);
  });
});

describe('ssh credentials', () => {
  it('writes the key 0600 in a private temp dir, checks host keys strictly, and removes the files', async () => {
    const env = await environmentFor('ssh://git@127.0.0.1:1/repo.git', { type: 'ssh', privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----', knownHosts: '127.0.0.1 ssh-ed25519 AAAA' });
    const command = env.env.GIT_SSH_COMMAND!;
    expect(command).toContain('StrictHostKeyChecking=yes');
    expect(command).toContain('BatchMode=yes');
    expect(command).not.toContain('BEGIN OPENSSH');
    const keyPath = /-i '([^']+)'/.exec(command)![1]!;
    const knownHosts = /UserKnownHostsFile='([^']+)'/.exec(command)![1]!;
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(statSync(join(keyPath, '..')).mode & 0o777).toBe(0o700);
    expect(readFileSync(knownHosts, 'utf8')).toContain('ssh-ed25519');
    await env.cleanup();
    expect(existsSync(keyPath)).toBe(false);
    expect(existsSync(knownHosts)).toBe(false);
  });

  it('checks host keys even without credentials (no known_hosts means no host is trusted)', async () => {
    const env = await environmentFor('git@github.com:org/repo.git', undefined);
    expect(env.env.GIT_SSH_COMMAND).toContain('StrictHostKeyChecking=yes');
    expect(env.env.GIT_SSH_COMMAND).toContain("UserKnownHostsFile='/dev/null'");
    await env.cleanup();
  });

  it('removes the key files when an ssh fetch fails', async () => {
    const keyDirs = () => readdirSync(tmpdir()).filter((n) => /^cairn-git-[A-Za-z0-9]{6}$/.test(n));
    const before = new Set(keyDirs());
    const err = await fetcher()
      .checkout({ key: 'ml/ssh', url: 'ssh://git@127.0.0.1:1/repo.git', ref: { branch: 'main' }, credentials: { type: 'ssh', privateKey: 'not a key', knownHosts: '127.0.0.1 ssh-ed25519 AAAA' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).not.toContain('not a key');
    expect(keyDirs().filter((n) => !before.has(n))).toEqual([]);
  });
});

describe('credentialsFromSecret', () => {
  it.each([
    [{ username: 'bot', password: 'pw' }, { type: 'basic', username: 'bot', password: 'pw' }],
    [{ bearerToken: 'tok\n' }, { type: 'bearer', token: 'tok' }],
    [{ token: Buffer.from('tok') }, { type: 'bearer', token: 'tok' }],
    [{ identity: 'KEY', known_hosts: 'host ssh-ed25519 AAAA' }, { type: 'ssh', privateKey: 'KEY', knownHosts: 'host ssh-ed25519 AAAA' }],
    [{ 'ca.crt': 'PEM' }, { type: 'none', caCert: 'PEM' }],
    [{}, { type: 'none' }],
  ])('reads %o', (data, creds) => {
    expect(credentialsFromSecret(data)).toEqual(creds);
  });

  it('refuses an ssh key without known_hosts and half a basic pair', () => {
    expect(() => credentialsFromSecret({ identity: 'KEY' })).toThrow(/known_hosts/);
    expect(() => credentialsFromSecret({ username: 'bot' })).toThrow(InvalidGitSpecError);
  });
});

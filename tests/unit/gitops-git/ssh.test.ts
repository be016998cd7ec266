/**
 * Git over ssh against a real OpenSSH server on loopback (tests/harness/sshd.ts): a deploy key and the
 * server's known_hosts fetch; a wrong host key, an unknown client key, or no known_hosts at all are refused
 * by ssh itself as AuthenticationFailed, with messages that never carry the key, and the key files never
 * outlive the fetch.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AuthenticationFailedError, GitFetcher, type GitCredentials } from '../../../src/gitops/git/index.js';
import { generateKey, knownHostsLine, startSshd, type TestSshd } from '../../harness/sshd.js';
import { TestRepo } from './repo.js';

describe('git over ssh (real sshd on loopback)', () => {
  let sshd: TestSshd;
  let repo: TestRepo;
  let commit: string;
  let keys: string;
  let scratch: string;
  const savedTmp = process.env.TMPDIR;
  const cacheDirs: string[] = [];

  beforeAll(async () => {
    // The fetcher's key files go under os.tmpdir(): a directory of this file's own, so the check that none
    // is left behind cannot see another test file's fetch in flight.
    scratch = mkdtempSync(join(tmpdir(), 'cairn-ssh-scratch-'));
    process.env.TMPDIR = scratch;
    sshd = await startSshd(); // without sshd this fails the suite and says what to install
    repo = new TestRepo();
    commit = repo.commit({ 'apps/model.yaml': 'kind: ModelVersion\n' }, 'first');
    keys = mkdtempSync(join(tmpdir(), 'cairn-ssh-keys-'));
  });
  afterAll(async () => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    await sshd?.stop();
    repo?.cleanup();
    if (keys) rmSync(keys, { recursive: true, force: true });
  });
  afterEach(() => cacheDirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  const checkout = (credentials: GitCredentials | undefined) => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'cairn-git-cache-'));
    cacheDirs.push(cacheDir);
    return new GitFetcher({ cacheDir, allowFileUrls: false, timeoutMs: 30_000 }).checkout({ key: 'ml/ssh', url: sshd.url(repo.bare), ref: { branch: 'main' }, ...(credentials ? { credentials } : {}) });
  };
  const refused = async (credentials: GitCredentials | undefined): Promise<AuthenticationFailedError> => {
    const err = await checkout(credentials).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationFailedError);
    return err as AuthenticationFailedError;
  };
  /** The temporary key directories of the fetcher (environment.ts), to prove none is left behind. */
  const keyDirs = () => readdirSync(scratch).filter((n) => /^cairn-git-[A-Za-z0-9]{6}$/.test(n));

  it('fetches with a deploy key and the server\'s known_hosts, and removes the key files afterwards', async () => {
    const before = new Set(keyDirs());
    const result = await checkout({ type: 'ssh', privateKey: sshd.clientKey.privateKey, knownHosts: sshd.knownHosts });
    expect(result.commit).toBe(commit);
    expect(result.revision).toBe(`main@sha1:${commit}`);
    expect(readFileSync(join(result.dir, 'apps/model.yaml'), 'utf8')).toBe('kind: ModelVersion\n');
    expect(sshd.log()).toMatch(/Accepted publickey for \S+ from 127\.0\.0\.1/);
    expect(keyDirs().filter((n) => !before.has(n))).toEqual([]);
  });

  it('refuses a server whose host key is not the one in known_hosts (no login is attempted)', async () => {
    const impostor = generateKey(keys, 'impostor_host');
    const accepted = (sshd.log().match(/Accepted publickey/g) ?? []).length;
    const err = await refused({ type: 'ssh', privateKey: sshd.clientKey.privateKey, knownHosts: knownHostsLine(sshd.port, impostor.publicKey) });
    expect(err.reason).toBe('AuthenticationFailed');
    expect(err.message).toMatch(/host key verification failed/i);
    expect(err.message).not.toContain('PRIVATE KEY');
    expect((sshd.log().match(/Accepted publickey/g) ?? []).length).toBe(accepted);
  });

  it('never trusts a host on first use: an ssh URL without known_hosts is refused', async () => {
    const err = await refused(undefined);
    expect(err.message).toMatch(/host key verification failed/i);
  });

  it('reports a key the server does not accept as AuthenticationFailed, without the key', async () => {
    const stranger = generateKey(keys, 'stranger');
    const before = new Set(keyDirs());
    const err = await refused({ type: 'ssh', privateKey: stranger.privateKey, knownHosts: sshd.knownHosts });
    expect(err.message).toMatch(/permission denied \(publickey\)/i);
    expect(err.message).not.toContain(stranger.privateKey.split('\n')[1]!);
    expect(keyDirs().filter((n) => !before.has(n))).toEqual([]);
  });

  it('leaves no working copy behind a refused first fetch', async () => {
    await refused(undefined);
    const cacheDir = cacheDirs.at(-1)!;
    const copies = existsSync(cacheDir) ? readdirSync(cacheDir) : [];
    for (const copy of copies) expect(existsSync(join(cacheDir, copy, 'apps/model.yaml'))).toBe(false);
  });
});


import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { classifyGitFailure } from './classify.js';
import type { GitCredentials } from './credentials.js';
import { gitEnvironment, type GitEnvironment } from './environment.js';
import { GitError, GitOperationFailedError, RefNotFoundError } from './errors.js';
import { resolveRef, revisionString, type GitRef, type ResolvedRef } from './refs.js';
import { validateGitUrl, type GitUrl, type GitUrlPolicy } from './url.js';

export interface GitFetcherOptions extends GitUrlPolicy {
  /** Directory holding one working copy per source (created if missing). */
  cacheDir: string;
  /** Deadline of one whole checkout (fetch + checkout). Default 120 s. */
  timeoutMs?: number;
}

export interface CheckoutRequest {
  /** Identifies the source, e.g. `namespace/name`: each source gets its own working copy, so content fetched
   * with one source's credentials is never served to another source with the same URL. */
  key: string;
  url: string;
  ref: GitRef;
  credentials?: GitCredentials;
  signal?: AbortSignal;
  /** Deadline of this checkout (the GitSource's spec.timeout); the fetcher's default when absent. */
  timeoutMs?: number;
}

export interface Checkout {
  /** Working tree checked out at `commit`, with no untracked files. Valid until the next checkout of this key. */
  dir: string;
  /** Full commit id. */
  commit: string;
  /** Status revision, e.g. `main@sha1:<sha>`. */
  revision: string;
  ref: ResolvedRef;
}

/** The deadline behind each checkout's signal, for the "timed out after N s" message. */
const timeoutOf = new WeakMap<AbortSignal, number>();

/**
 * Clone/fetch/checkout with simple-git into a per-source cache directory. Every user-supplied string is
 * validated first (URL, ref) and passed after `--` or inside a `refs/...` refspec, never where git reads
 * options; credentials go through the environment of the one command that needs them (see environment.ts).
 * Failures are {@link GitError}s: InvalidGitSpecError, AuthenticationFailedError, GitOperationFailedError
 * (RefNotFoundError for a missing branch, tag or commit), with credential-free messages.
 * Checkouts of one key are serialized; different keys run in parallel.
 */
export class GitFetcher {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly o: GitFetcherOptions) {}

  /** Validates without touching the network or the disk (for a reconcile's first step). */
  validate(url: string, ref: GitRef): { url: GitUrl; ref: ResolvedRef } {
    return { url: validateGitUrl(url, this.o), ref: resolveRef(ref) };
  }

  /** Fetches `req.ref` and checks it out; rejects with a {@link GitError} (validation errors included). */
  checkout(req: CheckoutRequest): Promise<Checkout> {
    let url: GitUrl;
    let ref: ResolvedRef;
    try {
      ({ url, ref } = this.validate(req.url, req.ref));
    } catch (err) {
      return Promise.reject(err);
    }
    const dir = join(this.o.cacheDir, `${req.key.replace(/[^A-Za-z0-9._-]/g, '_')}-${createHash('sha256').update(url.url).digest('hex').slice(0, 12)}`);
    const previous = this.locks.get(dir) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.checkoutLocked(dir, url, ref, req));
    this.locks.set(dir, run);
    void run.finally(() => {
      if (this.locks.get(dir) === run) this.locks.delete(dir);
    }).catch(() => undefined);
    return run;
  }

  private async checkoutLocked(dir: string, url: GitUrl, ref: ResolvedRef, req: CheckoutRequest): Promise<Checkout> {
    const limitMs = req.timeoutMs ?? this.o.timeoutMs ?? 120_000;
    const timeout = AbortSignal.timeout(limitMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    timeoutOf.set(signal, limitMs);
    const env = await gitEnvironment(url, req.credentials);
    try {
      await this.prepareRepository(dir, env, signal);
      const git = this.git(dir, env, signal);
      const commit = await this.fetchRef(git, url, ref, env, signal);
      await this.run(env, signal, 'checkout', () => git.raw(['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--force', '--detach', commit, '--']));
      await this.run(env, signal, 'clean', () => git.raw(['clean', '-ffdxq']));
      return { dir, commit, revision: revisionString(ref, commit), ref };
    } finally {
      await env.cleanup();
    }
  }

  /** Creates the working copy, or re-creates it when it is not a usable repository; clears stale lock files. */
  private async prepareRepository(dir: string, env: GitEnvironment, signal: AbortSignal): Promise<void> {
    const usable = await stat(join(dir, '.git', 'HEAD')).then(() => true, () => false);
    if (usable) {
      // Only this process touches this directory, one checkout at a time: any lock file is from a killed run.
      await removeLockFiles(join(dir, '.git'));
      const ok = await this.git(dir, env, signal).raw(['rev-parse', '--git-dir']).then(() => true, () => false);
      if (ok) return;
    }
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await this.run(env, signal, 'init', () => this.git(dir, env, signal).raw(['init', '--quiet']));
  }

  /** Fetches what `ref` needs and returns the commit it resolves to. */
  private async fetchRef(git: SimpleGit, url: GitUrl, ref: ResolvedRef, env: GitEnvironment, signal: AbortSignal): Promise<string> {
    const fetch = (...refspecs: string[]) =>
      this.run(env, signal, `fetch ${describe(ref)}`, () => git.raw(['fetch', '--quiet', '--no-tags', '--force', '--no-recurse-submodules', '--', url.url, ...refspecs]));
    const revParse = (spec: string) => git.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', spec]).then((s) => s.trim(), () => '');
    switch (ref.kind) {
      case 'branch': {
        await fetch(`+refs/heads/${ref.name}:refs/remotes/origin/${ref.name}`);
        return this.mustResolve(await revParse(`refs/remotes/origin/${ref.name}^{commit}`), ref);
      }
      case 'tag': {
        await fetch(`+refs/tags/${ref.name}:refs/tags/${ref.name}`);
        return this.mustResolve(await revParse(`refs/tags/${ref.name}^{commit}`), ref);
      }
      case 'commit': {
        // Commits are immutable: once present, no fetch is needed.
        const local = await revParse(`${ref.sha}^{commit}`);
        if (local && local.startsWith(ref.sha)) return local;
        await fetch('+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*');
        return this.mustResolve(await revParse(`${ref.sha}^{commit}`), ref);
      }
    }
  }

  private mustResolve(sha: string, ref: ResolvedRef): string {
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) throw new RefNotFoundError(`${describe(ref)} not found in the repository`);
    return sha;
  }

  private git(dir: string, env: GitEnvironment, signal: AbortSignal): SimpleGit {
    return simpleGit({
      baseDir: dir,
      abort: signal,
      allowEnvironment: env.allowed,
      // These switches let *our* fixed settings through (protocol allow-list, GIT_CONFIG_* header, ssh
      // command, hermetic config paths); no user-controlled string ever reaches an option position.
      unsafe: { allowUnsafeSshCommand: true, allowUnsafeConfigEnvCount: true, allowUnsafeConfigPaths: true, allowUnsafeProtocolOverride: true },
    }).env(env.env);
  }

  private async run<T>(env: GitEnvironment, signal: AbortSignal, what: string, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (err instanceof GitError) throw err;
      if (signal.aborted) {
        const timedOut = signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError';
        const limit = timeoutOf.get(signal);
        throw new GitOperationFailedError(`git ${what}: ${timedOut ? `timed out after ${limit === undefined ? 'its deadline' : `${Math.round(limit / 1000)} s`}` : 'aborted'}`);
      }
      throw classifyGitFailure(`git ${what}`, err instanceof Error ? err.message : String(err), env.secrets);
    }
  }
}

function describe(ref: ResolvedRef): string {
  return ref.kind === 'commit' ? `commit ${ref.sha}` : `${ref.kind} "${ref.name}"`;
}

async function removeLockFiles(gitDir: string): Promise<void> {
  const entries = await readdir(gitDir, { recursive: true, withFileTypes: true }).catch(() => []);
  await Promise.all(
    entries.filter((e) => e.isFile() && e.name.endsWith('.lock')).map((e) => rm(join(e.parentPath, e.name), { force: true })),
  );
}

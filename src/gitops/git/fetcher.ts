import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
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
  /** Every this many fetches into one working copy, the fetch runs git's automatic maintenance. Default 50. */
  maintenanceEvery?: number;
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
 * Settings for every git command: no hooks, no detached-HEAD advice, and no automatic maintenance after a
 * fetch, which is a process of its own on the critical path of every sync: it runs on one fetch in
 * {@link GitFetcherOptions.maintenanceEvery} instead (it packs the loose objects once there are enough).
 */
const quiet = ['-c', 'gc.auto=0', '-c', 'maintenance.auto=false', '-c', 'core.hooksPath=/dev/null', '-c', 'advice.detachedHead=false'];

/** Most bytes of output kept from one git command (ours print a line or two). */
const maxOutput = 4 * 1024 * 1024;

const commitId = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * Clone/fetch/checkout into a per-source cache directory, running git directly (one process per step, its
 * exit is the end of the step). Every user-supplied string is validated first (URL, ref) and passed after
 * `--` or inside a `refs/...` refspec, never where git reads options; credentials go through the environment
 * of the one command that needs them (see environment.ts), which is the whole environment git sees.
 * A branch costs three git commands: `fetch` (the refspec writes the remote-tracking ref), `checkout` of that
 * ref (its commit is read back from HEAD, no rev-parse), and `clean`, run while the fetch runs (it removes
 * untracked files of the working tree; the fetch only writes objects and refs).
 * Failures are {@link GitError}s: InvalidGitSpecError, AuthenticationFailedError, GitOperationFailedError
 * (RefNotFoundError for a missing branch, tag or commit), with credential-free messages.
 * Checkouts of one key are serialized; different keys run in parallel.
 */
export class GitFetcher {
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Working copies this process checked out successfully: the next checkout skips `git rev-parse --git-dir`. */
  private readonly verified = new Set<string>();
  private readonly fetches = new Map<string, number>();

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
      const commit = await this.fetchAndCheckout(dir, url, ref, env, signal);
      this.verified.add(dir);
      return { dir, commit, revision: revisionString(ref, commit), ref };
    } catch (err) {
      // Whatever broke may have broken the working copy: the next checkout looks at it closely.
      this.verified.delete(dir);
      throw err;
    } finally {
      await env.cleanup();
    }
  }

  /** Creates the working copy, or re-creates it when it is not a usable repository; clears stale lock files. */
  private async prepareRepository(dir: string, env: GitEnvironment, signal: AbortSignal): Promise<void> {
    const gitDir = join(dir, '.git');
    if (await looksLikeRepository(gitDir)) {
      // Only this process touches this directory, one checkout at a time: any lock file is from a killed run.
      await removeLockFiles(gitDir);
      if (this.verified.has(dir)) return;
      const ok = await this.git(dir, env, signal, 'rev-parse', ['rev-parse', '--git-dir']).then(() => true, () => false);
      if (ok) return;
    }
    this.verified.delete(dir);
    this.fetches.delete(dir);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await this.git(dir, env, signal, 'init', ['init', '--quiet']);
  }

  /** Fetches what `ref` needs, checks it out, and returns the commit checked out. */
  private async fetchAndCheckout(dir: string, url: GitUrl, ref: ResolvedRef, env: GitEnvironment, signal: AbortSignal): Promise<string> {
    const fetch = (...refspecs: string[]) => {
      const count = (this.fetches.get(dir) ?? 0) + 1;
      this.fetches.set(dir, count);
      const maintenance = count % (this.o.maintenanceEvery ?? 50) === 0 ? ['-c', 'maintenance.auto=true', '-c', 'gc.auto=6700'] : [];
      return this.git(dir, env, signal, `fetch ${describe(ref)}`, [...maintenance, 'fetch', '--quiet', '--no-tags', '--force', '--no-write-fetch-head', '--no-recurse-submodules', '--', url.url, ...refspecs]);
    };
    // Untracked files (none unless someone wrote into the cache) go while the fetch runs: clean reads the index
    // and the working tree, the fetch writes objects and refs. The checkout then writes the new commit's files.
    const clean = () => this.git(dir, env, signal, 'clean', ['clean', '-ffdxq']);
    const fetchAndClean = async (...refspecs: string[]) => {
      const [fetched, cleaned] = await Promise.allSettled([fetch(...refspecs), clean()]);
      if (fetched.status === 'rejected') throw fetched.reason;
      if (cleaned.status === 'rejected') throw cleaned.reason;
    };
    /** Checks out `revision` (a ref, `^{commit}` peeled) detached, and returns the commit HEAD now names. */
    const checkout = async (revision: string): Promise<string> => {
      try {
        await this.git(dir, env, signal, 'checkout', ['checkout', '--quiet', '--force', '--detach', revision, '--']);
      } catch (err) {
        // The ref names something that is not a commit (a tag of a tree, say): for a sync, it does not exist.
        if (err instanceof GitOperationFailedError && !signal.aborted && /invalid reference|not a commit|reference is not a tree/i.test(err.message)) {
          throw new RefNotFoundError(`${describe(ref)} not found in the repository`);
        }
        throw err;
      }
      return this.mustResolve((await readFile(join(dir, '.git', 'HEAD'), 'utf8')).trim(), ref);
    };
    switch (ref.kind) {
      case 'branch':
        await fetchAndClean(`+refs/heads/${ref.name}:refs/remotes/origin/${ref.name}`);
        return checkout(`refs/remotes/origin/${ref.name}^{commit}`);
      case 'tag':
        await fetchAndClean(`+refs/tags/${ref.name}:refs/tags/${ref.name}`);
        return checkout(`refs/tags/${ref.name}^{commit}`);
      case 'commit': {
        const revParse = (spec: string) => this.git(dir, env, signal, 'rev-parse', ['rev-parse', '--verify', '--quiet', '--end-of-options', spec]).then((s) => s.trim(), () => '');
        // Commits are immutable: once present, no fetch is needed.
        let local = await revParse(`${ref.sha}^{commit}`);
        if (!local || !local.startsWith(ref.sha)) {
          await fetchAndClean('+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*');
          local = this.mustResolve(await revParse(`${ref.sha}^{commit}`), ref);
        } else {
          await clean();
        }
        return checkout(local);
      }
    }
  }

  private mustResolve(sha: string, ref: ResolvedRef): string {
    if (!commitId.test(sha)) throw new RefNotFoundError(`${describe(ref)} not found in the repository`);
    return sha;
  }

  /** Runs one git command in `dir` with exactly the environment `env` and returns its stdout. */
  private git(dir: string, env: GitEnvironment, signal: AbortSignal, what: string, args: string[]): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      execFile('git', [...quiet, ...args], { cwd: dir, env: env.env, signal, maxBuffer: maxOutput, encoding: 'utf8', windowsHide: true }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        if (signal.aborted) {
          const timedOut = signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError';
          const limit = timeoutOf.get(signal);
          return reject(new GitOperationFailedError(`git ${what}: ${timedOut ? `timed out after ${limit === undefined ? 'its deadline' : `${Math.round(limit / 1000)} s`}` : 'aborted'}`));
        }
        // git's own words when it has any; otherwise why it could not run (not installed, output too large).
        const output = stderr.trim() || stdout.trim() || err.message;
        reject(err instanceof GitError ? err : classifyGitFailure(`git ${what}`, output, env.secrets));
      });
    });
  }
}

function describe(ref: ResolvedRef): string {
  return ref.kind === 'commit' ? `commit ${ref.sha}` : `${ref.kind} "${ref.name}"`;
}

/**
 * What git itself checks before it treats a directory as a repository: HEAD names a ref or a commit, and the
 * objects and refs directories exist. A working copy that fails this is re-created.
 */
async function looksLikeRepository(gitDir: string): Promise<boolean> {
  try {
    const head = (await readFile(join(gitDir, 'HEAD'), 'utf8')).trim();
    if (!/^ref: refs\/\S+$/.test(head) && !commitId.test(head)) return false;
    const [objects, refs] = await Promise.all([stat(join(gitDir, 'objects')), stat(join(gitDir, 'refs'))]);
    return objects.isDirectory() && refs.isDirectory();
  } catch {
    return false;
  }
}

/** Removes `*.lock` files under the git directory; the loose objects (`objects/xx/`, thousands of files, never locked) are not walked. */
async function removeLockFiles(gitDir: string): Promise<void> {
  const objects = join(gitDir, 'objects');
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    await Promise.all(
      entries.map(async (e) => {
        const path = join(dir, e.name);
        if (e.isFile() && e.name.endsWith('.lock')) await rm(path, { force: true });
        else if (e.isDirectory() && !(dir === objects && /^[0-9a-f]{2}$/.test(e.name))) await walk(path);
      }),
    );
  };
  await walk(gitDir);
}

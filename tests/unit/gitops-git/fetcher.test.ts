import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  GitError,
  GitFetcher,
  GitOperationFailedError,
  InvalidGitSpecError,
  RefNotFoundError,
} from '../../../src/gitops/git/index.js';
import { TestRepo, git } from './repo.js';

let repo: TestRepo;
let first: string;
let second: string;
let cacheDir: string;

beforeAll(() => {
  repo = new TestRepo();
  first = repo.commit({ 'apps/a.yaml': 'kind: A\n', 'apps/b.yaml': 'kind: B\n' }, 'first');
  repo.tag('v1.0.0');
  repo.tag('v1.0.0-annotated', true);
  second = repo.commit({ 'apps/b.yaml': 'kind: B2\n', 'apps/c.yaml': 'kind: C\n' }, 'second');
  repo.commit({ 'README.md': 'dev\n' }, 'dev only', 'develop');
});

afterAll(() => repo.cleanup());

const cacheDirs: string[] = [];

function fetcher(opts: { allowFileUrls?: boolean; timeoutMs?: number; maintenanceEvery?: number } = {}) {
  cacheDir = mkdtempSync(join(tmpdir(), 'cairn-git-cache-'));
  cacheDirs.push(cacheDir);
  return new GitFetcher({ cacheDir, allowFileUrls: opts.allowFileUrls ?? true, timeoutMs: opts.timeoutMs, maintenanceEvery: opts.maintenanceEvery });
}

afterEach(() => cacheDirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');

describe('GitFetcher.checkout', () => {
  it('checks out a branch and reports the commit and revision', async () => {
    const co = await fetcher().checkout({ key: 'ml/cfg', url: repo.fileUrl, ref: { branch: 'main' } });
    expect(co.commit).toBe(second);
    expect(co.revision).toBe(`main@sha1:${second}`);
    expect(read(co.dir, 'apps/b.yaml')).toBe('kind: B2\n');
    expect(read(co.dir, 'apps/c.yaml')).toBe('kind: C\n');
  });

  it('checks out another branch of the same repository', async () => {
    const co = await fetcher().checkout({ key: 'ml/dev', url: repo.fileUrl, ref: { branch: 'develop' } });
    expect(read(co.dir, 'README.md')).toBe('dev\n');
    expect(co.revision.startsWith('develop@sha1:')).toBe(true);
  });

  it('checks out a lightweight tag and an annotated tag as their commit', async () => {
    const f = fetcher();
    const light = await f.checkout({ key: 'ml/t1', url: repo.fileUrl, ref: { tag: 'v1.0.0' } });
    expect(light.commit).toBe(first);
    expect(light.revision).toBe(`v1.0.0@sha1:${first}`);
    expect(existsSync(join(light.dir, 'apps/c.yaml'))).toBe(false);
    const annotated = await f.checkout({ key: 'ml/t2', url: repo.fileUrl, ref: { tag: 'v1.0.0-annotated' } });
    expect(annotated.commit).toBe(first);
  });

  it('checks out a commit by full and by abbreviated id', async () => {
    const f = fetcher();
    const full = await f.checkout({ key: 'ml/c1', url: repo.fileUrl, ref: { commit: first } });
    expect(full.commit).toBe(first);
    expect(full.revision).toBe(`sha1:${first}`);
    expect(read(full.dir, 'apps/b.yaml')).toBe('kind: B\n');
    const short = await f.checkout({ key: 'ml/c2', url: repo.fileUrl, ref: { commit: second.slice(0, 10).toUpperCase() } });
    expect(short.commit).toBe(second);
  });

  it('follows a branch that moved, even by force-push, and leaves no stale files', async () => {
    const f = fetcher();
    const before = await f.checkout({ key: 'ml/moving', url: repo.fileUrl, ref: { branch: 'feature' } }).catch((e: unknown) => e);
    expect(before).toBeInstanceOf(RefNotFoundError);
    const c1 = repo.commit({ 'x.yaml': 'one\n', 'gone.yaml': 'bye\n' }, 'feature 1', 'feature');
    const co1 = await f.checkout({ key: 'ml/moving', url: repo.fileUrl, ref: { branch: 'feature' } });
    expect(co1.commit).toBe(c1);
    writeFileSync(join(co1.dir, 'untracked.txt'), 'left behind by someone');
    writeFileSync(join(co1.dir, 'x.yaml'), 'edited in the cache');
    const c2 = repo.rewrite({ 'x.yaml': 'rewritten\n' }, 'feature');
    const co2 = await f.checkout({ key: 'ml/moving', url: repo.fileUrl, ref: { branch: 'feature' } });
    expect(co2.dir).toBe(co1.dir);
    expect(co2.commit).toBe(c2);
    expect(read(co2.dir, 'x.yaml')).toBe('rewritten\n');
    expect(existsSync(join(co2.dir, 'gone.yaml'))).toBe(false);
    expect(existsSync(join(co2.dir, 'untracked.txt'))).toBe(false);
  });

  it('recovers a working copy left broken by a killed run', async () => {
    const f = fetcher();
    const co = await f.checkout({ key: 'ml/broken', url: repo.fileUrl, ref: { branch: 'main' } });
    writeFileSync(join(co.dir, '.git', 'index.lock'), '');
    expect((await f.checkout({ key: 'ml/broken', url: repo.fileUrl, ref: { branch: 'main' } })).commit).toBe(second);
    writeFileSync(join(co.dir, '.git', 'HEAD'), 'garbage');
    expect((await f.checkout({ key: 'ml/broken', url: repo.fileUrl, ref: { branch: 'main' } })).commit).toBe(second);
  });

  it('also accepts an absolute local path when file URLs are allowed', async () => {
    const co = await fetcher().checkout({ key: 'ml/path', url: repo.bare, ref: { branch: 'main' } });
    expect(co.commit).toBe(second);
  });

  it.each([
    [{ branch: 'does-not-exist' }, /branch "does-not-exist"/],
    [{ tag: 'v9.9.9' }, /tag "v9.9.9"/],
    [{ commit: 'deadbeefdeadbeefdeadbeefdeadbeefdeadbeef' }, /commit deadbeef.* not found/],
  ])('reports a missing ref %o as RefNotFound (GitOperationFailed)', async (ref, message) => {
    const err = await fetcher().checkout({ key: 'ml/bad', url: repo.fileUrl, ref }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RefNotFoundError);
    expect((err as GitError).reason).toBe('GitOperationFailed');
    expect((err as Error).message).toMatch(message);
  });

  it('reports an unreachable repository as GitOperationFailed', async () => {
    const missing = await fetcher().checkout({ key: 'ml/x', url: 'file:///nonexistent/repo.git', ref: { branch: 'main' } }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(GitOperationFailedError);
    expect(missing).not.toBeInstanceOf(RefNotFoundError);
    expect((missing as Error).message).toMatch(/does not appear to be a git repository|not found/);
    const refused = await fetcher().checkout({ key: 'ml/x', url: 'https://127.0.0.1:1/org/repo.git', ref: { branch: 'main' } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GitOperationFailedError);
    expect((refused as GitError).reason).toBe('GitOperationFailed');
  });

  it('refuses file URLs without the development flag, before running git', async () => {
    const f = fetcher({ allowFileUrls: false });
    for (const url of [repo.fileUrl, repo.bare]) {
      const err = await f.checkout({ key: 'ml/cfg', url, ref: { branch: 'main' } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidGitSpecError);
      expect((err as GitError).reason).toBe('InvalidSpec');
    }
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('refuses an invalid ref name before running git', async () => {
    const err = await fetcher().checkout({ key: 'ml/cfg', url: repo.fileUrl, ref: { branch: '--upload-pack=touch /tmp/pwned' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidGitSpecError);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('gives each source its own working copy, even for the same URL', async () => {
    const f = fetcher();
    const a = await f.checkout({ key: 'team-a/cfg', url: repo.fileUrl, ref: { branch: 'main' } });
    const b = await f.checkout({ key: 'team-b/cfg', url: repo.fileUrl, ref: { tag: 'v1.0.0' } });
    expect(a.dir).not.toBe(b.dir);
    expect(read(a.dir, 'apps/b.yaml')).toBe('kind: B2\n');
    expect(read(b.dir, 'apps/b.yaml')).toBe('kind: B\n');
  });

  it('serializes concurrent checkouts of one source', async () => {
    const f = fetcher();
    const results = await Promise.all([
      f.checkout({ key: 'ml/cc', url: repo.fileUrl, ref: { tag: 'v1.0.0' } }),
      f.checkout({ key: 'ml/cc', url: repo.fileUrl, ref: { branch: 'main' } }),
    ]);
    expect(results.map((r) => r.commit)).toEqual([first, second]);
    expect(git(results[1]!.dir, 'rev-parse', 'HEAD')).toBe(second);
  });
});

/**
 * Puts a `git` first on PATH that logs each command line, then runs the real git: what the fetcher runs,
 * command by command (git's own helpers, upload-pack and the like, are not counted).
 */
function recordGitCommands(): { commands(): string[][]; restore(): void } {
  const bin = mkdtempSync(join(tmpdir(), 'cairn-git-bin-'));
  const log = join(bin, 'log');
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  writeFileSync(join(bin, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${real}' "$@"\n`);
  chmodSync(join(bin, 'git'), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${bin}:${path}`;
  return {
    commands: () => {
      const lines = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
      rmSync(log, { force: true });
      return lines.map((l) => l.split(' '));
    },
    restore: () => {
      process.env.PATH = path;
      rmSync(bin, { recursive: true, force: true });
    },
  };
}

/** The git subcommand of a command line (what follows the `-c key=value` options). */
const subcommand = (args: string[]) => args.find((a, i) => a !== '-c' && args[i - 1] !== '-c');

describe('GitFetcher git commands', () => {
  it('syncs a branch with three git commands (fetch, clean, checkout), no rev-parse, no maintenance run', async () => {
    const recorder = recordGitCommands();
    try {
      const f = fetcher();
      await f.checkout({ key: 'ml/count', url: repo.fileUrl, ref: { branch: 'main' } });
      expect(recorder.commands().map(subcommand).sort()).toEqual(['checkout', 'clean', 'fetch', 'init']);
      const next = repo.commit({ 'apps/count.yaml': 'kind: Count\n' }, 'count');
      const co = await f.checkout({ key: 'ml/count', url: repo.fileUrl, ref: { branch: 'main' } });
      expect(co.commit).toBe(next);
      expect(read(co.dir, 'apps/count.yaml')).toBe('kind: Count\n');
      const commands = recorder.commands();
      expect(commands.map(subcommand).sort()).toEqual(['checkout', 'clean', 'fetch']);
      // git runs no hooks and no automatic maintenance (its own process after each fetch) on a sync.
      for (const args of commands) expect(args.join(' ')).toContain('-c maintenance.auto=false -c core.hooksPath=/dev/null');
    } finally {
      recorder.restore();
    }
  });

  it('lets one fetch in maintenanceEvery run the automatic maintenance of git', async () => {
    const recorder = recordGitCommands();
    try {
      const f = fetcher({ maintenanceEvery: 3 });
      const fetches: string[] = [];
      for (let i = 0; i < 6; i++) {
        await f.checkout({ key: 'ml/gc', url: repo.fileUrl, ref: { branch: 'main' } });
        fetches.push(...recorder.commands().filter((c) => subcommand(c) === 'fetch').map((c) => c.join(' ')));
      }
      expect(fetches.map((c) => c.includes('-c maintenance.auto=true'))).toEqual([false, false, true, false, false, true]);
    } finally {
      recorder.restore();
    }
  });

  it('checks the working copy with git again after a failed checkout', async () => {
    const recorder = recordGitCommands();
    try {
      const f = fetcher();
      await f.checkout({ key: 'ml/again', url: repo.fileUrl, ref: { branch: 'main' } });
      await expect(f.checkout({ key: 'ml/again', url: repo.fileUrl, ref: { branch: 'missing' } })).rejects.toBeInstanceOf(RefNotFoundError);
      recorder.commands();
      await f.checkout({ key: 'ml/again', url: repo.fileUrl, ref: { branch: 'main' } });
      expect(recorder.commands().map(subcommand)).toContain('rev-parse');
      await f.checkout({ key: 'ml/again', url: repo.fileUrl, ref: { branch: 'main' } });
      expect(recorder.commands().map(subcommand)).not.toContain('rev-parse');
    } finally {
      recorder.restore();
    }
  });

  it('reports a tag that names a tree, not a commit, as RefNotFound', async () => {
    const tree = git(repo.work, 'rev-parse', 'HEAD^{tree}');
    git(repo.work, 'tag', 'tree-tag', tree);
    git(repo.work, 'push', '--quiet', repo.bare, 'refs/tags/tree-tag');
    const err = await fetcher().checkout({ key: 'ml/tree', url: repo.fileUrl, ref: { tag: 'tree-tag' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RefNotFoundError);
    expect((err as Error).message).toBe('tag "tree-tag" not found in the repository');
  });
});

describe('GitFetcher timeouts', () => {
  it('gives up on a server that never answers, with a GitOperationFailed timeout', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket)); // accepts, never speaks
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const err = await fetcher({ timeoutMs: 1_000 })
        .checkout({ key: 'ml/slow', url: `https://127.0.0.1:${port}/org/repo.git`, ref: { branch: 'main' } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitOperationFailedError);
      expect((err as Error).message).toMatch(/timed out after 1 s/);
      // A source's own spec.timeout overrides the fetcher's default.
      const own = await fetcher({ timeoutMs: 60_000 })
        .checkout({ key: 'ml/slow', url: `https://127.0.0.1:${port}/org/repo.git`, ref: { branch: 'main' }, timeoutMs: 2_000 })
        .catch((e: unknown) => e);
      expect((own as Error).message).toMatch(/timed out after 2 s/);
    } finally {
      for (const s of held) s.destroy();
      silent.close();
    }
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const gitEnv = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnv, encoding: 'utf8' }).trim();
}

/** A bare "remote" repository plus a working clone to commit and push from. */
export class TestRepo {
  readonly root = mkdtempSync(join(tmpdir(), 'cairn-git-test-'));
  readonly bare = join(this.root, 'remote.git');
  readonly work = join(this.root, 'work');

  constructor() {
    git(this.root, 'init', '--quiet', '--bare', '--initial-branch=main', this.bare);
    git(this.root, 'init', '--quiet', '--initial-branch=main', this.work);
  }

  get fileUrl(): string {
    return `file://${this.bare}`;
  }

  /** Writes files (path -> content; null deletes), commits, pushes the branch, returns the commit id. */
  commit(files: Record<string, string | null>, message = 'change', branch = 'main'): string {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.work, path);
      if (content === null) rmSync(full, { force: true });
      else {
        mkdirSync(dirname(full), { recursive: true });
        writeFileSync(full, content);
      }
    }
    git(this.work, 'add', '--all');
    git(this.work, 'commit', '--quiet', '--allow-empty', '-m', message);
    git(this.work, 'push', '--quiet', '--force', this.bare, `HEAD:refs/heads/${branch}`);
    return git(this.work, 'rev-parse', 'HEAD');
  }

  tag(name: string, annotated = false): void {
    if (annotated) git(this.work, 'tag', '-a', '-m', name, name);
    else git(this.work, 'tag', name);
    git(this.work, 'push', '--quiet', this.bare, `refs/tags/${name}`);
  }

  /** Rewrites `branch` to a new root commit with only `files` (a force-push that moves the branch). */
  rewrite(files: Record<string, string>, branch = 'main'): string {
    git(this.work, 'checkout', '--quiet', '--orphan', `rewrite-${Date.now()}`);
    git(this.work, 'rm', '-rf', '--quiet', '.');
    return this.commit(files, 'rewrite', branch);
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The demo's local Git repository: a copy of examples/ with a history of its own. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';

export interface DemoRepo {
  dir: string;
  url: string;
  head(): Promise<string>;
  /** Rewrites one file with `edit`, commits, returns the new commit id. */
  change(file: string, edit: (text: string) => string, message: string): Promise<string>;
  remove(): void;
}

export async function createDemoRepo(examplesDir: string): Promise<DemoRepo> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-demo-git-'));
  // A minimal environment: simple-git refuses variables such as EDITOR that make git run programs.
  const git: SimpleGit = simpleGit({ baseDir: dir }).env({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' });
  try {
    cpSync(examplesDir, dir, { recursive: true });
    await git.init(['-q', '-b', 'main']);
    await git.addConfig('user.name', 'Cairn demo').addConfig('user.email', 'demo@cairn.dev').addConfig('commit.gpgsign', 'false');
    await git.add('.');
    await git.commit('Import examples/');
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    url: `file://${dir}`,
    head: async () => (await git.revparse(['HEAD'])).trim(),
    async change(file, edit, message) {
      const path = join(dir, file);
      writeFileSync(path, edit(readFileSync(path, 'utf8')));
      await git.add(file);
      await git.commit(message);
      return (await git.revparse(['HEAD'])).trim();
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

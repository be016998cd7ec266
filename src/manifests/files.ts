/**
 * Finds the YAML files under a root, safely: nothing outside the root is read (symlinks included),
 * and the number and size of files are bounded, so a hostile checkout cannot exhaust the process.
 */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export interface FileLimits {
  /** Largest file read, in bytes. */
  maxFileBytes: number;
  /** Most YAML files read under one root. */
  maxFiles: number;
  /** Most bytes read under one root, all files together (10,000 files of 1 MiB would be 10 GiB to parse). */
  maxTotalBytes?: number;
}

export const defaultFileLimits: FileLimits = { maxFileBytes: 1024 * 1024, maxFiles: 10_000, maxTotalBytes: 64 * 1024 * 1024 };

/** A file problem that is not about a document: unreadable, too large, outside the root. */
export interface FileIssue {
  /** Path relative to the root. */
  file: string;
  message: string;
}

export interface FoundFile {
  /** Path relative to the root, with forward slashes. */
  file: string;
  absolute: string;
}

const yamlExtension = /\.ya?ml$/i;

function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && rel !== '..');
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

/**
 * Lists *.yaml and *.yml under `root` in a stable order. `root` may be a single file.
 * Hidden entries (.git, .github) are skipped.
 */
export async function findYamlFiles(root: string, limits: FileLimits = defaultFileLimits): Promise<{ files: FoundFile[]; issues: FileIssue[] }> {
  const files: FoundFile[] = [];
  const issues: FileIssue[] = [];
  const realRoot = await realpath(root);
  const rootStat = await stat(realRoot);
  // A single file is reported under the name it was given (the caller's display prefix).
  if (rootStat.isFile()) return { files: [{ file: '', absolute: realRoot }], issues };

  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      const rel = toPosix(relative(realRoot, path));
      let target = path;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          target = await realpath(path);
        } catch {
          if (yamlExtension.test(entry.name)) issues.push({ file: rel, message: 'broken symlink' });
          continue;
        }
        if (!isInside(realRoot, target)) {
          if (yamlExtension.test(entry.name) || (await stat(target)).isDirectory()) issues.push({ file: rel, message: 'symlink leaves the root; not read' });
          continue;
        }
        const targetStat = await stat(target);
        isDir = targetStat.isDirectory();
        isFile = targetStat.isFile();
        // A directory link inside the root is walked where it really is; following it here could loop.
        if (isDir) continue;
      }
      if (isDir) {
        await walk(path);
      } else if (isFile && yamlExtension.test(entry.name)) {
        if (files.length >= limits.maxFiles) {
          issues.push({ file: rel, message: `more than ${limits.maxFiles} YAML files; the rest are not read` });
          return;
        }
        files.push({ file: rel, absolute: target });
      }
    }
  };
  await walk(realRoot);
  return { files, issues };
}

export type ReadResult = { text: string } | { issue: string };

/** Reads one file as UTF-8 text; refuses files over the size limit and binary content. */
export async function readYamlText(path: string, limits: FileLimits = defaultFileLimits): Promise<ReadResult> {
  const info = await lstat(path);
  if (info.size > limits.maxFileBytes) return { issue: `file is ${info.size} bytes, over the limit of ${limits.maxFileBytes}` };
  const bytes = await readFile(path);
  if (bytes.subarray(0, 8192).includes(0)) return { issue: 'binary file (NUL bytes), not YAML' };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { issue: 'not valid UTF-8 text' };
  }
  return { text: text.startsWith('\uFEFF') ? text.slice(1) : text };
}

/**
 * Resolves `subpath` (e.g. a GitSource's spec.path) under `root` and refuses anything that ends up
 * outside it, through `..` or through symlinks.
 */
export async function resolveInside(root: string, subpath: string): Promise<string> {
  const realRoot = await realpath(root);
  const joined = join(realRoot, subpath);
  if (!isInside(realRoot, joined)) throw new Error(`path "${subpath}" leaves the repository root`);
  let real: string;
  try {
    real = await realpath(joined);
  } catch {
    throw new Error(`path "${subpath}" does not exist`);
  }
  if (!isInside(realRoot, real)) throw new Error(`path "${subpath}" leaves the repository root through a symlink`);
  return real;
}

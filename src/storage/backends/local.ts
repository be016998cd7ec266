/**
 * file:// and pvc:// — objects are files on this machine. A pvc:// URI resolves under the folder the claim is
 * mounted at (`<pvcRoot>/<claim>`, e.g. /mnt/pvc/data inside a pod), and a symbolic link inside the claim that
 * leads out of it is refused: the claim is the boundary, as `..` is refused by the URI validation.
 */
import { lstat, open, opendir, realpath, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { isTempFile, writeFileAtomic } from '../atomic-file.js';
import type { DigestStream } from '../digest.js';
import { StorageError } from '../errors.js';
import { shortCause } from '../net-errors.js';
import type { Backend, CommitCheck, ErrorPhase, ObjectInfo } from '../types.js';
import { formatStorageUri, type StorageUri } from '../uri.js';

type LocalUri = Extract<StorageUri, { scheme: 'file' | 'pvc' }>;

function local(uri: StorageUri): LocalUri {
  if (uri.scheme !== 'file' && uri.scheme !== 'pvc') throw new Error(`local backend got a ${uri.scheme} URI`);
  return uri;
}

/** The claim's mount folder and the path of the URI under it (lexically: the URI has no `..`). */
export function pvcPaths(uri: { claim: string; path: string }, pvcRoot: string): { claimDir: string; path: string } {
  const claimDir = join(pvcRoot, uri.claim);
  return { claimDir, path: uri.path === '' ? claimDir : join(claimDir, uri.path) };
}

function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}

export class LocalBackend implements Backend {
  constructor(private readonly pvcRoot: string) {}

  /**
   * The local path of `uri`. For pvc://, the deepest existing ancestor (the file itself when it exists) must
   * resolve, symbolic links followed, inside the claim's folder.
   */
  private async resolve(input: StorageUri): Promise<string> {
    const uri = local(input);
    if (uri.scheme === 'file') return uri.path;
    const { claimDir, path } = pvcPaths(uri, this.pvcRoot);
    let root: string;
    try {
      root = await realpath(claimDir);
    } catch {
      throw new StorageError('NotFound', `The claim "${uri.claim}" is not mounted at ${claimDir}`);
    }
    for (let probe = path; ; probe = dirname(probe)) {
      let real: string | undefined;
      try {
        real = await realpath(probe);
      } catch {
        real = undefined;
      }
      if (real !== undefined) {
        if (!inside(root, real)) throw new StorageError('AccessDenied', `${formatStorageUri(uri)} leads out of its claim through a symbolic link`);
        return path;
      }
      if (probe === claimDir || probe === dirname(probe)) return path;
    }
  }

  async open(uri: StorageUri): Promise<{ body: Readable; size: number }> {
    const path = await this.resolve(uri);
    const handle = await open(path, 'r');
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new StorageError('NotFound', `${formatStorageUri(uri)} is not a regular file`);
      return { body: handle.createReadStream({ highWaterMark: 1024 * 1024 }), size: info.size };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async stat(uri: StorageUri): Promise<ObjectInfo> {
    const path = await this.resolve(uri);
    const info = await stat(path);
    if (!info.isFile()) throw new StorageError('NotFound', `${formatStorageUri(uri)} is not a regular file`);
    return { uri: formatStorageUri(uri), size: info.size, lastModified: info.mtime };
  }

  async *list(prefix: StorageUri): AsyncIterable<ObjectInfo> {
    const base = local(prefix);
    const top = await this.resolve(base);
    const info = await lstat(top);
    if (info.isFile()) {
      yield { uri: formatStorageUri(base), size: info.size, lastModified: info.mtime };
      return;
    }
    yield* this.walk(base, top, '');
  }

  /** Regular files under `dir`, depth first; symbolic links and temporary files of unfinished writes are skipped. */
  private async *walk(base: LocalUri, dir: string, rel: string): AsyncIterable<ObjectInfo> {
    for await (const entry of await opendir(dir)) {
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        yield* this.walk(base, path, childRel);
      } else if (entry.isFile() && !isTempFile(entry.name)) {
        const info = await stat(path);
        const joined = base.path === '' || base.path.endsWith('/') ? `${base.path}${childRel}` : `${base.path}/${childRel}`;
        yield { uri: formatStorageUri({ ...base, path: joined }), size: info.size, lastModified: info.mtime };
      }
    }
  }

  async write(uri: StorageUri, body: DigestStream, check: CommitCheck): Promise<void> {
    const path = await this.resolve(uri);
    await writeFileAtomic(path, body, () => check.beforeCommit(), { signal: check.signal });
  }

  mapError(error: unknown, uri: string, phase: ErrorPhase): StorageError {
    if (error instanceof StorageError) return error;
    const code = (error as { code?: unknown } | undefined)?.code;
    switch (code) {
      case 'ENOENT':
      case 'ENOTDIR':
        return new StorageError('NotFound', phase === 'write' ? `A folder on the way to ${uri} cannot be created or does not exist` : `${uri} does not exist`);
      case 'EACCES':
      case 'EPERM':
      case 'EROFS':
        return new StorageError('AccessDenied', `Access denied to ${uri} (${code})`);
      case 'EISDIR':
        return new StorageError('InvalidUri', `${uri} is a folder, not a file`);
      case 'ENOSPC':
      case 'EDQUOT':
        return new StorageError('TooLarge', `No space left to write ${uri} (${code})`);
      case 'ABORT_ERR':
        return new StorageError('Interrupted', `The transfer of ${uri} was cancelled`);
      default:
        return new StorageError(phase === 'open' || phase === 'stat' || phase === 'list' ? 'Unreachable' : 'Interrupted', `Could not ${phase === 'transfer' ? 'read' : phase} ${uri}: ${shortCause(error)}`);
    }
  }

  close(): void {}
}

import { lstat, mkdir, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A mountPath exists on the machine as the wrong kind of file for its volume. */
export class MountpointError extends Error {}

interface Entry {
  refs: number;
  /** The node-made paths this mountpoint stands on, outermost first (the mountpoint itself last when made). */
  chain: string[];
}

/**
 * The mountpoints the local node needs on the machine itself. A bind mount needs its target to exist, and a
 * pod's `/data` usually does not, so the node creates it (and any missing parent) before the container's
 * private mount namespace binds over it. Mountpoints are counted per user (two pods may mount at `/data` at
 * once), and so is every directory the node made (`/a` under both `/a/x` and `/a/y`): each is removed, when
 * still empty, once nothing needs it any more. Nothing that existed before is ever removed. Operations are
 * serialized.
 */
export class HostMountpoints {
  private readonly entries = new Map<string, Entry>();
  /** Paths the node created, with how many mountpoints stand on them. */
  private readonly made = new Map<string, number>();
  private chain: Promise<unknown> = Promise.resolve();

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * Makes sure `path` exists as a directory (or an empty file, for a file bind) and counts one more user. A path
   * already in use is checked again: another process may have removed it since (a second local node on the same
   * machine, which made it and released it last, as `npm test` and the demo's cluster do side by side). What is
   * missing is made again, and is this node's to remove from then on.
   */
  acquire(path: string, kind: 'dir' | 'file'): Promise<void> {
    return this.serialized(async () => {
      // Walk up while a component is missing or was made by the node: those are what this mountpoint needs.
      const chain: string[] = [];
      const missing: string[] = [];
      for (let p = path; ; p = dirname(p)) {
        const exists = await lstat(p).then(
          () => true,
          () => false,
        );
        if (exists && !this.made.has(p)) break;
        chain.unshift(p);
        if (!exists) missing.unshift(p);
        if (dirname(p) === p) break;
      }
      if (missing.length === 0) await checkKind(path, kind);
      const created: string[] = [];
      try {
        for (const p of missing) {
          if (p === path && kind === 'file') await writeFile(p, '', { flag: 'wx', mode: 0o644 });
          else await mkdir(p, { mode: 0o755 });
          created.push(p);
        }
      } catch (error) {
        for (const p of created.reverse()) await removeIfEmpty(p);
        throw error;
      }
      const entry = this.entries.get(path);
      if (entry) {
        // Only what this node made again is new to the entry; the rest it already counts.
        const renewed = created.filter((p) => !entry.chain.includes(p));
        for (const p of renewed) this.made.set(p, (this.made.get(p) ?? 0) + 1);
        entry.chain = [...entry.chain, ...renewed].sort((a, b) => a.length - b.length);
        entry.refs += 1;
        return;
      }
      for (const p of chain) this.made.set(p, (this.made.get(p) ?? 0) + 1);
      this.entries.set(path, { refs: 1, chain });
    });
  }

  /** One user fewer; at zero, removes the node-made paths no other mountpoint needs, innermost first, if empty. */
  release(path: string): Promise<void> {
    return this.serialized(async () => {
      const entry = this.entries.get(path);
      if (!entry) return;
      entry.refs -= 1;
      if (entry.refs > 0) return;
      this.entries.delete(path);
      for (const p of [...entry.chain].reverse()) {
        const users = (this.made.get(p) ?? 1) - 1;
        if (users > 0) {
          this.made.set(p, users);
          continue;
        }
        this.made.delete(p);
        // Something else put content there: it is no longer the node's to remove.
        await removeIfEmpty(p);
      }
    });
  }

  /** The mountpoints in use (for diagnostics and tests). */
  inUse(): string[] {
    return [...this.entries.keys()];
  }
}

async function checkKind(path: string, kind: 'dir' | 'file'): Promise<void> {
  const info = await stat(path);
  if (kind === 'dir' && !info.isDirectory()) throw new MountpointError(`mountPath ${path} exists on the local node and is not a directory, but its volume is`);
  if (kind === 'file' && info.isDirectory()) throw new MountpointError(`mountPath ${path} exists on the local node as a directory, but its volume (subPath) is a file`);
}

/** Removes an empty directory or an empty regular file; false when it is not empty (or not ours to judge). */
async function removeIfEmpty(path: string): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined);
  if (info === undefined) return true;
  try {
    if (info.isDirectory()) await rmdir(path);
    else if (info.isFile() && info.size === 0) await unlink(path);
    else return false;
    return true;
  } catch {
    return false;
  }
}

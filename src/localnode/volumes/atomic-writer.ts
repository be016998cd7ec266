import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { samePayload, type Payload } from './payload.js';

const DATA_DIR = '..data';
const DATA_TMP = '..data_tmp';

/** `..2025_11_29_13_46_21.` : the prefix of a timestamped payload directory, as the kubelet names them. */
function timestampPrefix(now: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `..${now.getUTCFullYear()}_${p(now.getUTCMonth() + 1)}_${p(now.getUTCDate())}_${p(now.getUTCHours())}_${p(now.getUTCMinutes())}_${p(now.getUTCSeconds())}.`;
}

/** The payload currently visible in `dir` (through `..data`), or undefined when nothing was written yet. */
async function currentPayload(dir: string): Promise<Payload | undefined> {
  let target: string;
  try {
    target = await readlink(join(dir, DATA_DIR));
  } catch {
    return undefined;
  }
  const payload: Payload = new Map();
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(join(dir, target, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) await walk(path);
      else {
        const full = join(dir, target, path);
        payload.set(path, { data: await readFile(full), mode: (await stat(full)).mode & 0o777 });
      }
    }
  };
  await walk('');
  return payload;
}

/**
 * Writes `payload` into `dir` the way the kubelet's AtomicWriter does, so a reader never sees half an update:
 * the files go into a new timestamped directory `..<time>.<random>`, a `..data` symlink is swapped to it in one
 * rename, and each top-level name is a symlink `name -> ..data/name`. The previous directory is removed
 * afterwards. Returns false (and writes nothing) when the payload is what `dir` already shows.
 */
export async function writeAtomically(dir: string, payload: Payload, now = new Date()): Promise<boolean> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const current = await currentPayload(dir);
  if (current !== undefined && samePayload(current, payload)) return false;
  const previous = await readlink(join(dir, DATA_DIR)).catch(() => undefined);

  const fresh = await mkdtemp(join(dir, timestampPrefix(now)));
  await chmod(fresh, 0o755);
  for (const [path, entry] of payload) {
    const file = join(fresh, path);
    await mkdir(dirname(file), { recursive: true, mode: 0o755 });
    await writeFile(file, entry.data, { mode: entry.mode });
    await chmod(file, entry.mode);
  }
  await rm(join(dir, DATA_TMP), { force: true });
  await symlink(basename(fresh), join(dir, DATA_TMP));
  await rename(join(dir, DATA_TMP), join(dir, DATA_DIR));

  const visible = new Set([...payload.keys()].map((path) => path.split('/')[0] ?? path));
  for (const name of visible) {
    const link = join(dir, name);
    const existing = await lstat(link).catch(() => undefined);
    if (existing === undefined) await symlink(join(DATA_DIR, name), link);
  }
  for (const name of await readdir(dir)) {
    if (name.startsWith('..') || visible.has(name)) continue;
    // A top-level name the new payload no longer has: only our own symlinks are removed.
    const link = join(dir, name);
    if ((await lstat(link)).isSymbolicLink() && (await readlink(link)).startsWith(`${DATA_DIR}/`)) await unlink(link);
  }
  if (previous !== undefined && previous !== basename(fresh)) await rm(join(dir, previous), { recursive: true, force: true });
  return true;
}

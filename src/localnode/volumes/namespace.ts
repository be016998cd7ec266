import { execFile } from 'node:child_process';

/** One bind mount inside a container's mount namespace: `source` on the machine appears at `target`. */
export interface BindMount {
  source: string;
  target: string;
  readOnly: boolean;
}

/**
 * Runs inside the new mount namespace, before the container's program: makes each mount in order (creating a
 * mountpoint that lies inside an earlier mount, as a container runtime does), remounts read-only ones, then
 * execs the program (same pid, so signals and the exit status are the program's). Mounts are passed as
 * positional arguments, never spliced into the script, so no path needs quoting.
 *
 * Every source is first bound under a staging folder in /dev/shm, before any target is mounted: a target may
 * hide a later source otherwise (every Cairn Job mounts an emptyDir at /tmp, and the node's pod folders live
 * under /tmp). /dev is never a mountPath (the node refuses it), so nothing can hide the staging folder. The
 * staging binds are undone before the program starts; the targets keep their own binds. The working folder is
 * staged too, and bound again at its own path when a mount hid it.
 */
export const MOUNT_SCRIPT = [
  'set -e',
  'n=$1; shift',
  'stage=$(mktemp -d /dev/shm/cairn-mnt.XXXXXX 2>/dev/null || mktemp -d)',
  'here=$(pwd); mkdir "$stage/cwd"; mount --bind "$here" "$stage/cwd"',
  'i=0; k=1',
  'while [ "$i" -lt "$n" ]; do',
  '  eval "src=\\${$k}"',
  '  if [ -d "$src" ]; then mkdir "$stage/$i"; else : > "$stage/$i"; fi',
  '  mount --bind "$src" "$stage/$i"',
  '  i=$((i + 1)); k=$((k + 3))',
  'done',
  'i=0',
  'while [ "$i" -lt "$n" ]; do',
  '  src=$stage/$i; dst=$2; mode=$3; shift 3',
  '  if [ ! -e "$dst" ]; then',
  '    if [ -d "$src" ]; then mkdir -p "$dst"; else mkdir -p "$(dirname "$dst")"; : > "$dst"; fi',
  '  fi',
  '  mount --bind "$src" "$dst"',
  '  if [ "$mode" = ro ]; then mount -o remount,bind,ro "$dst"; fi',
  '  i=$((i + 1))',
  'done',
  // The working folder (the pod's, under /tmp) hidden by a mount: bound again at its path, so programs that
  // spawn with cwd = process.cwd() (esbuild under tsx) still find it.
  // -ef: the same folder, not one of that name that an earlier container left in a shared emptyDir.
  'if ! [ "$here" -ef "$stage/cwd" ]; then',
  '  if mkdir -p "$here" 2>/dev/null && mount --bind "$stage/cwd" "$here"; then cd "$here"; else cd /; fi',
  'fi',
  'umount "$stage/cwd"; rmdir "$stage/cwd"',
  'i=0',
  'while [ "$i" -lt "$n" ]; do umount "$stage/$i"; rm -d "$stage/$i"; i=$((i + 1)); done',
  'rmdir "$stage"',
  'exec "$@"',
].join('\n');

/**
 * The argv that runs `argv` in a private mount namespace of its own (`unshare --mount --propagation private`),
 * with `mounts` made first. No mount is visible outside the process tree, and the namespace, with every mount
 * in it, disappears when the last process in it exits. Without mounts, `argv` is returned as it is.
 */
export function inMountNamespace(argv: readonly string[], mounts: readonly BindMount[]): string[] {
  if (mounts.length === 0) return [...argv];
  const positional = mounts.flatMap((m) => [m.source, m.target, m.readOnly ? 'ro' : 'rw']);
  return ['unshare', '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', MOUNT_SCRIPT, 'cairn-mount', String(mounts.length), ...positional, ...argv];
}

/** The argv that runs `command` inside the mount namespace of process `pid` (for exec probes). */
export function inNamespaceOf(pid: number, command: readonly string[]): string[] {
  return ['nsenter', `--target=${pid}`, '--mount', '--', ...command];
}

/**
 * Whether this machine lets the node make private mount namespaces: it must run as root with util-linux's
 * `unshare`, `nsenter` and `mount`. Checked once at start by running a namespace that binds a directory.
 */
export async function canMakeMountNamespaces(): Promise<{ ok: boolean; reason?: string }> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return { ok: false, reason: 'the local node does not run as root' };
  return new Promise((resolve) => {
    execFile('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', 'd=$(mktemp -d) && mount --bind "$d" "$d" && umount "$d" && rmdir "$d" && command -v nsenter >/dev/null'], { timeout: 10_000 }, (error, _stdout, stderr) =>
      resolve(error ? { ok: false, reason: `unshare --mount failed: ${String(stderr).trim() || error.message}` } : { ok: true }),
    );
  });
}

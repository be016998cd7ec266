/**
 * Path and mode rules of the kubelet's volume code, as pure functions: the paths of ConfigMap/Secret/downward
 * API items (AtomicWriter's validatePath), subPath after `subPathExpr` expansion, mountPaths, and file modes.
 * Each returns an error message (undefined when the value is fine), so callers choose the error type.
 */

/** The kubelet's defaultMode of ConfigMap, Secret, downward API and projected volumes (0644). */
export const DEFAULT_FILE_MODE = 0o644;

const MAX_PATH_LENGTH = 4096;
const MAX_SEGMENT_LENGTH = 255;

/** A relative path inside a volume: not absolute, no `..` segment, not starting with `..` (AtomicWriter). */
export function itemPathError(path: string): string | undefined {
  if (path === '') return 'must not be empty';
  if (path.length > MAX_PATH_LENGTH) return `must be at most ${MAX_PATH_LENGTH} characters`;
  if (path.startsWith('/')) return 'must be a relative path';
  if (path.startsWith('..')) return "must not start with '..'";
  const segments = path.split('/');
  if (segments.some((s) => s === '..')) return "must not contain '..'";
  if (segments.some((s) => s.length > MAX_SEGMENT_LENGTH)) return `each path segment must be at most ${MAX_SEGMENT_LENGTH} characters`;
  if (path.includes('\0')) return 'must not contain NUL';
  return undefined;
}

/** A volumeMount's subPath (after `$(VAR)` expansion of subPathExpr): relative, no `..` segment. '' means none. */
export function subPathError(subPath: string): string | undefined {
  if (subPath === '') return undefined;
  if (subPath.startsWith('/')) return `subPath "${subPath}" must be a relative path`;
  if (subPath.split('/').some((s) => s === '..')) return `subPath "${subPath}" must not contain '..'`;
  if (subPath.includes('\0')) return `subPath must not contain NUL`;
  return undefined;
}

/** Paths a container may not mount over on this node: they are the machine's, not an image's. */
const RESERVED_MOUNT_PATHS = ['/proc', '/sys', '/dev'];

/** A mountPath: absolute, normalized, not `/` and not under /proc, /sys or /dev. */
export function mountPathError(mountPath: string): string | undefined {
  if (!mountPath.startsWith('/')) return `mountPath "${mountPath}" must be an absolute path on the local node`;
  if (mountPath.includes('\0')) return 'mountPath must not contain NUL';
  const normalized = normalizeMountPath(mountPath);
  if (normalized.split('/').some((s) => s === '..')) return `mountPath "${mountPath}" must not contain '..'`;
  if (normalized === '/') return 'mountPath "/" would hide the whole machine from the process';
  if (RESERVED_MOUNT_PATHS.some((r) => normalized === r || normalized.startsWith(`${r}/`))) return `mountPath "${mountPath}" is reserved on the local node (/proc, /sys and /dev belong to the machine)`;
  return undefined;
}

/** `/data//x/` -> `/data/x`; `.` segments dropped (`..` is left for mountPathError to refuse). */
export function normalizeMountPath(path: string): string {
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  return `/${segments.join('/')}`;
}

/** True when `inner` is `outer` or lies below it (both normalized absolute paths). */
export function isWithin(outer: string, inner: string): boolean {
  return inner === outer || inner.startsWith(outer === '/' ? '/' : `${outer}/`);
}

/** The mode of a projected file: the item's mode, else the volume's defaultMode, else 0644 (permission bits only). */
export function fileMode(mode: number | undefined, defaultMode: number | undefined): number {
  const chosen = mode ?? defaultMode ?? DEFAULT_FILE_MODE;
  return chosen & 0o777;
}

/** An item or defaultMode out of range, as the API server would refuse it (defence in depth). */
export function modeError(mode: number | undefined): string | undefined {
  if (mode === undefined) return undefined;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o777) return `mode ${mode} must be between 0 and 0777 (511)`;
  return undefined;
}

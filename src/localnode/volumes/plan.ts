import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';
import { expandVars } from '../command.js';
import { isWithin, mountPathError, normalizeMountPath, subPathError } from './paths.js';

/**
 * What the local node makes of a pod's volumes and a container's volumeMounts, as pure decisions: which
 * source each volume has (or why the node cannot provide it), and the ordered list of mounts of a container.
 */

export type VolumeSource =
  | { kind: 'emptyDir'; medium: string }
  | { kind: 'configMap'; source: NonNullable<V1Volume['configMap']> }
  | { kind: 'secret'; source: NonNullable<V1Volume['secret']> }
  | { kind: 'downwardAPI'; source: NonNullable<V1Volume['downwardAPI']> }
  | { kind: 'projected'; source: NonNullable<V1Volume['projected']> }
  | { kind: 'persistentVolumeClaim'; claimName: string; readOnly: boolean }
  | { kind: 'hostPath'; path: string; type: string };

export type PlannedVolume = { name: string; source: VolumeSource } | { name: string; unsupported: string };

/** The volume types the local node provides, in the order they are checked. */
export const SUPPORTED_VOLUME_TYPES = ['emptyDir', 'configMap', 'secret', 'downwardAPI', 'projected', 'persistentVolumeClaim', 'hostPath'] as const;

/** The source of one pod volume, or why the local node cannot provide it (a FailedMount message). */
export function planVolume(volume: V1Volume): PlannedVolume {
  const { name } = volume;
  if (volume.emptyDir) return { name, source: { kind: 'emptyDir', medium: volume.emptyDir.medium ?? '' } };
  if (volume.configMap) return { name, source: { kind: 'configMap', source: volume.configMap } };
  if (volume.secret) return { name, source: { kind: 'secret', source: volume.secret } };
  if (volume.downwardAPI) return { name, source: { kind: 'downwardAPI', source: volume.downwardAPI } };
  if (volume.projected) return { name, source: { kind: 'projected', source: volume.projected } };
  if (volume.persistentVolumeClaim) return { name, source: { kind: 'persistentVolumeClaim', claimName: volume.persistentVolumeClaim.claimName, readOnly: volume.persistentVolumeClaim.readOnly ?? false } };
  if (volume.hostPath) return { name, source: { kind: 'hostPath', path: volume.hostPath.path, type: volume.hostPath.type ?? '' } };
  const type = Object.keys(volume).find((key) => key !== 'name' && (volume as unknown as Record<string, unknown>)[key] !== undefined) ?? 'unknown';
  return { name, unsupported: `the local node does not support ${type} volumes (it supports ${SUPPORTED_VOLUME_TYPES.join(', ')})` };
}

/** Every volume of the pod, planned (the kubelet sets up all of them, referenced or not). */
export function planVolumes(pod: V1Pod): PlannedVolume[] {
  return (pod.spec?.volumes ?? []).map(planVolume);
}

/** One mount of a container: `subPath` is '' for the whole volume; `readOnly` as the volumeMount says. */
export interface MountSpec {
  volume: string;
  mountPath: string;
  subPath: string;
  readOnly: boolean;
  /** Under the mountPath of an earlier mount of the same container: its mountpoint lies in that volume. */
  nested: boolean;
}

/** A volumeMount the node refuses (the kubelet's CreateContainerConfigError). */
export class MountConfigError extends Error {}

/**
 * The mounts of `container` in the order they must be made (shallower mountPaths first, so a mount under
 * another one lands inside it), with `subPathExpr` expanded from the container's env and every path checked.
 */
export function containerMounts(container: Pick<V1Container, 'name' | 'volumeMounts'>, volumeNames: ReadonlySet<string>, env: Readonly<Record<string, string>>): MountSpec[] {
  const mounts = (container.volumeMounts ?? []).map((m) => {
    if (!volumeNames.has(m.name)) throw new MountConfigError(`volumeMount "${m.name}" of container ${container.name} names no volume of the pod`);
    const pathError = mountPathError(m.mountPath);
    if (pathError) throw new MountConfigError(`container ${container.name}: ${pathError}`);
    if (m.subPath && m.subPathExpr) throw new MountConfigError(`volumeMount "${m.name}": subPath and subPathExpr are mutually exclusive`);
    const subPath = normalizeSubPath(m.subPathExpr !== undefined ? expandVars(m.subPathExpr, env) : (m.subPath ?? ''));
    const subError = subPathError(subPath);
    if (subError) throw new MountConfigError(`failed to prepare subPath for volumeMount "${m.name}" of container ${container.name}: ${subError}`);
    return { volume: m.name, mountPath: normalizeMountPath(m.mountPath), subPath, readOnly: m.readOnly ?? false, nested: false };
  });
  const seen = new Set<string>();
  for (const m of mounts) {
    if (seen.has(m.mountPath)) throw new MountConfigError(`container ${container.name}: mountPath ${m.mountPath} is used twice`);
    seen.add(m.mountPath);
  }
  const depth = (path: string): number => path.split('/').length;
  const ordered = [...mounts].sort((a, b) => depth(a.mountPath) - depth(b.mountPath) || a.mountPath.localeCompare(b.mountPath));
  return ordered.map((m, i) => ({ ...m, nested: ordered.slice(0, i).some((earlier) => isWithin(earlier.mountPath, m.mountPath)) }));
}

/** `a//b/./c/` -> `a/b/c` (leading `/` kept, so subPathError can refuse it). */
function normalizeSubPath(subPath: string): string {
  const absolute = subPath.startsWith('/');
  const segments = subPath.split('/').filter((s) => s !== '' && s !== '.');
  return `${absolute ? '/' : ''}${segments.join('/')}`;
}

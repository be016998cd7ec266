/**
 * A `pvc://<claim>/<path>` URI's claim, mounted where `cairn fetch` and `cairn upload` look for it
 * (`/mnt/pvc/<claim>`, their default CAIRN_PVC_ROOT): the volume and the mount, or nothing for other schemes.
 */
import type { Volume, VolumeMount } from './types.js';

/** Where claims are mounted in Cairn's pods. */
export const PVC_ROOT = '/mnt/pvc';

/** The claim a `pvc://<claim>/<path>` URI reads, else undefined. */
export function pvcClaimOf(uri: string): string | undefined {
  const match = /^pvc:\/\/([^/]+)\//.exec(uri);
  return match?.[1];
}

/** The volume `volumeName` of the URI's claim and its mount (read-only unless `writable`); undefined when not pvc://. */
export function claimVolume(uri: string, volumeName: string, writable = false): { volume: Volume; mount: VolumeMount } | undefined {
  const claim = pvcClaimOf(uri);
  if (!claim) return undefined;
  return {
    volume: { name: volumeName, persistentVolumeClaim: { claimName: claim, ...(writable ? {} : { readOnly: true }) } },
    mount: { name: volumeName, mountPath: `${PVC_ROOT}/${claim}`, ...(writable ? {} : { readOnly: true }) },
  };
}

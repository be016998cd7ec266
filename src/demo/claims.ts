/**
 * The demo's storage: the claims the examples name (`pvc://ml-data/...` for the data, `pvc://ml-artifacts/...`
 * for the trained models), each bound to a hostPath PersistentVolume in the run directory, as a platform team's
 * storage would be; the example data is put where the Dataset's URI points.
 */
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KubeClient } from '../runtime/kube/client.js';
import type { KubeObject } from '../runtime/kube/object.js';
import { builtin } from '../runtime/kube/resource.js';

export interface DemoClaim {
  name: string;
  /** Files put on the volume: path inside it -> the file to copy. */
  files?: Record<string, string>;
}

const STORAGE_CLASS = 'demo-hostpath';

/** Creates each claim's directory (writable by the pods' non-root users), copies its files, and binds it. */
export async function provideClaims(kube: KubeClient, namespace: string, volumesDir: string, claims: readonly DemoClaim[], fieldManager: string): Promise<void> {
  for (const claim of claims) {
    const dir = join(volumesDir, claim.name);
    mkdirSync(dir, { recursive: true });
    for (const [inside, from] of Object.entries(claim.files ?? {})) {
      const to = join(dir, inside);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(from, to);
    }
    // The pods run as non-root users (the restricted securityContext): the trainers write models here.
    chmodSync(dir, 0o777);
    const pv = `${namespace}-${claim.name}`;
    await kube.apply(
      builtin.persistentVolume,
      {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: pv },
        spec: {
          capacity: { storage: '10Gi' },
          accessModes: ['ReadWriteMany'],
          storageClassName: STORAGE_CLASS,
          persistentVolumeReclaimPolicy: 'Retain',
          hostPath: { path: dir, type: 'Directory' },
          claimRef: { namespace, name: claim.name },
        },
      } as KubeObject,
      { fieldManager },
    );
    await kube.apply(
      builtin.persistentVolumeClaim,
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: claim.name, namespace },
        spec: { accessModes: ['ReadWriteMany'], storageClassName: STORAGE_CLASS, resources: { requests: { storage: '10Gi' } }, volumeName: pv },
      } as KubeObject,
      { fieldManager },
    );
  }
}

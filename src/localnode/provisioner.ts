import {
  CoreV1Api,
  ListWatch,
  PatchStrategy,
  setHeaderOptions,
  StorageV1Api,
  Watch,
  type KubeConfig,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
  type V1StorageClass,
} from '@kubernetes/client-node';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, statusCode, type Logger } from '../testenv/index.js';
import type { EventRecorder } from './events.js';
import { KeyedQueue } from './queue.js';
import { isWithin } from './volumes/paths.js';

/** The provisioner name of the local node's StorageClass (what `StorageClass.provisioner` says). */
export const PROVISIONER_NAME = 'cairn.dev/local-node';
/** The default StorageClass the local node installs. */
export const DEFAULT_STORAGE_CLASS = 'cairn-local';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';
const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const FIELD_MANAGER = 'cairn-local-node';

export interface ProvisionerOptions {
  kubeConfig: KubeConfig;
  nodeName: string;
  /** Directory under which each provisioned volume gets `pvc-<uid>_<namespace>_<name>/`. */
  dataDir: string;
  events: EventRecorder;
  logger: Logger;
}

/** The default StorageClass: provisioned by the local node, deleted with the claim, bound at once. */
export function storageClass(): V1StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: PROVISIONER_NAME,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  };
}

/**
 * A dynamic provisioner of hostPath PersistentVolumes under the node's data directory, in the role of an
 * external provisioner (as rancher's local-path-provisioner): for a Pending claim of a class whose provisioner
 * is PROVISIONER_NAME it creates a PV pre-bound to the claim (claimRef) and pinned to the local node, and
 * kube-controller-manager's PV binder completes the binding. When such a PV is Released with reclaim policy
 * Delete, it removes the directory and the PV. Level-triggered by key, like the pod loop.
 */
export class LocalProvisioner {
  private readonly core: CoreV1Api;
  private readonly storage: StorageV1Api;
  private readonly queue: KeyedQueue;
  private claims: ListWatch<V1PersistentVolumeClaim> | undefined;
  private volumes: ListWatch<V1PersistentVolume> | undefined;
  private stopped = false;

  constructor(private readonly options: ProvisionerOptions) {
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.storage = options.kubeConfig.makeApiClient(StorageV1Api);
    this.queue = new KeyedQueue(
      (key) => this.reconcile(key),
      (key, error) => options.logger.warn({ node: options.nodeName, key, error: errorMessage(error) }, 'Failed to provision or reclaim a volume; retrying'),
    );
  }

  async start(): Promise<void> {
    await mkdir(this.options.dataDir, { recursive: true });
    try {
      await this.storage.patchStorageClass({ name: DEFAULT_STORAGE_CLASS, fieldManager: FIELD_MANAGER, force: true, body: storageClass() }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply));
    } catch (error) {
      // An existing class of that name with other immutable fields: keep it, and say so.
      this.options.logger.warn({ storageClass: DEFAULT_STORAGE_CLASS, error: errorMessage(error) }, 'Failed to apply the default StorageClass');
    }
    const watch = new Watch(this.options.kubeConfig);
    const claims = new ListWatch<V1PersistentVolumeClaim>('/api/v1/persistentvolumeclaims', watch, () => this.core.listPersistentVolumeClaimForAllNamespaces(), false);
    const volumes = new ListWatch<V1PersistentVolume>('/api/v1/persistentvolumes', watch, () => this.core.listPersistentVolume(), false);
    this.wire(claims, 'claim');
    this.wire(volumes, 'volume');
    this.claims = claims;
    this.volumes = volumes;
    await claims.start();
    await volumes.start();
  }

  /** Every event enqueues `claim/<namespace>/<name>` or `volume//<name>`; a failed watch restarts. */
  private wire<T extends V1PersistentVolumeClaim | V1PersistentVolume>(informer: ListWatch<T>, prefix: 'claim' | 'volume'): void {
    const enqueue = (o: T): void => this.queue.add(`${prefix}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`);
    informer.on('add', enqueue);
    informer.on('update', enqueue);
    informer.on('error', (error) => {
      if (this.stopped) return;
      this.options.logger.warn({ node: this.options.nodeName, error: errorMessage(error) }, `Watch of ${prefix}s failed; restarting it`);
      setTimeout(() => void informer.start().catch(() => undefined), 1_000).unref();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.claims?.stop();
    await this.volumes?.stop();
    await this.queue.stop();
  }

  private async reconcile(key: string): Promise<undefined> {
    const [kind, namespace = '', name = ''] = key.split('/');
    if (kind === 'claim') {
      const claim = this.claims?.get(name, namespace);
      if (claim) await this.provision(claim);
    } else {
      const volume = this.volumes?.get(name);
      if (volume) await this.reclaim(volume);
    }
    return undefined;
  }

  private async provision(claim: V1PersistentVolumeClaim): Promise<void> {
    const meta = claim.metadata ?? {};
    if (meta.deletionTimestamp || claim.spec?.volumeName || (claim.status?.phase ?? 'Pending') !== 'Pending') return;
    const className = claim.spec?.storageClassName;
    if (!className) return;
    const sc = await this.storage.readStorageClass({ name: className }).catch((error: unknown) => {
      if (statusCode(error) === 404) return undefined;
      throw error;
    });
    if (sc?.provisioner !== PROVISIONER_NAME) return;
    if (sc.volumeBindingMode === 'WaitForFirstConsumer' && meta.annotations?.[SELECTED_NODE] !== this.options.nodeName) return;
    const claimObject = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta };
    const refuse = (message: string): void => this.options.events.record(claimObject, 'Warning', 'ProvisioningFailed', message);
    if (claim.spec?.volumeMode === 'Block') return refuse('the local node provisions Filesystem volumes only');
    if (claim.spec?.selector) return refuse('claim Selector is not supported');
    if (claim.spec?.dataSource ?? claim.spec?.dataSourceRef) return refuse('the local node cannot provision a volume from a data source');
    const pvName = `pvc-${meta.uid}`;
    const path = join(this.options.dataDir, `${pvName}_${meta.namespace}_${meta.name}`);
    await mkdir(path, { recursive: true });
    await chmod(path, 0o777);
    const volume: V1PersistentVolume = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pvName, annotations: { [PROVISIONED_BY]: PROVISIONER_NAME } },
      spec: {
        capacity: { storage: claim.spec?.resources?.requests?.storage ?? '1Gi' },
        accessModes: claim.spec?.accessModes ?? ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
        storageClassName: className,
        volumeMode: 'Filesystem',
        ...(sc.mountOptions ? { mountOptions: sc.mountOptions } : {}),
        hostPath: { path, type: 'DirectoryOrCreate' },
        claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: meta.namespace, name: meta.name, uid: meta.uid },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [this.options.nodeName] }] }] } },
      },
    };
    try {
      await this.core.createPersistentVolume({ body: volume });
    } catch (error) {
      if (statusCode(error) !== 409) throw error;
      return;
    }
    this.options.logger.info({ claim: `${meta.namespace}/${meta.name}`, volume: pvName, path }, 'Provisioned PersistentVolume');
    this.options.events.record(claimObject, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
  }

  /** Deletes a Released volume of ours whose policy is Delete: its directory first, then the object. */
  private async reclaim(volume: V1PersistentVolume): Promise<void> {
    const meta = volume.metadata ?? {};
    if (meta.annotations?.[PROVISIONED_BY] !== PROVISIONER_NAME || meta.deletionTimestamp) return;
    if (volume.status?.phase !== 'Released' || volume.spec?.persistentVolumeReclaimPolicy !== 'Delete') return;
    const path = volume.spec.hostPath?.path;
    // Only ever a directory this node made under its data dir, whatever the PV says.
    if (path && isWithin(this.options.dataDir, path) && path !== this.options.dataDir) await rm(path, { recursive: true, force: true });
    try {
      await this.core.deletePersistentVolume({ name: meta.name ?? '', body: { preconditions: { uid: meta.uid } } });
    } catch (error) {
      const code = statusCode(error);
      if (code !== 404 && code !== 409) throw error;
    }
    this.options.logger.info({ volume: meta.name }, 'Deleted released PersistentVolume');
  }
}

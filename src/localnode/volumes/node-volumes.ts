import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../../testenv/index.js';
import type { EventRecorder } from '../events.js';
import { LocalProvisioner } from '../provisioner.js';
import { HostMountpoints } from './mountpoints.js';
import { canMakeMountNamespaces } from './namespace.js';
import type { PodVolumesDeps } from './pod-volumes.js';
import { apiVolumeSources } from './sources.js';

export interface NodeVolumesOptions {
  kubeConfig: KubeConfig;
  nodeName: string;
  /** Where provisioned PersistentVolumes keep their data. */
  dataDir: string;
  events: EventRecorder;
  logger: Logger;
}

/**
 * The node-wide part of volumes: whether mount namespaces work here (checked at start), the mountpoints shared
 * by all pods, the API reads, and the provisioner of the default StorageClass.
 */
export class NodeVolumes {
  readonly mountpoints = new HostMountpoints();
  private mounts: { ok: boolean; reason?: string } = { ok: false, reason: 'the local node has not started' };
  private readonly provisioner: LocalProvisioner;
  private readonly sources;

  constructor(private readonly options: NodeVolumesOptions) {
    this.provisioner = new LocalProvisioner(options);
    this.sources = apiVolumeSources(options.kubeConfig.makeApiClient(CoreV1Api));
  }

  async start(): Promise<void> {
    this.mounts = await canMakeMountNamespaces();
    if (!this.mounts.ok) this.options.logger.warn({ node: this.options.nodeName, reason: this.mounts.reason }, 'Pods with volumes cannot start on this node (they wait with FailedMount)');
    await this.provisioner.start();
  }

  async stop(): Promise<void> {
    await this.provisioner.stop();
  }

  /** What each pod's volumes need (taken when the pod's worker is made, after start). */
  podDeps(): PodVolumesDeps {
    return { sources: this.sources, mountpoints: this.mountpoints, mounts: this.mounts };
  }
}

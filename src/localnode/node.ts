import { CoordinationV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { cpus } from 'node:os';
import { errorMessage, statusCode, type Logger } from '../testenv/index.js';
import { LOCAL_NODE_LABEL } from './placement.js';

export const LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;
/** The kubelet renews its Lease every leaseDuration/4 (10 s). */
const RENEW_INTERVAL_MS = 10_000;
/** The kubelet reports node status at least every 5 minutes when nothing changes; once a minute here. */
const STATUS_INTERVAL_MS = 60_000;

/** Kubernetes MicroTime (RFC 3339 with exactly six fractional digits), which a JS Date does not serialize to. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** RFC 3339 seconds, as metav1.Time is written. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function nodeObject(name: string, kubeletVersion: string, now: string, kubeletPort: number): V1Node {
  const resources = { cpu: String(Math.max(8, cpus().length)), memory: '64Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  const condition = (type: string, status: string, reason: string, message: string): Record<string, string> => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch,
        [LOCAL_NODE_LABEL]: 'true',
      },
    },
    spec: {},
    status: {
      capacity: resources,
      allocatable: resources,
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: name },
      ],
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'cairn node agent is posting ready status'),
      ] as unknown as NonNullable<V1Node['status']>['conditions'],
      nodeInfo: {
        architecture: process.arch === 'x64' ? 'amd64' : process.arch,
        bootID: '',
        containerRuntimeVersion: 'cairn-node-agent://local-process',
        kernelVersion: '',
        kubeProxyVersion: '',
        kubeletVersion,
        machineID: '',
        operatingSystem: 'linux',
        osImage: 'local processes',
        systemUUID: '',
      },
      phase: 'Running',
      // Where the API server reaches the kubelet API (kubectl logs); 0 when the node serves none.
      daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
    },
  };
}

/**
 * The Node object of the agent and its heartbeats: registers the Node (Ready, tainted, labelled), renews its
 * Lease in kube-node-lease every 10 s and re-posts its Ready condition every minute, like a kubelet, so the
 * node-lifecycle controller keeps it Ready.
 */
export class NodeRegistration {
  private timers: NodeJS.Timeout[] = [];
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;

  constructor(
    kc: KubeConfig,
    readonly name: string,
    private readonly logger: Logger,
    private readonly kubeletVersion: string,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.coordination = kc.makeApiClient(CoordinationV1Api);
  }

  /** Registers the Node; `kubeletPort` is where its kubelet API listens on the InternalIP (0: none). */
  async start(kubeletPort = 0): Promise<void> {
    // Node status is kept on create (the kubelet registers this way); a leftover Node of the same name is replaced.
    try {
      await this.core.deleteNode({ name: this.name });
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
    }
    const node = await this.core.createNode({ body: nodeObject(this.name, this.kubeletVersion, rfc3339(new Date()), kubeletPort) });
    await this.renewLease(node.metadata?.uid ?? '');
    const uid = node.metadata?.uid ?? '';
    this.timers.push(setInterval(() => void this.renewLease(uid).catch((error) => this.warn(error, 'renew the Lease')), RENEW_INTERVAL_MS));
    this.timers.push(setInterval(() => void this.postStatus().catch((error) => this.warn(error, 'post node status')), STATUS_INTERVAL_MS));
    for (const timer of this.timers) timer.unref();
    this.logger.info({ node: this.name }, 'Registered the local Node');
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  private warn(error: unknown, what: string): void {
    this.logger.warn({ node: this.name, error: errorMessage(error) }, `Failed to ${what}`);
  }

  /** Server-side applies the Lease with a fresh renewTime (owned by the Node, as the kubelet's). */
  private async renewLease(nodeUid: string): Promise<void> {
    await this.coordination.patchNamespacedLease(
      {
        name: this.name,
        namespace: LEASE_NAMESPACE,
        fieldManager: 'cairn-node-agent',
        force: true,
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.name, namespace: LEASE_NAMESPACE, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.name, uid: nodeUid }] },
          spec: { holderIdentity: this.name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(new Date()) },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
  }

  private async postStatus(): Promise<void> {
    const now = rfc3339(new Date());
    await this.core.patchNodeStatus(
      { name: this.name, body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'cairn node agent is posting ready status', lastHeartbeatTime: now }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
  }
}

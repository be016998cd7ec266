import { CoreV1Api, ListWatch, PatchStrategy, setHeaderOptions, Watch, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Logger, ManagedProcess, SpawnOptions } from '../testenv/index.js';
import { errorMessage, statusCode, writeServiceAccountKubeconfig } from '../testenv/index.js';
import { SERVICE_HOSTS_ENV } from '../net/service-hosts.js';
import { lowerCpuPriority } from './cpu-priority.js';
import { apiEnvSources } from './env.js';
import { EventRecorder } from './events.js';
import type { ImageTable } from './images.js';
import { IpPool } from './ip-pool.js';
import { LogRecorder } from './kubelet-api/log-recorder.js';
import { KubeletApi, type KubeletPod, type KubeletTls } from './kubelet-api/server.js';
import { NodeRegistration } from './node.js';
import { PodWorker } from './pod-worker.js';
import { KeyedQueue } from './queue.js';
import { ServiceProxy } from './services/proxy.js';
import { NodeVolumes } from './volumes/node-volumes.js';
import type { PodStatus } from './wire.js';

export const DEFAULT_NODE_NAME = 'cairn-local';

export interface NodeAgentOptions {
  /** Admin KubeConfig: the agent plays the kubelet and also mints ServiceAccount tokens for its Pods. */
  kubeConfig: KubeConfig;
  /** API server URL and CA, for the Pods' ServiceAccount kubeconfigs. */
  server: string;
  caFile: string;
  /** Starts processes tied to the test environment run (ControlPlane.spawn). */
  spawn(options: SpawnOptions): ManagedProcess;
  images: ImageTable;
  /** Directory under which each Pod gets `<namespace>_<name>_<uid>/` with its logs and files. */
  stateDir: string;
  logger: Logger;
  nodeName?: string;
  kubeletVersion?: string;
  /** Environment every container starts from (default: PATH, HOME, LANG, TMPDIR of this process). */
  baseEnv?: Record<string, string>;
  /** Where provisioned PersistentVolumes keep their data (default `<stateDir>/persistent-volumes`). */
  dataDir?: string;
  /** The kubelet API's certificates (src/localnode/README.md); without them `kubectl logs` is not served. */
  kubeletTls?: KubeletTls;
  /** The service hosts file the node keeps (default `<stateDir>/service-hosts`); containers get its path. */
  serviceHostsFile?: string;
  /**
   * Folders of this machine the images' programs need, kept visible in every container even under a volume
   * mounted over a folder that holds them (the checkout whose `cairn` the `cairn` image runs).
   */
  visiblePaths?: readonly string[];
  /** The /24 on loopback its Pods get their IPs from (default `127.0.1.`): two nodes on one machine need two. */
  podIpPrefix?: string;
  /**
   * The nice value every container process starts with (default POD_NICE; 0 leaves it as this process's). On a
   * cluster the control plane has cores of its own; here it shares them with the pods, so a trainer using every
   * core must not slow the API server, the controllers and kubectl (src/localnode/README.md, "CPU priority").
   */
  podNice?: number;
}

/** Pods run below the control plane's CPU priority by default: see NodeAgentOptions.podNice. */
export const POD_NICE = 10;

/**
 * A kubelet stand-in that runs the Pods bound to its Node as local processes (see src/localnode/README.md).
 * Level-triggered: watch events only enqueue `namespace/name`; `reconcile` re-reads the Pod from the cache,
 * drives its PodWorker, writes the status when it changed, and finalizes deletions.
 */
export class NodeAgent {
  readonly nodeName: string;
  private readonly core: CoreV1Api;
  private readonly node: NodeRegistration;
  private readonly workers = new Map<string, PodWorker>();
  private readonly written = new Map<string, PodStatus>();
  private readonly ips: IpPool;
  private readonly queue: KeyedQueue;
  private informer: ListWatch<V1Pod> | undefined;
  private stopped = false;
  private readonly events: EventRecorder;
  /** Volumes: mount namespaces, mountpoints, the provisioner of StorageClass cairn-local (src/localnode/volumes/). */
  readonly volumes: NodeVolumes;
  /** kube-proxy's part (src/localnode/services/) and the kubelet API (src/localnode/kubelet-api/). */
  readonly services: ServiceProxy;
  readonly serviceHostsFile: string;
  private readonly logs = new LogRecorder();
  private kubeletApi: KubeletApi | undefined;

  constructor(private readonly options: NodeAgentOptions) {
    this.nodeName = options.nodeName ?? DEFAULT_NODE_NAME;
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.node = new NodeRegistration(options.kubeConfig, this.nodeName, options.logger, options.kubeletVersion ?? 'v1.35.4-cairn-node-agent');
    this.events = new EventRecorder(this.core, this.nodeName, options.logger);
    const dataDir = options.dataDir ?? join(options.stateDir, 'persistent-volumes');
    this.volumes = new NodeVolumes({ kubeConfig: options.kubeConfig, nodeName: this.nodeName, dataDir, events: this.events, logger: options.logger });
    this.serviceHostsFile = options.serviceHostsFile ?? join(options.stateDir, 'service-hosts');
    this.ips = new IpPool(options.podIpPrefix);
    this.services = new ServiceProxy({ kubeConfig: options.kubeConfig, nodeName: this.nodeName, hostsFile: this.serviceHostsFile, logger: options.logger });
    this.queue = new KeyedQueue(
      (key) => this.reconcile(key),
      (key, error) => options.logger.warn({ node: this.nodeName, pod: key, error: errorMessage(error) }, 'Failed to sync Pod; retrying'),
    );
  }

  async start(): Promise<void> {
    await mkdir(dirname(this.serviceHostsFile), { recursive: true });
    await this.services.start();
    if (this.options.kubeletTls) {
      this.kubeletApi = new KubeletApi({ tls: this.options.kubeletTls, pod: (namespace, name) => this.kubeletPod(namespace, name), logs: this.logs, logger: this.options.logger });
    }
    await this.node.start(await this.kubeletApi?.listen());
    await this.volumes.start();
    const fieldSelector = `spec.nodeName=${this.nodeName}`;
    const informer = new ListWatch<V1Pod>('/api/v1/pods', new Watch(this.options.kubeConfig), () => this.core.listPodForAllNamespaces({ fieldSelector }), false, undefined, fieldSelector);
    const enqueue = (pod: V1Pod): void => this.queue.add(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
    informer.on('add', enqueue);
    informer.on('update', enqueue);
    informer.on('delete', enqueue);
    informer.on('error', (error) => {
      if (this.stopped) return;
      this.options.logger.warn({ node: this.nodeName, error: errorMessage(error) }, 'Pod watch failed; restarting it');
      setTimeout(() => void informer.start().catch(() => undefined), 1_000).unref();
    });
    this.informer = informer;
    await informer.start();
  }

  /** Stops watching and heartbeating, and ends every Pod's processes (the Pods stay in the API). */
  async stop(graceSeconds = 2): Promise<void> {
    this.stopped = true;
    this.node.stop();
    await this.informer?.stop();
    await this.queue.stop();
    await this.kubeletApi?.close();
    await Promise.all([...this.workers.values()].map((w) => w.dispose(graceSeconds)));
    await this.volumes.stop();
    await this.services.stop();
    this.logs.close();
  }

  /** A Pod of this node for the kubelet API: the status the node computes now, and its directory. */
  private kubeletPod(namespace: string, name: string): KubeletPod | undefined {
    const pod = this.informer?.get(name, namespace);
    if (pod === undefined || pod.spec?.nodeName !== this.nodeName) return undefined;
    const worker = this.workers.get(pod.metadata?.uid ?? '');
    const status = worker ? worker.status(this.written.get(worker.uid)) : ((pod.status ?? {}) as unknown as PodStatus);
    return { pod, status, dir: this.podDir(pod) };
  }

  /** The directory holding a Pod's logs (`<container>.stdout.log`, `.stderr.log`) and termination files. */
  podDir(pod: { metadata?: { namespace?: string; name?: string; uid?: string } }): string {
    return join(this.options.stateDir, `${pod.metadata?.namespace}_${pod.metadata?.name}_${pod.metadata?.uid}`);
  }

  private async reconcile(key: string): Promise<number | undefined> {
    const [namespace = '', name = ''] = key.split('/');
    const pod = this.informer?.get(name, namespace);
    const uid = pod?.metadata?.uid;
    // Workers of this key whose Pod is gone (or replaced by a new one of the same name) end now.
    for (const [workerUid, worker] of this.workers) {
      if (worker.key === key && workerUid !== uid) {
        await worker.dispose(2);
        this.workers.delete(workerUid);
        this.written.delete(workerUid);
        this.logs.forget(this.podDir({ metadata: { ...pod?.metadata, namespace, name, uid: workerUid } }));
      }
    }
    if (pod === undefined || uid === undefined || pod.spec?.nodeName !== this.nodeName) return undefined;
    let worker = this.workers.get(uid);
    if (worker === undefined) {
      // Nothing runs for it here: a deleted Pod is finalized at once, a finished one is left as it is.
      if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return this.finalizeIfDeleted(pod);
      worker = this.newWorker(pod);
      this.workers.set(uid, worker);
    }
    const retry = await worker.sync(pod);
    if (pod.metadata?.deletionTimestamp) {
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      await worker.terminate(grace);
    }
    await this.writeStatus(pod, worker);
    if (pod.metadata?.deletionTimestamp && worker.finished) {
      // As the kubelet, the pod's resources (mountpoints, volumes, its directory) go before the Pod object.
      await worker.dispose(0);
      await this.finalizeIfDeleted(pod);
      this.workers.delete(uid);
      this.written.delete(uid);
      this.logs.forget(this.podDir(pod));
    }
    return retry;
  }

  private newWorker(pod: V1Pod): PodWorker {
    const { options } = this;
    const worker: PodWorker = new PodWorker(pod, {
      spawn: (spawnOptions) => this.logs.spawned(spawnOptions, () => withNice(options.spawn(spawnOptions), options.podNice ?? POD_NICE, options.logger)),
      images: options.images,
      // The service hosts file's folder too: a volume over /tmp must not hide it (the node renames a new file
      // into it, so the folder is kept, not the file).
      visiblePaths: [...(options.visiblePaths ?? []), dirname(this.serviceHostsFile)],
      envSources: { ...apiEnvSources(this.core), services: (namespace) => this.services.servicesIn(namespace) },
      volumes: this.volumes.podDeps(),
      events: this.events.forPod(pod),
      ips: this.ips,
      logger: options.logger,
      dir: this.podDir(pod),
      baseEnv: {
        ...(options.baseEnv ?? {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: process.env.HOME ?? '/root',
          LANG: 'C.UTF-8',
          ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
        }),
        [SERVICE_HOSTS_ENV]: this.serviceHostsFile, // `<svc>.<ns>.svc` for Cairn's code (src/net/resolve.ts)
      },
      serviceAccountKubeconfig: (p, path) => this.serviceAccountKubeconfig(p, path),
      changed: () => this.queue.add(worker.key),
    });
    return worker;
  }

  /** A kubeconfig with a token bound to the Pod, for its ServiceAccount, unless the Pod opts out of the token. */
  private async serviceAccountKubeconfig(pod: V1Pod, path: string): Promise<string | undefined> {
    if (pod.spec?.automountServiceAccountToken === false) return undefined;
    const meta = pod.metadata ?? {};
    return writeServiceAccountKubeconfig({ server: this.options.server, caFile: this.options.caFile, kubeConfig: () => this.options.kubeConfig }, path, {
      namespace: meta.namespace ?? 'default',
      serviceAccount: pod.spec?.serviceAccountName || 'default',
      boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: meta.name, uid: meta.uid },
    });
  }

  /** Patches pods/status when the computed status differs from the one last written. */
  private async writeStatus(pod: V1Pod, worker: PodWorker): Promise<void> {
    const previous = this.written.get(worker.uid);
    const status = worker.status(previous);
    if (previous !== undefined && isDeepStrictEqual(previous, status)) return;
    try {
      await this.core.patchNamespacedPodStatus(
        { name: pod.metadata?.name ?? '', namespace: pod.metadata?.namespace ?? '', body: { metadata: { uid: worker.uid }, status } },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );
    } catch (error) {
      // Gone (404) or replaced by a Pod of the same name (409, uid precondition): the watch will tell.
      const code = statusCode(error);
      if (code === 404 || code === 409) return;
      throw error;
    }
    this.written.set(worker.uid, status);
  }

  /** Completes a graceful deletion as the kubelet does: delete with grace period 0, preconditioned on the uid. */
  private async finalizeIfDeleted(pod: V1Pod): Promise<undefined> {
    if (!pod.metadata?.deletionTimestamp) return undefined;
    try {
      await this.core.deleteNamespacedPod({
        name: pod.metadata.name ?? '',
        namespace: pod.metadata.namespace ?? '',
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } },
      });
    } catch (error) {
      const code = statusCode(error);
      if (code !== 404 && code !== 409) throw error;
    }
    return undefined;
  }
}

/**
 * Lowers a container process's CPU priority right after it started (cpu-priority.ts). The spawn returns once the
 * program was exec'd, before it starts threads of its own, so they inherit it (as do its children). Raising a nice
 * value needs no privilege; a failure is logged and the process runs as it is.
 */
function withNice(proc: ManagedProcess, nice: number, logger: Logger): ManagedProcess {
  if (nice === 0 || proc.pid <= 0) return proc;
  try {
    lowerCpuPriority(proc.pid, nice);
  } catch (error) {
    logger.warn({ pid: proc.pid, nice, error: errorMessage(error) }, 'cannot lower the CPU priority of a container process');
  }
  return proc;
}

import type { V1Pod } from '@kubernetes/client-node';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger, ManagedProcess, SpawnOptions } from '../testenv/index.js';
import { containerArgv } from './command.js';
import { ContainerRuntime, containerFiles } from './container.js';
import { ContainerConfigError, resolveEnv, type EnvSources } from './env.js';
import { lookupImage, type ImageTable } from './images.js';
import type { IpPool } from './ip-pool.js';
import { rfc3339 } from './node.js';
import { podStatus } from './pod-status.js';
import type { PodStatus } from './wire.js';

/** The kubelet's restart back-off starts at 10 s and caps at 5 min; the agent uses 1 s doubling to 30 s. */
const BACKOFF_START_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

export interface PodWorkerDeps {
  spawn(options: SpawnOptions): ManagedProcess;
  images: ImageTable;
  envSources: EnvSources;
  ips: IpPool;
  logger: Logger;
  /** Directory for this Pod's logs and files. */
  dir: string;
  /** Writes a kubeconfig for the Pod's ServiceAccount and returns its path (undefined: no token mounted). */
  serviceAccountKubeconfig(pod: V1Pod, path: string): Promise<string | undefined>;
  /** Environment every container starts from (PATH, HOME, ...). */
  baseEnv: Record<string, string>;
  /** Asks the agent to reconcile this Pod again (status may have changed). */
  changed(): void;
}

/**
 * Runs one Pod (one uid) on the local node: allocates its loopback IP, runs the init containers in order, then
 * the containers, restarts them per restartPolicy, and ends them on deletion. `status()` is the pod status the
 * kubelet would report for the current state.
 */
export class PodWorker {
  readonly uid: string;
  podIP: string | undefined;
  private readonly startTime = rfc3339(new Date());
  private readonly init: ContainerRuntime[];
  private readonly main: ContainerRuntime[];
  private prepared = false;
  private deleting = false;
  private ipReleased = false;
  private kubeconfig: string | undefined;
  private readonly restartTimers = new Set<NodeJS.Timeout>();

  constructor(
    private pod: V1Pod,
    private readonly deps: PodWorkerDeps,
  ) {
    this.uid = pod.metadata?.uid ?? '';
    const make = (init: boolean) => (spec: NonNullable<V1Pod['spec']>['containers'][number]) => new ContainerRuntime(spec, init, deps.dir, () => this.podIP ?? '', deps.changed);
    this.init = (pod.spec?.initContainers ?? []).map(make(true));
    this.main = (pod.spec?.containers ?? []).map(make(false));
  }

  /** `namespace/name`, the agent's queue key. */
  get key(): string {
    return `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`;
  }

  private get name(): string {
    return this.key;
  }

  private get restartPolicy(): string {
    return this.pod.spec?.restartPolicy ?? 'Always';
  }

  /** True once every container has exited and none will be restarted. */
  get finished(): boolean {
    const done = (c: ContainerRuntime): boolean => c.running === undefined && c.terminated !== undefined && !this.restartPending(c);
    if (this.deleting) return [...this.init, ...this.main].every((c) => c.running === undefined);
    const initFailed = this.init.some((c) => done(c) && c.terminated?.exitCode !== 0);
    return initFailed || (this.main.length > 0 && this.main.every(done));
  }

  private restartPending(c: ContainerRuntime): boolean {
    return c.waiting?.reason === 'CrashLoopBackOff';
  }

  /** Brings the processes in line with the Pod; returns a delay after which to sync again, if any. */
  async sync(pod: V1Pod): Promise<number | undefined> {
    this.pod = pod;
    if (pod.metadata?.deletionTimestamp) return undefined;
    if (!this.prepared) {
      this.podIP = this.deps.ips.allocate();
      await mkdir(this.deps.dir, { recursive: true });
      this.kubeconfig = await this.deps.serviceAccountKubeconfig(pod, join(this.deps.dir, 'kubeconfig'));
      this.prepared = true;
    }
    if (this.finished) {
      this.releaseIp();
      return undefined;
    }
    for (const c of this.init) {
      if (c.terminated?.exitCode === 0 && !c.running) continue;
      if (!c.started && !c.running) return this.startContainer(c);
      return undefined; // running, or failed and waiting for its restart
    }
    let retry: number | undefined;
    for (const c of this.main) {
      if (!c.started && !c.running && !this.restartPending(c)) {
        const delay = await this.startContainer(c);
        if (delay !== undefined) retry = Math.min(retry ?? delay, delay);
      }
    }
    return retry;
  }

  /** Starts `c`, or records why it cannot start (unknown image, bad env) and asks to retry in 2 s. */
  private async startContainer(c: ContainerRuntime): Promise<number | undefined> {
    const image = lookupImage(this.deps.images, c.spec.image ?? '');
    if (!image) {
      c.setWaiting('ErrImagePull', `the node agent has no local command for image "${c.spec.image}" (add it to the image table: src/localnode/images.ts, or an extra entry passed to NodeAgent)`);
      return 2_000;
    }
    const files = containerFiles(this.deps.dir, c.spec.name);
    const injected: Record<string, string> = {
      ...this.deps.baseEnv,
      HOSTNAME: this.pod.metadata?.name ?? '',
      POD_IP: this.podIP ?? '',
      HOST: this.podIP ?? '',
      CAIRN_TERMINATION_LOG: files.termination,
      ...(this.kubeconfig ? { KUBECONFIG: this.kubeconfig } : {}),
    };
    let argv: string[];
    let env: Record<string, string>;
    try {
      const podWithIp: V1Pod = { ...this.pod, status: { ...this.pod.status, podIP: this.podIP, podIPs: [{ ip: this.podIP ?? '' }], hostIP: '127.0.0.1' } };
      env = await resolveEnv(podWithIp, c.spec, this.deps.envSources, injected);
      argv = containerArgv(c.spec, image, env);
    } catch (error) {
      if (!(error instanceof ContainerConfigError) && !(error instanceof Error && /no command/.test(error.message))) throw error;
      c.setWaiting('CreateContainerConfigError', error.message);
      return 2_000;
    }
    const cwd = c.spec.workingDir ?? image.workingDir ?? this.deps.dir;
    this.deps.logger.info({ pod: this.name, container: c.spec.name, argv }, 'Started container');
    c.start(argv, env, cwd, this.deps.spawn, this.name, () => this.onExit(c));
    return undefined;
  }

  /** Restart decisions after an exit (init containers restart on failure unless restartPolicy is Never). */
  private onExit(c: ContainerRuntime): void {
    const exitCode = c.terminated?.exitCode ?? 1;
    this.deps.logger.info({ pod: this.name, container: c.spec.name, exitCode }, 'Container exited');
    if (this.deleting) return;
    const policy = this.restartPolicy;
    const restart = c.init ? exitCode !== 0 && policy !== 'Never' : policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
    if (!restart) return;
    const delay = Math.min(BACKOFF_START_MS * 2 ** c.restartCount, BACKOFF_MAX_MS);
    c.lastTerminated = c.terminated;
    c.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${c.spec.name} pod=${this.pod.metadata?.name}` };
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.deleting) return;
      c.restartCount += 1;
      c.waiting = undefined;
      c.terminated = undefined;
      void this.startContainer(c).catch((error: Error) => c.setWaiting('CreateContainerConfigError', error.message));
    }, delay);
    this.restartTimers.add(timer);
  }

  /** Ends every container (SIGTERM, SIGKILL after `graceSeconds`); no restarts afterwards. */
  async terminate(graceSeconds: number): Promise<void> {
    this.deleting = true;
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
    for (const c of [...this.init, ...this.main]) if (c.waiting?.reason === 'CrashLoopBackOff') c.waiting = undefined;
    await Promise.all([...this.init, ...this.main].map((c) => c.stop(graceSeconds * 1000)));
    this.releaseIp();
  }

  releaseIp(): void {
    if (this.podIP && !this.ipReleased) {
      this.deps.ips.release(this.podIP);
      this.ipReleased = true;
    }
  }

  /** The status to report now; `previous` supplies unchanged conditions' lastTransitionTime. */
  status(previous: PodStatus | undefined): PodStatus {
    return podStatus({
      pod: this.pod,
      podIP: this.podIP,
      startTime: this.startTime,
      init: this.init,
      main: this.main,
      finished: this.finished,
      previous,
    });
  }
}

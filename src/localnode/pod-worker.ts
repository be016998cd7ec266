import type { V1Pod } from '@kubernetes/client-node';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger, ManagedProcess, SpawnOptions } from '../testenv/index.js';
import { ContainerRuntime } from './container.js';
import type { EnvSources } from './env.js';
import type { PodEventSink } from './events.js';
import type { ImageTable } from './images.js';
import type { IpPool } from './ip-pool.js';
import { prepareLaunch } from './launch.js';
import { rfc3339 } from './node.js';
import { podStatus } from './pod-status.js';
import { nextInitAction, terminationStages } from './sidecars.js';
import { VolumeSetupError } from './volumes/payload.js';
import { PodVolumes, type PodVolumesDeps } from './volumes/pod-volumes.js';
import type { PodStatus } from './wire.js';

/** The kubelet's restart back-off starts at 10 s and caps at 5 min; the node uses 1 s doubling to 30 s. */
const BACKOFF_START_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;
/** A volume that cannot be set up is retried this often (the kubelet backs off to 2 min; here objects appear fast). */
const MOUNT_RETRY_MS = 2_000;
/** How often projected volume contents (ConfigMaps, Secrets, labels, tokens) are brought up to date. */
const VOLUME_SYNC_MS = 10_000;
/** The kubelet never gives a container less than 2 s to stop. */
const MIN_GRACE_MS = 2_000;

export interface PodWorkerDeps {
  spawn(options: SpawnOptions): ManagedProcess;
  images: ImageTable;
  /** Folders of this machine kept visible in every container (LaunchInput.visiblePaths). */
  visiblePaths?: readonly string[];
  envSources: EnvSources;
  volumes: PodVolumesDeps;
  ips: IpPool;
  logger: Logger;
  /** Events about this pod. */
  events: PodEventSink;
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
 * Runs one Pod (one uid) on the local node: allocates its loopback IP, sets up its volumes, runs the init
 * containers in order (sidecars keep running), then the containers, restarts them per restartPolicy, stops the
 * sidecars once the main containers are done, and ends everything on deletion. `status()` is the pod status
 * the kubelet would report for the current state.
 */
export class PodWorker {
  readonly uid: string;
  podIP: string | undefined;
  private readonly startTime = rfc3339(new Date());
  private readonly init: ContainerRuntime[];
  private readonly main: ContainerRuntime[];
  private readonly volumes: PodVolumes;
  private prepared = false;
  private volumesReady = false;
  private volumesSyncedAt = 0;
  private deleting = false;
  private ipReleased = false;
  private kubeconfig: string | undefined;
  private readonly restartTimers = new Map<ContainerRuntime, NodeJS.Timeout>();
  private terminating: Promise<void> | undefined;
  private terminatingGraceSeconds = Infinity;
  private sidecarsStopping: Promise<void> | undefined;

  constructor(
    private pod: V1Pod,
    private readonly deps: PodWorkerDeps,
  ) {
    this.uid = pod.metadata?.uid ?? '';
    const make = (init: boolean) => (spec: NonNullable<V1Pod['spec']>['containers'][number]) =>
      new ContainerRuntime(spec, init, deps.dir, {
        podIP: () => this.podIP ?? '',
        changed: deps.changed,
        event: (type, reason, message) => deps.events(type, reason, message, spec.name),
        probeKillGraceMs: (probe) => (probe.terminationGracePeriodSeconds ?? this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000,
      });
    this.init = (pod.spec?.initContainers ?? []).map(make(true));
    this.main = (pod.spec?.containers ?? []).map(make(false));
    this.volumes = new PodVolumes(deps.dir, deps.volumes);
  }

  /** `namespace/name`, the agent's queue key. */
  get key(): string {
    return `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`;
  }

  private get restartPolicy(): string {
    return this.pod.spec?.restartPolicy ?? 'Always';
  }

  private get all(): ContainerRuntime[] {
    return [...this.init, ...this.main];
  }

  private restartPending(c: ContainerRuntime): boolean {
    return c.waiting?.reason === 'CrashLoopBackOff';
  }

  /** The main containers are all done for good, or a regular init container failed for good. */
  private get podDone(): boolean {
    const done = (c: ContainerRuntime): boolean => c.running === undefined && c.terminated !== undefined && !this.restartPending(c);
    const initFailed = this.init.some((c) => !c.sidecar && done(c) && c.terminated?.exitCode !== 0);
    return initFailed || (this.main.length > 0 && this.main.every(done));
  }

  /** True once every container, sidecars included, has exited and none will be restarted. */
  get finished(): boolean {
    if (this.deleting) return this.all.every((c) => c.running === undefined);
    return this.podDone && this.all.every((c) => c.running === undefined && !this.restartPending(c));
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
    if (this.podDone) {
      this.stopSidecars();
      if (!this.finished) return undefined;
      this.releaseIp();
      await this.volumes.tearDown();
      return undefined;
    }
    const volumeDelay = await this.syncVolumes(pod);
    if (!this.volumesReady) return volumeDelay;
    const action = nextInitAction(
      this.init.map((c) => ({ sidecar: c.sidecar, running: c.running !== undefined, launched: c.launched, succeeded: c.terminated?.exitCode === 0, everStarted: c.everStarted })),
    );
    if (action.kind === 'start') return (await this.startContainer(this.init[action.index] as ContainerRuntime)) ?? volumeDelay;
    if (action.kind === 'wait') return volumeDelay;
    let retry = volumeDelay;
    for (const c of this.main) {
      if (!c.launched && !this.restartPending(c)) {
        const delay = await this.startContainer(c);
        if (delay !== undefined) retry = Math.min(retry, delay);
      }
    }
    return retry;
  }

  /**
   * Sets up the volumes before anything starts (a failure is a FailedMount Event and a retry, the pod staying
   * in ContainerCreating), then refreshes projected contents every VOLUME_SYNC_MS. Returns the next delay.
   */
  private async syncVolumes(pod: V1Pod): Promise<number> {
    const now = Date.now();
    if (this.volumesReady && now - this.volumesSyncedAt < VOLUME_SYNC_MS) return this.volumesSyncedAt + VOLUME_SYNC_MS - now;
    try {
      await this.volumes.setUp(pod);
      this.volumesReady = true;
      this.volumesSyncedAt = now;
      return VOLUME_SYNC_MS;
    } catch (error) {
      // Before the start, the pod waits; later, the contents in place stay as they were (the kubelet's way).
      if (error instanceof VolumeSetupError) this.deps.events('Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${error.volume}" : ${error.message}`);
      else if (!this.volumesReady) throw error; // the API or the disk failed: the agent's queue backs off
      else this.deps.logger.warn({ pod: this.key, error: error instanceof Error ? error.message : String(error) }, 'Failed to refresh the volumes of Pod');
      this.volumesSyncedAt = now;
      return this.volumesReady ? VOLUME_SYNC_MS : MOUNT_RETRY_MS;
    }
  }

  /** Starts `c`, or records why it cannot start (unknown image, bad env or mounts) and asks to retry in 2 s. */
  private async startContainer(c: ContainerRuntime): Promise<number | undefined> {
    const { deps } = this;
    const launch = await prepareLaunch({
      pod: this.pod,
      container: c.spec,
      podIP: this.podIP ?? '',
      kubeconfig: this.kubeconfig,
      dir: deps.dir,
      baseEnv: deps.baseEnv,
      images: deps.images,
      visiblePaths: deps.visiblePaths,
      envSources: deps.envSources,
      volumes: this.volumes,
    });
    if (!launch.ok) {
      c.setWaiting(launch.reason, launch.message);
      return 2_000;
    }
    deps.logger.info({ pod: this.key, container: c.spec.name, argv: launch.command, mounts: launch.mounts.map((m) => `${m.target}${m.readOnly ? ' (ro)' : ''}`) }, 'Started container');
    c.start(launch.argv, launch.env, launch.cwd, deps.spawn, this.key, launch.mounts.length > 0, () => this.onExit(c));
    return undefined;
  }

  /**
   * Restart decisions after an exit: a sidecar always restarts while the pod runs, a regular init container
   * on failure unless restartPolicy is Never, a main container per restartPolicy.
   */
  private onExit(c: ContainerRuntime): void {
    const exitCode = c.terminated?.exitCode ?? 1;
    this.deps.logger.info({ pod: this.key, container: c.spec.name, exitCode }, 'Container exited');
    if (this.deleting || (c.sidecar && this.sidecarsStopping)) return;
    const policy = this.restartPolicy;
    const restart = c.sidecar || (c.init ? exitCode !== 0 && policy !== 'Never' : policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0));
    if (!restart) return;
    const delay = Math.min(BACKOFF_START_MS * 2 ** c.restartCount, BACKOFF_MAX_MS);
    c.lastTerminated = c.terminated;
    c.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${c.spec.name} pod=${this.pod.metadata?.name}` };
    if (c.restartCount > 0) this.deps.events('Warning', 'BackOff', `Back-off restarting failed container ${c.spec.name} in pod ${this.pod.metadata?.name}`, c.spec.name);
    const timer = setTimeout(() => {
      this.restartTimers.delete(c);
      if (this.deleting || (c.sidecar && this.sidecarsStopping)) return;
      c.restartCount += 1;
      c.waiting = undefined;
      c.terminated = undefined;
      void this.startContainer(c).catch((error: Error) => c.setWaiting('CreateContainerConfigError', error.message));
    }, delay);
    this.restartTimers.set(c, timer);
  }

  /** Cancels a pending restart (the container stays terminated with its last exit). */
  private cancelRestart(c: ContainerRuntime): void {
    const timer = this.restartTimers.get(c);
    if (timer) clearTimeout(timer);
    this.restartTimers.delete(c);
    if (this.restartPending(c)) {
      c.waiting = undefined;
      if (!c.terminated) c.terminated = c.lastTerminated;
    }
  }

  /** Once the main containers are done: SIGTERM to the sidecars one at a time, last first (pod grace period). */
  private stopSidecars(): void {
    if (this.sidecarsStopping || !this.init.some((c) => c.sidecar)) return;
    const graceMs = (this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
    for (const c of this.init) if (c.sidecar) this.cancelRestart(c);
    const stages = terminationStages(this.init, 0).slice(1);
    this.sidecarsStopping = this.runStages(stages, graceMs).then(() => this.deps.changed());
  }

  /** Stops containers stage by stage within one grace period (each stage gets what is left, at least 2 s). */
  private async runStages(stages: { init: number[]; main: number[] }[], graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    for (const [i, stage] of stages.entries()) {
      const left = deadline - Date.now();
      const budget = i === 0 ? Math.max(left, 0) : Math.max(left, MIN_GRACE_MS);
      const containers = [...stage.init.map((n) => this.init[n]), ...stage.main.map((n) => this.main[n])].filter((c): c is ContainerRuntime => c !== undefined);
      await Promise.all(containers.map((c) => c.stop(budget)));
    }
  }

  /**
   * Ends every container (SIGTERM, SIGKILL after `graceSeconds`; sidecars last, in reverse order); no restarts
   * afterwards. A later call with a shorter grace period (the node stopping) shortens it for every container.
   */
  terminate(graceSeconds: number): Promise<void> {
    this.deleting = true;
    if (this.terminating && graceSeconds < this.terminatingGraceSeconds) {
      this.terminatingGraceSeconds = graceSeconds;
      const hurry = Promise.all(this.all.map((c) => c.stop(graceSeconds * 1000)));
      return Promise.all([this.terminating, hurry]).then(() => undefined);
    }
    this.terminatingGraceSeconds = Math.min(this.terminatingGraceSeconds, graceSeconds);
    this.terminating ??= (async () => {
      for (const c of this.all) this.cancelRestart(c);
      await this.sidecarsStopping;
      await this.runStages(terminationStages(this.init, this.main.length), graceSeconds * 1000);
      this.releaseIp();
    })();
    return this.terminating;
  }

  /** Ends the pod for good: its processes, its mountpoints on the machine, and its directory. */
  async dispose(graceSeconds: number): Promise<void> {
    await this.terminate(graceSeconds);
    await this.volumes.tearDown();
    await rm(this.deps.dir, { recursive: true, force: true });
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

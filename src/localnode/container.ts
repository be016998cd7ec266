import type { V1Container, V1Probe } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { ManagedProcess, SpawnOptions } from '../testenv/index.js';
import { tailFile } from '../testenv/index.js';
import type { EventType } from './events.js';
import { rfc3339 } from './node.js';
import { runProbe } from './probe.js';
import { ContainerProber } from './prober.js';
import { inNamespaceOf } from './volumes/namespace.js';
import type { ContainerState, ContainerStatus, TerminatedState } from './wire.js';

/** The kubelet's limits on a termination message: 4 KiB from the file, 2 KiB / 80 lines from the log. */
const MESSAGE_MAX_BYTES = 4096;
const LOG_FALLBACK_MAX_BYTES = 2048;
const LOG_FALLBACK_LINES = 80;

/** Where one container's files live in its Pod's directory. */
export function containerFiles(podDir: string, name: string): { stdout: string; stderr: string; termination: string } {
  return { stdout: join(podDir, `${name}.stdout.log`), stderr: join(podDir, `${name}.stderr.log`), termination: join(podDir, `${name}.termination-log`) };
}

/** What a container needs from its pod. */
export interface ContainerHooks {
  podIP(): string;
  /** The reported status may have changed. */
  changed(): void;
  /** Records an Event about this container. */
  event(type: EventType, reason: string, message: string): void;
  /** Grace period of a kill by a failed probe: the probe's terminationGracePeriodSeconds, else the pod's. */
  probeKillGraceMs(probe: V1Probe): number;
}

/**
 * One container of a Pod, run as a local process group. Tracks the state the kubelet reports (waiting,
 * running, terminated, last state, restart count, started, readiness) and runs its startup, liveness and
 * readiness probes; a failed startup or liveness probe kills the process, and the pod decides the restart.
 */
export class ContainerRuntime {
  waiting: { reason: string; message?: string } | undefined = { reason: 'ContainerCreating' };
  running: { startedAt: string } | undefined;
  terminated: TerminatedState | undefined;
  lastTerminated: TerminatedState | undefined;
  restartCount = 0;
  ready = false;
  /** The current process passed its startup probe (or has none). */
  startupDone = false;
  /** Some process of this container passed its startup probe (what the next init container waits for). */
  everStarted = false;
  /** An init container with restartPolicy Always: a native sidecar. */
  readonly sidecar: boolean;
  /** Settles when the current process's exit has been recorded. */
  exitRecorded: Promise<void> = Promise.resolve();
  private proc: ManagedProcess | undefined;
  private prober: ContainerProber | undefined;
  private env: Record<string, string> = {};
  /** The process runs in a mount namespace of its own (exec probes enter it). */
  private namespaced = false;

  constructor(
    readonly spec: V1Container,
    readonly init: boolean,
    private readonly podDir: string,
    private readonly hooks: ContainerHooks,
  ) {
    this.sidecar = init && spec.restartPolicy === 'Always';
  }

  /** A process was ever launched (it runs, exited, or waits to restart). */
  get launched(): boolean {
    return this.running !== undefined || this.terminated !== undefined || this.lastTerminated !== undefined;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Records why the container is not running; notifies only on a change (a retry must not loop the queue). */
  setWaiting(reason: string, message?: string): void {
    if (this.waiting?.reason === reason && this.waiting.message === message) return;
    this.waiting = { reason, message };
    this.hooks.changed();
  }

  /** Starts the process; `onExit` runs after its exit has been recorded in `terminated`. */
  start(argv: string[], env: Record<string, string>, cwd: string, spawn: (options: SpawnOptions) => ManagedProcess, podName: string, namespaced: boolean, onExit: () => void): void {
    const files = containerFiles(this.podDir, this.spec.name);
    if (this.terminated) this.lastTerminated = this.terminated;
    this.terminated = undefined;
    this.waiting = undefined;
    this.env = env;
    this.namespaced = namespaced;
    const [command, ...args] = argv as [string, ...string[]];
    const startedAt = rfc3339(new Date());
    const proc = spawn({ name: `${podName}/${this.spec.name}`, command, args, env, cwd, stdoutFile: files.stdout, stderrFile: files.stderr });
    this.proc = proc;
    this.running = { startedAt };
    this.ready = false;
    this.startupDone = false;
    this.exitRecorded = proc.exited.then(async (exit) => {
      this.stopProber();
      const exitCode = exit.code ?? 128 + (exit.signal ? (constants.signals[exit.signal] ?? 0) : 0);
      const reason = proc.pid <= 0 ? 'StartError' : exitCode === 0 ? 'Completed' : 'Error';
      const message = await this.terminationMessage(files, exitCode);
      // `running` and `terminated` change together: a sync in between must never see a container that was
      // never launched (it would start it a second time).
      this.running = undefined;
      this.ready = false;
      this.startupDone = false;
      this.terminated = {
        exitCode,
        ...(exit.signal ? { signal: constants.signals[exit.signal] } : {}),
        reason,
        ...(message ? { message } : {}),
        startedAt,
        finishedAt: rfc3339(new Date()),
        containerID: `cairn-local://${proc.pid}`,
      };
      onExit();
      this.hooks.changed();
    });
    this.hooks.event('Normal', 'Started', `Started container ${this.spec.name}`);
    this.startProber();
    this.hooks.changed();
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the exit is recorded. */
  async stop(graceMs: number): Promise<void> {
    this.stopProber();
    if (this.proc && this.running) {
      await this.proc.stop(graceMs);
      await this.exitRecorded;
    }
  }

  /** The kubelet's termination message: the file, else (FallbackToLogsOnError and a failure) the log's tail. */
  private async terminationMessage(files: { stdout: string; stderr: string; termination: string }, exitCode: number): Promise<string> {
    const fromFile = await readFile(files.termination)
      .then((buffer) => buffer.subarray(0, MESSAGE_MAX_BYTES).toString('utf8'))
      .catch(() => '');
    if (fromFile !== '' || exitCode === 0 || this.spec.terminationMessagePolicy !== 'FallbackToLogsOnError') return fromFile;
    const log = (await tailFile(files.stderr, LOG_FALLBACK_LINES)) || (await tailFile(files.stdout, LOG_FALLBACK_LINES));
    const bytes = Buffer.from(log, 'utf8');
    return bytes.subarray(Math.max(0, bytes.length - LOG_FALLBACK_MAX_BYTES)).toString('utf8');
  }

  /**
   * Probes of main containers and sidecars (regular init containers have none): started and ready follow
   * them; a failed startup or liveness probe kills the process (the pod's restart policy decides what next).
   */
  private startProber(): void {
    if (this.init && !this.sidecar) {
      this.startupDone = true;
      return;
    }
    const name = this.spec.name;
    const prober = new ContainerProber(this.spec, {
      run: (probe) => runProbe(probe, this.spec, this.hooks.podIP(), this.env, (command) => (this.namespaced && this.pid ? inNamespaceOf(this.pid, command) : command)),
      started: () => {
        this.startupDone = true;
        this.everStarted = true;
        this.hooks.changed();
      },
      readiness: (ready) => {
        if (ready === this.ready) return;
        this.ready = ready;
        this.hooks.changed();
      },
      unhealthy: (kind, output) => this.hooks.event('Warning', 'Unhealthy', `${kind} probe failed: ${output}`),
      kill: (kind, probe) => {
        if (this.prober !== prober || !this.running) return;
        this.hooks.event('Normal', 'Killing', `Container ${name} failed ${kind} probe, will be restarted`);
        void this.stop(this.hooks.probeKillGraceMs(probe));
      },
    });
    this.prober = prober;
    prober.start();
  }

  private stopProber(): void {
    this.prober?.stop();
    this.prober = undefined;
  }

  /** The containerStatus entry. */
  status(): ContainerStatus {
    const state: ContainerState = this.running
      ? { running: { startedAt: this.running.startedAt } }
      : this.waiting
        ? { waiting: { ...this.waiting } }
        : this.terminated
          ? { terminated: this.terminated }
          : { waiting: { reason: 'ContainerCreating' } };
    // A regular init container that completed is reported ready, as the kubelet does.
    const ready = this.init && !this.sidecar ? this.terminated?.exitCode === 0 && !this.running : this.ready && this.running !== undefined;
    return {
      name: this.spec.name,
      image: this.spec.image ?? '',
      imageID: '',
      ...(this.proc && this.proc.pid > 0 ? { containerID: `cairn-local://${this.proc.pid}` } : {}),
      ready,
      started: this.running !== undefined && this.startupDone,
      restartCount: this.restartCount,
      state,
      lastState: this.lastTerminated ? { terminated: this.lastTerminated } : {},
    };
  }
}

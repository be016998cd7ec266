import type { V1Container } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { ManagedProcess, SpawnOptions } from '../testenv/index.js';
import { tailFile } from '../testenv/index.js';
import { rfc3339 } from './node.js';
import { runProbe } from './probe.js';
import type { ContainerState, ContainerStatus, TerminatedState } from './wire.js';

/** The kubelet's limits on a termination message: 4 KiB from the file, 2 KiB / 80 lines from the log. */
const MESSAGE_MAX_BYTES = 4096;
const LOG_FALLBACK_MAX_BYTES = 2048;
const LOG_FALLBACK_LINES = 80;

/** Where one container's files live in its Pod's directory. */
export function containerFiles(podDir: string, name: string): { stdout: string; stderr: string; termination: string } {
  return { stdout: join(podDir, `${name}.stdout.log`), stderr: join(podDir, `${name}.stderr.log`), termination: join(podDir, `${name}.termination-log`) };
}

/**
 * One container of a Pod, run as a local process group. Tracks the state the kubelet reports (waiting,
 * running, terminated, last state, restart count, readiness) and runs the readiness probe. `onChange` is
 * called whenever the reported status may have changed.
 */
export class ContainerRuntime {
  waiting: { reason: string; message?: string } | undefined = { reason: 'ContainerCreating' };
  running: { startedAt: string } | undefined;
  terminated: TerminatedState | undefined;
  lastTerminated: TerminatedState | undefined;
  restartCount = 0;
  ready = false;
  /** Settles when the current process's exit has been recorded. */
  exitRecorded: Promise<void> = Promise.resolve();
  private proc: ManagedProcess | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private probeFailures = 0;
  private env: Record<string, string> = {};

  constructor(
    readonly spec: V1Container,
    readonly init: boolean,
    private readonly podDir: string,
    private readonly podIP: () => string,
    private readonly onChange: () => void,
  ) {}

  get started(): boolean {
    return this.running !== undefined || this.terminated !== undefined || this.lastTerminated !== undefined;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  /** Records why the container is not running; notifies only on a change (a retry must not loop the queue). */
  setWaiting(reason: string, message?: string): void {
    if (this.waiting?.reason === reason && this.waiting.message === message) return;
    this.waiting = { reason, message };
    this.onChange();
  }

  /** Starts the process; `onExit` runs after its exit has been recorded in `terminated`. */
  start(argv: string[], env: Record<string, string>, cwd: string, spawn: (options: SpawnOptions) => ManagedProcess, podName: string, onExit: () => void): void {
    const files = containerFiles(this.podDir, this.spec.name);
    if (this.terminated) this.lastTerminated = this.terminated;
    this.terminated = undefined;
    this.waiting = undefined;
    this.env = env;
    const [command, ...args] = argv as [string, ...string[]];
    const startedAt = rfc3339(new Date());
    const proc = spawn({ name: `${podName}/${this.spec.name}`, command, args, env, cwd, stdoutFile: files.stdout, stderrFile: files.stderr });
    this.proc = proc;
    this.running = { startedAt };
    this.ready = false;
    this.exitRecorded = proc.exited.then(async (exit) => {
      this.stopProbe();
      this.running = undefined;
      this.ready = false;
      const exitCode = exit.code ?? 128 + (exit.signal ? (constants.signals[exit.signal] ?? 0) : 0);
      const reason = proc.pid <= 0 ? 'StartError' : exitCode === 0 ? 'Completed' : 'Error';
      const message = await this.terminationMessage(files, exitCode);
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
      this.onChange();
    });
    this.startProbe();
    this.onChange();
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the exit is recorded. */
  async stop(graceMs: number): Promise<void> {
    this.stopProbe();
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

  /** Readiness as the kubelet derives it: ready once running when there is no probe, else by probe results. */
  private startProbe(): void {
    const probe = this.spec.readinessProbe;
    if (this.init) return;
    if (!probe) {
      this.ready = true;
      return;
    }
    this.probeFailures = 0;
    const tick = async (): Promise<void> => {
      if (!this.running) return;
      let ok: boolean;
      try {
        ok = await runProbe(probe, this.spec, this.podIP(), this.env);
      } catch {
        ok = false;
      }
      if (!this.running) return;
      this.probeFailures = ok ? 0 : this.probeFailures + 1;
      const ready = ok ? true : this.probeFailures >= (probe.failureThreshold ?? 3) ? false : this.ready;
      if (ready !== this.ready) {
        this.ready = ready;
        this.onChange();
      }
      this.probeTimer = setTimeout(() => void tick(), (probe.periodSeconds ?? 10) * 1000);
    };
    this.probeTimer = setTimeout(() => void tick(), (probe.initialDelaySeconds ?? 0) * 1000);
  }

  private stopProbe(): void {
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
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
    return {
      name: this.spec.name,
      image: this.spec.image ?? '',
      imageID: '',
      ...(this.proc && this.proc.pid > 0 ? { containerID: `cairn-local://${this.proc.pid}` } : {}),
      ready: this.ready && this.running !== undefined,
      started: this.running !== undefined,
      restartCount: this.restartCount,
      state,
      lastState: this.lastTerminated ? { terminated: this.lastTerminated } : {},
    };
  }
}

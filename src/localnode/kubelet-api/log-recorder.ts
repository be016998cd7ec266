import { EventEmitter } from 'node:events';
import { statSync, watch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ManagedProcess, SpawnOptions } from '../../testenv/index.js';

/** Checkpoints kept per stream; past this, every other one is dropped (older lines get coarser times). */
const MAX_MARKS = 20_000;
/** A burst of writes to one file is stat'ed once, this long after its first inotify event. */
const OBSERVE_DELAY_MS = 15;

/**
 * One output file of a container (stdout or stderr). The node writes it through a file descriptor the
 * process inherits, so there are no per-line timestamps: the recorder stats the file whenever it changes
 * (inotify) and keeps `(size, time)` marks. A byte's time is the first mark that covers it, i.e. when the node
 * saw it, within milliseconds of the write.
 */
export class StreamLog {
  size = 0;
  private ends: number[] = [];
  private times: number[] = [];

  constructor(
    readonly path: string,
    readonly name: 'stdout' | 'stderr',
  ) {}

  /** Stats the file; records a mark and returns true when it grew. */
  observe(now = Date.now()): boolean {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return false;
    }
    if (size <= this.size) return false;
    this.size = size;
    this.ends.push(size);
    this.times.push(now);
    if (this.ends.length > MAX_MARKS) {
      this.ends = this.ends.filter((_, i, all) => i % 2 === 1 || i === all.length - 1);
      this.times = this.times.filter((_, i, all) => i % 2 === 1 || i === all.length - 1);
    }
    return true;
  }

  /** When the byte at `offset` was first seen (now, if no mark covers it yet). */
  timeOf(offset: number): number {
    let low = 0;
    let high = this.ends.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.ends[mid] ?? 0) > offset) high = mid;
      else low = mid + 1;
    }
    return this.times[low] ?? Date.now();
  }
}

/** One run of a container (one process): where its output starts in each file. */
export interface Instance {
  pid: number;
  startedAt: number;
  start: { stdout: number; stderr: number };
  exited: boolean;
}

/**
 * The output of one container of one Pod across its restarts. The files are appended to by each run in turn,
 * so a run's output is the range from its start offsets to the next run's (or the end of the file). Emits
 * `change` when output was observed or a run exited.
 */
export class ContainerLog extends EventEmitter {
  readonly instances: Instance[] = [];
  readonly stdout: StreamLog;
  readonly stderr: StreamLog;

  constructor(stdoutPath: string, stderrPath: string) {
    super();
    this.setMaxListeners(0);
    this.stdout = new StreamLog(stdoutPath, 'stdout');
    this.stderr = new StreamLog(stderrPath, 'stderr');
  }

  observe(): void {
    const now = Date.now();
    const grew = [this.stdout.observe(now), this.stderr.observe(now)].some(Boolean);
    if (grew) this.emit('change');
  }

  /** The run with this pid (the latest, should a pid repeat). */
  instance(pid: number): Instance | undefined {
    return this.instances.findLast((i) => i.pid === pid);
  }

  /** Where run `instance` ends in each file (undefined: it is the last run, up to the end of the file). */
  endOf(instance: Instance): { stdout: number; stderr: number } | undefined {
    const next = this.instances[this.instances.indexOf(instance) + 1];
    return next?.start;
  }
}

/**
 * Records where each container run's output lies in the files the node writes, and when it was written. The
 * agent routes its spawns through `spawned`, which marks the start offsets before the process exists, so a
 * run's output is exact even across restarts; `forget` drops a Pod's records when the Pod is gone.
 */
export class LogRecorder {
  private readonly logs = new Map<string, ContainerLog>();
  private readonly watchers = new Map<string, { watcher: FSWatcher; running: number }>();
  private readonly pending = new Map<string, NodeJS.Timeout>();

  /** The log of the container writing to `stdoutPath`, if one of its runs was recorded. */
  get(stdoutPath: string): ContainerLog | undefined {
    return this.logs.get(stdoutPath);
  }

  /** Runs `spawn` for `options`, recording the new run of the container whose files these are. */
  spawned(options: SpawnOptions, spawn: () => ManagedProcess): ManagedProcess {
    const stdoutPath = options.stdoutFile ?? options.logFile;
    const stderrPath = options.stderrFile ?? options.logFile;
    if (stdoutPath === undefined || stderrPath === undefined) return spawn();
    let log = this.logs.get(stdoutPath);
    if (log === undefined) {
      log = new ContainerLog(stdoutPath, stderrPath);
      this.logs.set(stdoutPath, log);
    }
    log.observe(); // output of the previous run (and its leftovers) stays with it
    const instance: Instance = { pid: 0, startedAt: Date.now(), start: { stdout: log.stdout.size, stderr: log.stderr.size }, exited: false };
    log.instances.push(instance);
    const dir = dirname(stdoutPath);
    this.watch(dir);
    let proc: ManagedProcess;
    try {
      proc = spawn();
    } catch (error) {
      instance.exited = true;
      this.unwatch(dir);
      throw error;
    }
    instance.pid = proc.pid;
    const ended = log;
    void proc.exited.then(() => {
      ended.observe();
      instance.exited = true;
      this.unwatch(dir);
      ended.emit('change');
    });
    return proc;
  }

  /** Drops the records of the Pod whose directory this is. */
  forget(podDir: string): void {
    for (const [path, log] of this.logs) {
      if (dirname(path) !== podDir) continue;
      log.emit('forget');
      this.logs.delete(path);
    }
    const entry = this.watchers.get(podDir);
    entry?.watcher.close();
    this.watchers.delete(podDir);
  }

  close(): void {
    for (const { watcher } of this.watchers.values()) watcher.close();
    this.watchers.clear();
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  /** Watches a Pod's directory while one of its containers runs (inotify: one watch per running Pod). */
  private watch(dir: string): void {
    const entry = this.watchers.get(dir);
    if (entry) {
      entry.running += 1;
      return;
    }
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: false }, (_event, file) => this.changed(dir, file ?? undefined));
    } catch {
      return; // no inotify: readers still observe the files themselves before each read
    }
    watcher.on('error', () => undefined);
    this.watchers.set(dir, { watcher, running: 1 });
  }

  private unwatch(dir: string): void {
    const entry = this.watchers.get(dir);
    if (!entry) return;
    entry.running -= 1;
    if (entry.running > 0) return;
    entry.watcher.close();
    this.watchers.delete(dir);
  }

  /** A write seen by inotify: the file is stat'ed shortly after, with the time of this first event. */
  private changed(dir: string, file: string | undefined): void {
    const path = file === undefined ? dir : join(dir, file);
    if (this.pending.has(path)) return;
    const seen = Date.now();
    const timer = setTimeout(() => {
      this.pending.delete(path);
      for (const log of this.logs.values()) {
        if (file !== undefined && log.stdout.path !== path && log.stderr.path !== path) continue;
        if (file === undefined && dirname(log.stdout.path) !== dir) continue;
        const grew = [log.stdout, log.stderr].filter((s) => file === undefined || s.path === path).map((s) => s.observe(seen));
        if (grew.some(Boolean)) log.emit('change');
      }
    }, OBSERVE_DELAY_MS);
    timer.unref();
    this.pending.set(path, timer);
  }
}

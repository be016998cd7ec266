import { mkdir, mkdtemp, readFile, readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from './logger.js';
import { ManagedProcess, type SpawnOptions } from './process.js';
import { isRunning, markedProcesses, readStat, RUN_MARKER_ENV, signalAll } from './procfs.js';
import { startWatchdog, type Watchdog } from './watchdog.js';

/** Where runs keep their directories: `$CAIRN_TESTENV_STATE`, else `<tmpdir>/cairn-testenv`. */
function defaultStateRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.CAIRN_TESTENV_STATE ?? join(tmpdir(), 'cairn-testenv');
}

interface Owner {
  pid: number;
  startTime: number;
  watchdogPid: number;
}

const OWNER_FILE = 'owner.json';

/**
 * One run of the test environment: a temporary directory (certificates, data, logs, kubeconfigs) plus every
 * process started for it. Processes carry the run's env marker and are registered with a watchdog, so they
 * end when the owner dies; a run whose owner and watchdog both died is reaped by the next `Run.create`.
 */
export class Run {
  private readonly processes = new Set<ManagedProcess>();
  private closed = false;

  private constructor(
    readonly root: string,
    readonly dir: string,
    private readonly watchdog: Watchdog,
    private readonly logger: Logger,
  ) {}

  static async create(options: { stateRoot?: string; logger: Logger; graceMs?: number }): Promise<Run> {
    const root = options.stateRoot ?? defaultStateRoot();
    await mkdir(root, { recursive: true });
    await reapStaleRuns(root, options.logger);
    const dir = await mkdtemp(join(root, 'run-'));
    const watchdog = startWatchdog(dir, join(root, 'watchdog.log'), options.graceMs ?? 5_000);
    const self = await readStat(process.pid);
    const owner: Owner = { pid: process.pid, startTime: self?.startTime ?? 0, watchdogPid: watchdog.pid };
    await writeFile(join(dir, OWNER_FILE), JSON.stringify(owner) + '\n');
    return new Run(root, dir, watchdog, options.logger);
  }

  /** A path inside the run directory. */
  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  /** Starts a process of this run: its own process group, the run marker in its env, watched by the watchdog. */
  spawn(options: SpawnOptions): ManagedProcess {
    if (this.closed) throw new Error(`cannot start ${options.name}: the test environment run was closed`);
    const proc = new ManagedProcess({ ...options, env: { ...options.env, [RUN_MARKER_ENV]: this.dir } });
    if (proc.pid > 0) this.watchdog.watchGroup(proc.pid);
    this.processes.add(proc);
    void proc.exited.then(() => this.processes.delete(proc));
    return proc;
  }

  /** Ends every process still running (groups first, then anything else carrying the marker), removes the dir. */
  async close(graceMs = 5_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.processes].map((proc) => proc.stop(graceMs)));
    await endMarked(this.dir, graceMs);
    await rm(this.dir, { recursive: true, force: true });
    this.watchdog.release();
    await rmdir(this.root).catch(() => undefined); // only when empty: other runs or the watchdog log keep it
  }
}

/**
 * SIGTERM every process carrying the run marker of `dir`, SIGKILL what is left after `graceMs`, and wait until
 * all are gone. Gone means no /proc entry or a zombie, judged by pid: an exiting process stops showing its
 * environment (the marker) before it has closed its sockets, so a rescan by marker alone returns too early.
 */
async function endMarked(dir: string, graceMs: number): Promise<number> {
  const seen = new Set(await markedProcesses(dir));
  if (seen.size === 0) return 0;
  const alive = async (): Promise<number[]> => {
    for (const pid of await markedProcesses(dir)) seen.add(pid);
    const left: number[] = [];
    for (const pid of seen) if (await isRunning(pid)) left.push(pid);
    return left;
  };
  signalAll(seen, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let left = await alive();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = await alive();
  }
  signalAll(left, 'SIGKILL');
  while ((left = await alive()).length > 0) {
    signalAll(left, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return seen.size;
}

/**
 * Ends the processes and removes the directories of runs whose owner process is gone (an interrupted test run
 * whose watchdog was killed too). Runs of live owners, e.g. a concurrent test run, are left alone.
 */
export async function reapStaleRuns(root: string, logger: Logger): Promise<string[]> {
  const reaped: string[] = [];
  for (const entry of await readdir(root)) {
    if (!entry.startsWith('run-')) continue;
    const dir = join(root, entry);
    let owner: Owner | undefined;
    try {
      owner = JSON.parse(await readFile(join(dir, OWNER_FILE), 'utf8')) as Owner;
    } catch {
      // no owner file: either being created right now or left by a crash in between; judge by age
      const info = await stat(dir).catch(() => undefined);
      if (info === undefined || Date.now() - info.mtimeMs < 60_000) continue;
    }
    if (owner !== undefined && (await isRunning(owner.pid, owner.startTime))) continue;
    const ended = await endMarked(dir, 5_000);
    await rm(dir, { recursive: true, force: true });
    logger.warn({ dir, processes: ended, ownerPid: owner?.pid }, 'Reaped a test environment run left by an interrupted process');
    reaped.push(dir);
  }
  return reaped;
}

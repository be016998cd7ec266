import { readdir, readFile } from 'node:fs/promises';

/**
 * Linux /proc helpers used to find and end the processes of a test environment run. Every process the
 * environment starts carries the env var `CAIRN_TESTENV_RUN=<run dir>`, inherited by its children, so the whole
 * tree can be found again even after the process that started it died.
 */
export const RUN_MARKER_ENV = 'CAIRN_TESTENV_RUN';

export interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
  /** Start time in clock ticks since boot: with the pid, identifies a process across pid reuse. */
  startTime: number;
}

export async function readStat(pid: number): Promise<ProcStat | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
  //  priority nice threads itrealvalue starttime ..."; comm may contain spaces and parentheses.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  // A zombie is gone for our purposes, unless it is the leader of threads still exiting: they share its open
  // files, so its sockets stay open until the last thread is done (Go programs die this way).
  if ((state === 'Z' || state === 'X') && (await readdir(`/proc/${pid}/task`).catch(() => [])).length <= 1) return undefined;
  return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), startTime: Number(fields[19]) };
}

/** True when `pid` runs and (if given) is still the process that started at `startTime`. */
export async function isRunning(pid: number, startTime?: number): Promise<boolean> {
  const stat = await readStat(pid);
  return stat !== undefined && (startTime === undefined || stat.startTime === startTime);
}

/** Pids of the live processes whose environment has `CAIRN_TESTENV_RUN=<runDir>`. */
export async function markedProcesses(runDir: string): Promise<number[]> {
  const needle = Buffer.from(`\0${RUN_MARKER_ENV}=${runDir}\0`);
  const needleAtStart = needle.subarray(1);
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    let environ: Buffer;
    try {
      environ = await readFile(`/proc/${pid}/environ`);
    } catch {
      continue; // exited meanwhile, or not ours to read
    }
    const hit = environ.includes(needle) || environ.subarray(0, needleAtStart.length).equals(needleAtStart);
    if (hit && (await isRunning(pid))) pids.push(pid);
  }
  return pids;
}

/** Sends `signal` to each pid, ignoring those that already exited. */
export function signalAll(pids: Iterable<number>, signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // ESRCH: already gone
    }
  }
}

/**
 * A container process's CPU priority below the control plane's (src/localnode/README.md, "CPU priority").
 *
 * Linux keeps a nice value per thread, but with autogroup scheduling (`/proc/sys/kernel/sched_autogroup_enabled`,
 * on by default on most distributions' kernels) the CPU is first shared between sessions, and a thread's nice value
 * only orders it against the threads of its own session. Every container process is spawned detached (setsid), so
 * it leads a session of its own, and its nice value alone changes nothing against the API server, etcd or the
 * operator, which lead sessions of their own too: six busy loops at nice 19, each in its own session, left a nice-0
 * process a quarter of a core on a 2-core machine. What counts between sessions is the session's own nice value,
 * `/proc/<pid>/autogroup`; it is set too, but only for a process that leads a session other than this one's (never
 * this process's own session).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';

/** `/autogroup-12 nice 0` -> its group; undefined when the text is not that shape. */
export function parseAutogroup(text: string): { group: string; nice: number } | undefined {
  const match = /^(\/autogroup-\d+)\s+nice\s+(-?\d+)\s*$/.exec(text);
  return match ? { group: match[1]!, nice: Number(match[2]) } : undefined;
}

/**
 * The autogroup of a process: '' for the kernel's root autogroup (the file is empty: a process in the session of
 * PID 1 that never called setsid, as a CI runner may be), or undefined where the kernel has none.
 */
function autogroupOf(pid: number | 'self'): string | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/autogroup`, 'utf8');
  } catch {
    return undefined;
  }
  return text.trim() === '' ? '' : parseAutogroup(text)?.group;
}

/** This process's autogroup, read once: it changes only if this process calls setsid, which the node never does. */
let ownAutogroup: string | null | undefined;
function ownGroup(): string | undefined {
  if (ownAutogroup === undefined) ownAutogroup = autogroupOf('self') ?? null;
  return ownAutogroup ?? undefined;
}

/**
 * Whether the session's nice value may be set: the process has an autogroup of its own ('' is the root autogroup,
 * shared with PID 1, whose nice value the kernel does not let anyone set), and it is not this process's.
 */
export function ownsSeparateAutogroup(own: string | undefined, theirs: string | undefined): boolean {
  return theirs !== undefined && theirs !== '' && theirs !== own;
}

export interface PriorityLowered {
  /** Whether the session's nice value was set as well (the process leads an autogroup of its own). */
  autogroup: boolean;
}

/**
 * Sets `nice` on the process (its threads started later and its children inherit it) and on its autogroup when it
 * has one other than this process's. Throws what the kernel refused (the caller logs it; the process runs as it is).
 */
export function lowerCpuPriority(pid: number, nice: number): PriorityLowered {
  setPriority(pid, nice);
  if (!ownsSeparateAutogroup(ownGroup(), autogroupOf(pid))) return { autogroup: false };
  writeFileSync(`/proc/${pid}/autogroup`, String(nice));
  return { autogroup: true };
}

import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { RUN_MARKER_ENV } from './procfs.js';

/**
 * A separate, detached process that ends a run's processes and removes its directory when the process that
 * started the run dies without stopping it (SIGKILL, crash, Ctrl-C of a test runner that skips teardown).
 * It holds the read end of a pipe from its parent: EOF on stdin without a prior `released` line means the
 * parent is gone. Plain JavaScript, so it needs no loader; it finds the run's processes by their env marker.
 */
const SCRIPT = String.raw`
const fs = require('fs');
const [runDir, graceMs, logFile] = [process.argv[1], Number(process.argv[2]), process.argv[4]];
const needle = Buffer.from('\0' + process.argv[3] + '=' + runDir + '\0');
const groups = new Set();
let released = false, buffered = '';
process.on('SIGINT', () => {}); process.on('SIGHUP', () => {});
function marked() {
  const pids = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const env = fs.readFileSync('/proc/' + entry + '/environ');
      if (env.includes(needle) || env.subarray(0, needle.length - 1).equals(needle.subarray(1))) pids.push(Number(entry));
    } catch (e) { /* exited or unreadable */ }
  }
  return pids;
}
function signal(targets, sig) { for (const t of targets) { try { process.kill(t, sig); } catch (e) { /* gone */ } } }
// An exiting process hides its environment before it closes its sockets: judge "gone" by pid (absent, or a
// zombie with no thread left).
const seen = new Set();
function running(pid) {
  try {
    const stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
    // a zombie leader whose other threads are still exiting keeps the process's sockets open
    return (state !== 'Z' && state !== 'X') || fs.readdirSync('/proc/' + pid + '/task').length > 1;
  } catch (e) { return false; }
}
function alive() { for (const pid of marked()) seen.add(pid); return [...seen].filter(running); }
function cleanup() {
  if (released) process.exit(0);
  const negGroups = [...groups].map((g) => -g);
  signal(negGroups, 'SIGTERM'); signal(alive(), 'SIGTERM');
  const deadline = Date.now() + graceMs;
  const tick = () => {
    const left = alive();
    if (left.length > 0 && Date.now() < deadline) return setTimeout(tick, 100);
    signal(negGroups, 'SIGKILL'); signal(left, 'SIGKILL');
    const settle = Date.now() + 5000;
    const finish = () => {
      if (alive().length > 0 && Date.now() < settle) return setTimeout(finish, 100);
      fs.rmSync(runDir, { recursive: true, force: true });
      try { fs.appendFileSync(logFile, new Date().toISOString() + ' watchdog: the owner of ' + runDir + ' died; ended its processes and removed it\n'); } catch (e) { /* best effort */ }
      process.exit(0);
    };
    finish();
  };
  tick();
}
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  let i;
  while ((i = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, i); buffered = buffered.slice(i + 1);
    if (line === 'released') released = true; else if (/^\d+$/.test(line)) groups.add(Number(line));
  }
});
process.stdin.on('end', cleanup);
process.stdin.on('error', cleanup);
`;

export interface Watchdog {
  readonly pid: number;
  /** Tells the watchdog about a process group to end if the parent dies. */
  watchGroup(pgid: number): void;
  /** The parent cleaned up itself: the watchdog exits without doing anything. */
  release(): void;
}

/**
 * Starts the watchdog of `runDir`. It writes only when it cleans up, one line appended to `logFile` (outside the
 * run dir, which it deletes), so a run stopped normally leaves nothing behind.
 */
export function startWatchdog(runDir: string, logFile: string, graceMs: number): Watchdog {
  const env = { ...process.env };
  delete env[RUN_MARKER_ENV];
  const child = spawn(process.execPath, ['-e', SCRIPT, runDir, String(graceMs), RUN_MARKER_ENV, logFile], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
    env,
  });
  if (child.pid === undefined) throw new Error('could not start the test environment watchdog');
  const stdin = child.stdin as Writable & { unref?: () => void };
  // Neither the child nor the pipe may keep the parent's event loop alive.
  child.unref();
  stdin.unref?.();
  stdin.on('error', () => undefined);
  return {
    pid: child.pid,
    watchGroup: (pgid) => void stdin.write(`${pgid}\n`),
    release: () => {
      stdin.end('released\n');
    },
  };
}

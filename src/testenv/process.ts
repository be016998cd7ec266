import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** Display name, used in errors and logs. */
  name: string;
  command: string;
  args: string[];
  /** The full environment of the process (nothing is inherited implicitly). */
  env: Record<string, string>;
  cwd?: string;
  /** stdout and stderr both go here, or `stdout`/`stderr` separately. */
  logFile?: string;
  stdoutFile?: string;
  stderrFile?: string;
}

/** A process started in its own process group, with its output in files. */
export class ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Settles when the process has exited. */
  readonly exited: Promise<ExitInfo>;
  private exit: ExitInfo | undefined;

  constructor(options: SpawnOptions) {
    this.name = options.name;
    const outPath = options.stdoutFile ?? options.logFile;
    const errPath = options.stderrFile ?? options.logFile;
    if (outPath === undefined || errPath === undefined) throw new Error(`${options.name}: no log file given`);
    this.logFile = errPath;
    const out = openSync(outPath, 'a');
    const err = errPath === outPath ? out : openSync(errPath, 'a');
    try {
      const child = spawn(options.command, options.args, {
        cwd: options.cwd,
        env: options.env,
        detached: true, // own process group: stop() signals the whole tree
        stdio: ['ignore', out, err],
      });
      this.exited = new Promise<ExitInfo>((resolve) => {
        child.once('error', (error) => {
          // spawn itself failed (ENOENT, EACCES): leave the reason where tail() looks
          appendFileSync(errPath, `cannot start ${options.command}: ${error.message}\n`);
          this.exit = { code: 127, signal: null };
          resolve(this.exit);
        });
        child.once('exit', (code, signal) => {
          this.exit = { code, signal };
          resolve(this.exit);
        });
      });
      this.pid = child.pid ?? -1;
      child.unref();
    } finally {
      closeSync(out);
      if (err !== out) closeSync(err);
    }
  }

  /** The exit status if the process already exited. */
  exitInfo(): ExitInfo | undefined {
    return this.exit;
  }

  /** Signals the whole process group (no-op when it is gone). */
  signal(signal: NodeJS.Signals): void {
    if (this.pid <= 0) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // ESRCH: the group is empty
    }
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once the leader has exited. */
  async stop(graceMs: number): Promise<ExitInfo> {
    if (this.exit === undefined) {
      this.signal('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.signal('SIGKILL');
          resolve();
        }, graceMs);
      });
      await Promise.race([this.exited, killed]);
      clearTimeout(timer);
    }
    const info = await this.exited;
    this.signal('SIGKILL'); // leftovers of the group whose leader exited
    return info;
  }

  /** The last `lines` lines of the process's log (stderr file when split). */
  tail(lines = 30): Promise<string> {
    return tailFile(this.logFile, lines);
  }
}

/** The last `lines` lines of a file (reads at most the last 64 KiB); '' when missing. */
export async function tailFile(path: string, lines: number): Promise<string> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8').split('\n').filter((line, i, all) => line !== '' || i < all.length - 1).slice(-lines).join('\n');
  } finally {
    await handle.close();
  }
}

export function describeExit(info: ExitInfo): string {
  return info.signal ? `killed by ${info.signal}` : `exited with code ${info.code}`;
}

/** What several benchmarks do with the processes they measure: start `cairn serve`, read a process's CPU time. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** CPU seconds (user + system, all threads) a process has used so far, from /proc/<pid>/stat (clock ticks of 10 ms). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Peak (VmHWM) and current (VmRSS) resident memory of a process, in MiB, from /proc/<pid>/status. */
export function memory(pid: number): { peakMiB: number; rssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { peakMiB: kib('VmHWM') / 1024, rssMiB: kib('VmRSS') / 1024 };
}

export interface ServeProcess {
  port: number;
  child: ChildProcess;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/**
 * `cairn serve` of tests/models/<model>.onnx on a free loopback port, with `args` after the defaults; resolves once
 * its log on stdout says "Model is ready" (the port comes from the same log), rejects if it exits first.
 */
export async function spawnServe(options: { model: string; name: string; args?: string[]; env?: NodeJS.ProcessEnv }): Promise<ServeProcess> {
  const file = `${root}tests/models/${options.model}.onnx`;
  const sha256 = createHash('sha256').update(readFileSync(file)).digest('hex');
  const args = [`${root}bin/cairn.js`, 'serve', '--model-uri', file, '--sha256', sha256, '--name', options.name, '--host', '127.0.0.1', '--port', '0', ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { ...(options.env ? { env: options.env } : {}), stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let port = 0;
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const entry = JSON.parse(buffered.slice(0, newline)) as { msg?: string; port?: number };
        buffered = buffered.slice(newline + 1);
        if (entry.port !== undefined) port = entry.port;
        if (entry.msg === 'Model is ready') resolve();
      }
    });
    void exited.then((code) => reject(new Error(`cairn serve exited with ${code} before it was ready`)));
  });
  return { port, child, exited };
}

/**
 * Pins every thread of process `pid` (and the threads it starts later) to the CPUs `cpus` ("0", "1", "0-1"), with
 * util-linux's taskset. Measuring 1-row round trips at concurrency 1, where the scheduler puts a server decides its
 * CPU per request more than its code does: on a 2-vCPU VM the same naive server cost 56-60 µs per request on the
 * client's CPU and 125-142 µs on the other one (waking an idle vCPU, and running on cold caches).
 */
export function pinCpus(pid: number, cpus: string): void {
  execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', cpus, String(pid)], { stdio: 'ignore' });
}

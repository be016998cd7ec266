/**
 * Container logs from the files the local node writes, with real processes: runs kept apart across restarts,
 * stdout and stderr merged in the order they were written, tail/since/timestamps/limitBytes, and follow until
 * the run exits.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTimestamp, writeContainerLog } from '../../../../src/localnode/kubelet-api/log-reader.js';
import { LogRecorder, type ContainerLog, type Instance } from '../../../../src/localnode/kubelet-api/log-recorder.js';
import type { LogQuery } from '../../../../src/localnode/kubelet-api/query.js';
import { ManagedProcess } from '../../../../src/testenv/index.js';

const query: LogQuery = { namespace: 'ml', pod: 'p', container: 'c', follow: false, previous: false, timestamps: false, stream: 'All' };

let dir = '';
const recorder = new LogRecorder();
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-logs-'));
});
afterAll(async () => {
  recorder.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs `script` with node as a container run of `name`, through the recorder; resolves when it exited. */
async function run(name: string, script: string): Promise<{ log: ContainerLog; instance: Instance; proc: ManagedProcess }> {
  const files = { stdoutFile: join(dir, `${name}.stdout.log`), stderrFile: join(dir, `${name}.stderr.log`) };
  const proc = recorder.spawned({ name, command: process.execPath, args: ['-e', script], env: {}, ...files }, () => new ManagedProcess({ name, command: process.execPath, args: ['-e', script], env: {}, cwd: dir, ...files }));
  const log = recorder.get(files.stdoutFile)!;
  return { log, instance: log.instance(proc.pid)!, proc };
}

/** Polls `check` every 10 ms until it holds (the test's timeout bounds the wait). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function read(log: ContainerLog, instance: Instance, options: Partial<LogQuery> = {}, signal = new AbortController().signal): Promise<string> {
  const chunks: Buffer[] = [];
  await writeContainerLog(log, instance, { ...query, ...options }, async (bytes) => (chunks.push(Buffer.from(bytes)), true), signal);
  return Buffer.concat(chunks).toString();
}

/** Writes lines to stdout (`o:`) and stderr (`e:`) 100 ms apart, so their order is observable (the node sees writes, not lines: within one observation the order between the two files is lost). */
const interleaved = `
const lines = ['o:one', 'e:two', 'o:three', 'e:four', 'o:five'];
let i = 0;
const next = () => { const l = lines[i++]; if (!l) return; (l[0] === 'o' ? process.stdout : process.stderr).write(l.slice(2) + '\\n'); setTimeout(next, 100); };
next();`;

describe('container logs', () => {
  it('merges stdout and stderr in write order, and keeps each run of a container apart', async () => {
    const first = await run('app', interleaved);
    await first.proc.exited;
    const second = await run('app', `console.log('second run'); process.stdout.write('no newline')`);
    await second.proc.exited;
    expect(second.log).toBe(first.log);
    expect(await read(first.log, first.instance)).toBe('one\ntwo\nthree\nfour\nfive\n');
    expect(await read(second.log, second.instance)).toBe('second run\nno newline');
    expect(await read(first.log, first.instance, { stream: 'Stderr' })).toBe('two\nfour\n');
  });

  it('tailLines of the merged stream, then since, then limitBytes; timestamps when the node saw each line', async () => {
    const started = Date.now();
    const { log, instance, proc } = await run('tail', interleaved);
    await proc.exited;
    expect(await read(log, instance, { tailLines: 2 })).toBe('four\nfive\n');
    expect(await read(log, instance, { tailLines: 0 })).toBe('');
    expect(await read(log, instance, { tailLines: 99 })).toBe('one\ntwo\nthree\nfour\nfive\n');
    expect(await read(log, instance, { limitBytes: 6 })).toBe('one\ntw');
    expect(await read(log, instance, { since: Date.now() + 60_000 })).toBe('');
    const stamped = (await read(log, instance, { timestamps: true })).trimEnd().split('\n');
    expect(stamped).toHaveLength(5);
    const times = stamped.map((line) => {
      const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z) (\w+)$/.exec(line);
      if (!match) throw new Error(`not a timestamped line: ${line}`);
      return Date.parse(match[1]!);
    });
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual(started - 1000);
    const third = stamped[2]!.split(' ')[0]!;
    expect(await read(log, instance, { since: Date.parse(third) })).toBe('three\nfour\nfive\n');
  });

  it('follow writes new lines as they come and ends when the run exits', async () => {
    const trigger = join(dir, 'go');
    const { log, instance } = await run('follow', `
console.log('ready');
const fs = require('fs');
setInterval(() => undefined, 1000);
const wait = setInterval(() => { if (fs.existsSync(${JSON.stringify(trigger)})) { clearInterval(wait); console.error('went'); process.stdout.write('partial'); setTimeout(() => console.log(' line'), 50); } }, 20);`);
    let text = '';
    let ended = false;
    const following = writeContainerLog(log, instance, { ...query, follow: true }, async (bytes) => ((text += bytes.toString()), true), new AbortController().signal).then(() => (ended = true));
    await until(() => text === 'ready\n');
    await writeFile(trigger, '');
    await until(() => text === 'ready\nwent\npartial line\n');
    expect(ended).toBe(false); // the process still runs
    process.kill(-instance.pid, 'SIGTERM');
    await following;
    expect(text).toBe('ready\nwent\npartial line\n');
  });

  it('follow stops when the client goes away', async () => {
    const { log, instance, proc } = await run('abort', `console.log('x'); setInterval(() => undefined, 1000)`);
    const abort = new AbortController();
    let text = '';
    const following = writeContainerLog(log, instance, { ...query, follow: true }, async (bytes) => ((text += bytes.toString()), true), abort.signal);
    await until(() => text === 'x\n');
    abort.abort();
    await following;
    expect(text).toBe('x\n');
    await proc.stop(1000);
  });

  it('formats times as the kubelet does (RFC 3339, nine fractional digits)', () => {
    expect(formatTimestamp(Date.parse('2026-11-29T12:00:01.250Z'))).toBe('2026-11-29T12:00:01.250000000Z');
  });
});

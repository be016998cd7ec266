import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { lowerCpuPriority, parseAutogroup } from '../../../src/localnode/cpu-priority.js';

describe('parseAutogroup', () => {
  test.each([
    ['/autogroup-28485 nice 0\n', { group: '/autogroup-28485', nice: 0 }],
    ['/autogroup-7 nice 10', { group: '/autogroup-7', nice: 10 }],
    ['/autogroup-7 nice -5\n', { group: '/autogroup-7', nice: -5 }],
    ['', undefined],
    ['autogroup-7 nice 0', undefined],
    ['/autogroup-7 nice', undefined],
  ])('%j', (text, expected) => {
    expect(parseAutogroup(text)).toEqual(expected);
  });
});

describe('lowerCpuPriority on this kernel', () => {
  // The machine the project runs on has autogroup scheduling; a kernel without it cannot run this tier: say so.
  beforeAll(() => {
    expect(existsSync('/proc/self/autogroup'), 'this kernel has no /proc/self/autogroup (autogroup scheduling off): lowerCpuPriority cannot be tested here').toBe(true);
  });
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });
  const sleeper = (detached: boolean) => {
    const child = spawn('sleep', ['30'], { detached, stdio: 'ignore' });
    children.push(child);
    return child.pid!;
  };
  const autogroup = (pid: number | 'self') => parseAutogroup(readFileSync(`/proc/${pid}/autogroup`, 'utf8'))!;

  test('a process leading a session of its own gets the nice value on its autogroup too', () => {
    const own = autogroup('self').nice;
    const pid = sleeper(true);
    expect(autogroup(pid).group).not.toBe(autogroup('self').group);
    expect(lowerCpuPriority(pid, 10)).toEqual({ autogroup: true });
    expect(autogroup(pid).nice).toBe(10);
    expect(autogroup('self').nice).toBe(own);
  });

  test("a process in this process's session keeps the session's nice value (it would lower this process too)", () => {
    const before = autogroup('self').nice;
    const pid = sleeper(false);
    expect(lowerCpuPriority(pid, 10)).toEqual({ autogroup: false });
    expect(autogroup('self').nice).toBe(before);
  });
});

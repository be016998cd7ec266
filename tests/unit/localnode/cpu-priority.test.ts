import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { lowerCpuPriority, ownsSeparateAutogroup, parseAutogroup } from '../../../src/localnode/cpu-priority.js';

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

describe('ownsSeparateAutogroup', () => {
  test.each([
    ['another session', '/autogroup-4', '/autogroup-9', true],
    ["this process's session", '/autogroup-4', '/autogroup-4', false],
    ['this process in the root autogroup (a CI runner in PID 1\'s session), the child in its own', '', '/autogroup-9', true],
    ['the child in the root autogroup (its nice value cannot be set)', '/autogroup-4', '', false],
    ['both in the root autogroup', '', '', false],
    ['no autogroup on this kernel', undefined, undefined, false],
  ] as const)('%s', (_name, own, theirs, expected) => {
    expect(ownsSeparateAutogroup(own, theirs)).toBe(expected);
  });
});

describe('lowerCpuPriority on this kernel', () => {
  // The machine the project runs on has autogroup scheduling; a kernel without it cannot run this tier: say so.
  // This process may itself sit in the root autogroup (an empty file: CI runs in PID 1's session); that is tested.
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
  const rawAutogroup = (pid: number | 'self') => readFileSync(`/proc/${pid}/autogroup`, 'utf8');

  test('a process leading a session of its own gets the nice value on its autogroup too', () => {
    const own = rawAutogroup('self');
    const pid = sleeper(true);
    const theirs = parseAutogroup(rawAutogroup(pid));
    expect(theirs, 'a new session gets an autogroup of its own').toBeDefined();
    expect(own).not.toContain(`${theirs!.group} `);
    expect(lowerCpuPriority(pid, 10)).toEqual({ autogroup: true });
    expect(parseAutogroup(rawAutogroup(pid))).toEqual({ group: theirs!.group, nice: 10 });
    expect(rawAutogroup('self')).toBe(own);
  });

  test("a process in this process's session keeps the session's nice value (it would lower this process too)", () => {
    const before = rawAutogroup('self');
    const pid = sleeper(false);
    expect(rawAutogroup(pid)).toBe(before);
    expect(lowerCpuPriority(pid, 10)).toEqual({ autogroup: false });
    expect(rawAutogroup('self')).toBe(before);
  });
});

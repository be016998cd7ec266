/**
 * No process, port or directory outlives the test environment: after stop(), after the owner is killed (the
 * watchdog cleans up), and after owner and watchdog are both killed (the next start reaps the run).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { canBind, consoleLogger, isPortClosed, markedProcesses, reapStaleRuns, startControlPlane } from '../../src/testenv/index.js';
import { eventually, testenv } from '../harness/kube.js';
import { processAlive } from '../harness/workloads.js';

interface Started {
  dir: string;
  ports: Record<string, number>;
  pid: number;
  pids: Record<string, number>;
}

/** Starts scripts/testenv/start.ts in a child process and resolves with the JSON line it prints when ready. */
function startChild(stateRoot: string): Promise<{ info: Started; child: ReturnType<typeof spawn> }> {
  const env = testenv();
  const child = spawn(process.execPath, ['--import', 'tsx', join(env.root, 'scripts', 'testenv', 'start.ts')], {
    cwd: env.root,
    env: { ...process.env, CAIRN_TESTENV_STATE: stateRoot },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve({ info: JSON.parse(line) as Started, child }));
    child.once('exit', (code) => reject(new Error(`start.ts exited ${code} before it was ready:\n${stderr}`)));
  });
}

async function allPortsClosed(ports: Record<string, number>): Promise<boolean> {
  for (const port of Object.values(ports)) if (!(await isPortClosed(port))) return false;
  return true;
}

describe('teardown', () => {
  let stateRoot = '';
  beforeAll(async () => {
    stateRoot = await mkdtemp(join(tmpdir(), 'cairn-teardown-'));
  });
  afterAll(async () => {
    if (stateRoot) await rm(stateRoot, { recursive: true, force: true });
  });

  test('stop() ends every component, frees every port and removes the run directory', async () => {
    const plane = await startControlPlane({ binDir: testenv().binDir, logger: consoleLogger('teardown-test'), stateRoot });
    const pids = [...plane.components.values()].map((p) => p.pid);
    expect(pids).toHaveLength(5);
    for (const pid of pids) expect(await processAlive(pid)).toBe(true);
    for (const port of Object.values(plane.ports)) expect(await isPortClosed(port)).toBe(false);
    await plane.stop();
    for (const pid of pids) expect(await processAlive(pid)).toBe(false);
    for (const port of Object.values(plane.ports)) {
      expect(await isPortClosed(port)).toBe(true);
      expect(await canBind(port)).toBe(true);
    }
    expect(existsSync(plane.dir)).toBe(false);
    expect(await markedProcesses(plane.dir)).toEqual([]);
  });

  test('when the owner is killed, its watchdog ends the components and removes the run directory', async () => {
    const { info, child } = await startChild(stateRoot);
    expect(await allPortsClosed(info.ports)).toBe(false);
    child.kill('SIGKILL');
    await eventually('the watchdog closed the ports and removed the run directory of the SIGKILLed owner', async () => ((await allPortsClosed(info.ports)) && !existsSync(info.dir) ? true : undefined));
    for (const pid of Object.values(info.pids)) expect(await processAlive(pid)).toBe(false);
    expect(await markedProcesses(info.dir)).toEqual([]);
    expect(readFileSync(join(stateRoot, 'watchdog.log'), 'utf8')).toContain(`the owner of ${info.dir} died`);
  });

  test('when owner and watchdog are both killed, the next start reaps the run', async () => {
    const { info, child } = await startChild(stateRoot);
    const owner = JSON.parse(readFileSync(join(info.dir, 'owner.json'), 'utf8')) as { watchdogPid: number };
    process.kill(owner.watchdogPid, 'SIGKILL');
    child.kill('SIGKILL');
    await eventually('the owner and its watchdog both dead after SIGKILL', async () => (!(await processAlive(info.pid)) && !(await processAlive(owner.watchdogPid)) ? true : undefined));
    // Orphaned but alive: nothing cleaned up yet.
    expect((await markedProcesses(info.dir)).length).toBeGreaterThanOrEqual(5);
    expect(existsSync(info.dir)).toBe(true);
    const reaped = await reapStaleRuns(stateRoot, consoleLogger('teardown-test'));
    expect(reaped).toEqual([info.dir]);
    expect(await allPortsClosed(info.ports)).toBe(true);
    for (const pid of Object.values(info.pids)) expect(await processAlive(pid)).toBe(false);
    expect(existsSync(info.dir)).toBe(false);
  });
});

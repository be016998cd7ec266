/**
 * Liveness and startup probes on the local node: a failing liveness probe restarts the container (restartCount,
 * `Unhealthy` and `Killing` Events); a startup probe holds liveness and readiness until it passes, and one that
 * keeps failing restarts the container.
 */
import type { CoreV1Event } from '@kubernetes/client-node';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { onLocalNode } from '../../../src/localnode/index.js';
import { createNamespace, deleteNamespace, eventually, testenv } from '../../harness/kube.js';
import { clients, isReady, localPid, podWhere } from '../../harness/workloads.js';

const PYTHON = 'python:3.12';

async function eventsOf(namespace: string, pod: string): Promise<CoreV1Event[]> {
  return (await clients().core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${pod}` })).items;
}

describe('liveness and startup probes on the local node', () => {
  let namespace = '';
  let out = '';
  beforeAll(async () => {
    namespace = await createNamespace('local-probes');
    out = join(testenv().dir, `probes-${namespace}`);
    mkdirSync(out, { recursive: true });
  });
  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  test('a failing liveness probe restarts the container, with Unhealthy and Killing Events', async () => {
    const healthy = `${out}/healthy`;
    // Each run records its process id: the restarted process is known by its containerID's.
    const script = ['import os, time', `open("${out}/live-runs", "a").write(f"{os.getpid()}\\n")`, 'while True: time.sleep(0.1)'].join('\n');
    await clients().core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'liveness' },
        spec: onLocalNode({
          terminationGracePeriodSeconds: 2,
          containers: [{ name: 'main', image: PYTHON, command: ['python3', '-c', script], livenessProbe: { exec: { command: ['test', '-f', healthy] }, periodSeconds: 1, failureThreshold: 2 } }],
        }),
      },
    });
    const pod = await podWhere(namespace, 'liveness', 'restarted and running again', (p) => {
      const s = p.status?.containerStatuses?.[0];
      return (s?.restartCount ?? 0) >= 1 && s?.state?.running !== undefined;
    });
    writeFileSync(healthy, ''); // from now on the probe passes
    expect(pod.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode).toBe(143); // SIGTERM
    const events = await eventually('Unhealthy and Killing Events of pod liveness', async () => {
      const all = await eventsOf(namespace, 'liveness');
      const unhealthy = all.find((e) => e.reason === 'Unhealthy');
      const killing = all.find((e) => e.reason === 'Killing');
      if (!unhealthy || !killing) throw new Error(`events: ${all.map((e) => e.reason).join(', ')}`);
      return { unhealthy, killing };
    });
    expect(events.unhealthy.type).toBe('Warning');
    expect(events.unhealthy.message).toMatch(/^Liveness probe failed/);
    expect(events.unhealthy.involvedObject.fieldPath).toBe('spec.containers{main}');
    expect(events.killing.message).toBe('Container main failed liveness probe, will be restarted');
    // A restart is a new process of the same container: the one running now (containerID) ran the script. Read
    // again at every check: "Running" is reported once the process is spawned, before python has run its first
    // line, so under load a run can be killed before it writes one (and a run before `healthy` existed may be
    // replaced again); the one started after `healthy` exists lives, and writes its line.
    const restarted = await eventually('the running process of container main, restarted, recorded in live-runs', async () => {
      const now = await clients().core.readNamespacedPod({ name: 'liveness', namespace });
      const status = now.status?.containerStatuses?.[0];
      if ((status?.restartCount ?? 0) < 1 || status?.state?.running === undefined) return undefined;
      const pid = localPid(now);
      const pids = readFileSync(`${out}/live-runs`, 'utf8').split('\n').filter(Boolean).map(Number);
      return pids.includes(pid) ? { pid, pids } : undefined;
    });
    expect(restarted.pids.at(-1)).toBe(restarted.pid);
  });

  test('a startup probe holds readiness and liveness until it passes', async () => {
    const started = `${out}/startup-done`;
    const attempts = `${out}/startup-attempts`;
    await clients().core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'startup' },
        spec: onLocalNode({
          containers: [
            {
              name: 'main',
              image: PYTHON,
              command: ['python3', '-c', 'import time\nwhile True: time.sleep(0.1)'],
              startupProbe: { exec: { command: ['sh', '-c', `echo >> ${attempts}; test -f ${started}`] }, periodSeconds: 1, failureThreshold: 120 },
              // Would kill the container at its first run: it must wait for the startup probe.
              livenessProbe: { exec: { command: ['test', '-f', started] }, periodSeconds: 1, failureThreshold: 1 },
            },
          ],
        }),
      },
    });
    await eventually('three failed startup probe attempts', () => {
      const lines = readFileSync(attempts, 'utf8').split('\n').length - 1;
      if (lines < 3) throw new Error(`${lines} attempts`);
      return true;
    });
    const waiting = await clients().core.readNamespacedPod({ name: 'startup', namespace });
    const status = waiting.status?.containerStatuses?.[0];
    expect(status?.state?.running).toBeDefined();
    expect(status?.started).toBe(false);
    expect(status?.ready).toBe(false);
    expect(status?.restartCount).toBe(0);
    expect(isReady(waiting)).toBe(false);

    writeFileSync(started, '');
    const ready = await podWhere(namespace, 'startup', 'Ready once the startup probe passes', isReady);
    expect(ready.status?.containerStatuses?.[0]?.started).toBe(true);
    expect(ready.status?.containerStatuses?.[0]?.restartCount).toBe(0);
  });

  test('a startup probe that keeps failing restarts the container', async () => {
    await clients().core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'never-starts' },
        spec: onLocalNode({
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'main',
              image: PYTHON,
              command: ['python3', '-c', 'import time\nwhile True: time.sleep(0.1)'],
              startupProbe: { exec: { command: ['test', '-f', `${out}/never`] }, periodSeconds: 1, failureThreshold: 2 },
            },
          ],
        }),
      },
    });
    await podWhere(namespace, 'never-starts', 'restarted', (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1);
    const killing = await eventually('Killing Event of pod never-starts', async () => {
      const found = (await eventsOf(namespace, 'never-starts')).find((e) => e.reason === 'Killing');
      if (!found) throw new Error('no Killing Event yet');
      return found;
    });
    expect(killing.message).toBe('Container main failed startup probe, will be restarted');
  });
});

/**
 * The local node agent runs Job pods as processes and reports them as a kubelet does: Running, then Succeeded
 * or Failed with exit code and termination message; kubelet command/args/env semantics; restarts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createNamespace, deleteNamespace, testenv } from '../harness/kube.js';
import { onLocalNode } from '../../src/localnode/index.js';
import { clients, createJob, FIXTURE_TRAINER_IMAGE, fixtureTrainerPath, jobFinished, podsWithLabel, podWhere } from '../harness/workloads.js';

describe('Jobs on the local node', () => {
  const env = testenv();
  let namespace = '';
  beforeAll(async () => {
    namespace = await createNamespace('local-jobs');
  });
  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  /** The JSON line the fixture trainer prints first, from the pod's stdout file. */
  const report = (podName: string, uid: string, container = 'trainer'): Record<string, unknown> =>
    JSON.parse(readFileSync(join(env.podsDir, `${namespace}_${podName}_${uid}`, `${container}.stdout.log`), 'utf8').split('\n')[0] ?? '{}') as Record<string, unknown>;

  test('a Job completes with its termination message; the process got args, env and its own pod IP', async () => {
    const { core } = clients();
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'greeting' }, data: { word: 'hello' } } });
    await createJob(
      namespace,
      'train',
      onLocalNode({
        restartPolicy: 'Never',
        containers: [
          {
            name: 'trainer',
            image: FIXTURE_TRAINER_IMAGE,
            args: ['--message', 'accuracy=0.93', '--stderr', 'trained'],
            env: [
              { name: 'WORD', valueFrom: { configMapKeyRef: { name: 'greeting', key: 'word' } } },
              { name: 'GREETING', value: '$(WORD) from $(POD_IP)' },
              { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            ],
          },
        ],
      }),
    );
    const { outcome } = await jobFinished(namespace, 'train');
    expect(outcome).toBe('Complete');
    const [pod] = await podsWithLabel(namespace, 'job=train');
    expect(pod?.spec?.nodeName).toBe(env.localNode);
    expect(pod?.status?.phase).toBe('Succeeded');
    const podIP = pod?.status?.podIP ?? '';
    expect(podIP).toMatch(/^127\.0\.1\.\d+$/);
    const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated?.exitCode).toBe(0);
    expect(terminated?.reason).toBe('Completed');
    expect(terminated?.message).toBe('accuracy=0.93');
    const printed = report(pod?.metadata?.name ?? '', pod?.metadata?.uid ?? '');
    expect(printed).toMatchObject({
      argv: ['--message', 'accuracy=0.93', '--stderr', 'trained'],
      pod_ip: podIP,
      host: podIP,
      hostname: pod?.metadata?.name,
      greeting: `hello from ${podIP}`,
      namespace,
      kubeconfig: true,
    });
    const stderr = readFileSync(join(env.podsDir, `${namespace}_${pod?.metadata?.name}_${pod?.metadata?.uid}`, 'trainer.stderr.log'), 'utf8');
    expect(stderr).toBe('trained\n');
  });

  test('a failing container reports its exit code and, with FallbackToLogsOnError, its log tail; the Job fails', async () => {
    await createJob(
      namespace,
      'broken',
      onLocalNode({
        restartPolicy: 'Never',
        containers: [{ name: 'trainer', image: FIXTURE_TRAINER_IMAGE, args: ['--exit', '3', '--stderr', 'loss is NaN'], terminationMessagePolicy: 'FallbackToLogsOnError' }],
      }),
    );
    const { outcome } = await jobFinished(namespace, 'broken');
    expect(outcome).toBe('Failed');
    const [pod] = await podsWithLabel(namespace, 'job=broken');
    expect(pod?.status?.phase).toBe('Failed');
    const terminated = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated?.exitCode).toBe(3);
    expect(terminated?.reason).toBe('Error');
    expect(terminated?.message).toBe('loss is NaN');
  });

  test('command replaces the image entrypoint and args follow it, with $(VAR) expanded and $$ escaped', async () => {
    await createJob(
      namespace,
      'command',
      onLocalNode({
        restartPolicy: 'Never',
        containers: [
          {
            name: 'trainer',
            image: 'python:3.11-slim',
            command: ['python3', fixtureTrainerPath()],
            args: ['--message', '$(MODEL) costs $$(MODEL)'],
            env: [{ name: 'MODEL', value: 'fare-v2' }],
          },
        ],
      }),
    );
    expect((await jobFinished(namespace, 'command')).outcome).toBe('Complete');
    const [pod] = await podsWithLabel(namespace, 'job=command');
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated?.message).toBe('fare-v2 costs $(MODEL)');
  });

  test('restartPolicy OnFailure restarts the container in place; the Job then completes', async () => {
    await createJob(
      namespace,
      'retry',
      onLocalNode({ restartPolicy: 'OnFailure', containers: [{ name: 'trainer', image: FIXTURE_TRAINER_IMAGE, args: ['--fail-first', '1', '--message', 'second try'] }] }),
      2,
    );
    expect((await jobFinished(namespace, 'retry')).outcome).toBe('Complete');
    const pods = await podsWithLabel(namespace, 'job=retry');
    expect(pods).toHaveLength(1);
    const status = pods[0]?.status?.containerStatuses?.[0];
    expect(status?.restartCount).toBe(1);
    expect(status?.lastState?.terminated?.exitCode).toBe(1);
    expect(status?.state?.terminated?.exitCode).toBe(0);
    expect(status?.state?.terminated?.message).toBe('second try');
  });

  test('init containers run first, in order; a pod with an image the node cannot run waits in ErrImagePull', async () => {
    await createJob(
      namespace,
      'init',
      onLocalNode({
        restartPolicy: 'Never',
        initContainers: [{ name: 'fetch', image: FIXTURE_TRAINER_IMAGE, args: ['--message', 'fetched'] }],
        containers: [{ name: 'trainer', image: FIXTURE_TRAINER_IMAGE, args: ['--message', 'trained'] }],
      }),
    );
    expect((await jobFinished(namespace, 'init')).outcome).toBe('Complete');
    const [pod] = await podsWithLabel(namespace, 'job=init');
    const init = pod?.status?.initContainerStatuses?.[0]?.state?.terminated;
    const main = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(init?.message).toBe('fetched');
    expect(main?.message).toBe('trained');
    expect(new Date(init?.finishedAt ?? 0).getTime()).toBeLessThanOrEqual(new Date(main?.startedAt ?? 0).getTime());

    const { core } = clients();
    await core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'unknown-image' }, spec: onLocalNode({ containers: [{ name: 'c', image: 'ghcr.io/acme/not-in-the-table:1' }] }) },
    });
    const waiting = await podWhere(namespace, 'unknown-image', 'waiting with ErrImagePull', (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull');
    expect(waiting.status?.phase).toBe('Pending');
    expect(waiting.status?.containerStatuses?.[0]?.state?.waiting?.message).toContain('not-in-the-table');
  });
});

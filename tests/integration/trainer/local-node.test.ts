/**
 * The example trainer as a trial pod runs it, on the local node: `cairn fetch` verifies the data from the real S3
 * server into the pod, then the image `cairn-example-trainer` runs `python3 train.py` (the Experiment's command)
 * in its pinned Python environment with the image's working directory. Its result is read back with observeJob
 * from the pod's termination message, as the Experiment controller reads it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildJob } from '../../../src/render/job.js';
import { observeJob, type JobObservation } from '../../../src/render/observe-job.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { createNamespace, deleteNamespace, eventually, testenv } from '../../harness/kube.js';
import { createStorageSecret, kube, putObject } from '../dataset/support.js';

describe('the example trainer in a trial pod on the local node', () => {
  let namespace = '';
  let owner: KubeObject;
  let data: { uri: string; sha256: string };

  beforeAll(async () => {
    namespace = await createNamespace('trainer');
    await createStorageSecret(namespace);
    data = await putObject(`${namespace}/driver_stats.csv`, readFileSync(join(testenv().root, 'examples', 'data', 'driver_stats.csv')));
    // Any object with a uid can own the Jobs; the Experiment controller is not under test here.
    owner = (await kube.create(builtin.configMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'trials', namespace } } as KubeObject))!;
  }, 180_000);

  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  async function runTrial(name: string, params: string): Promise<JobObservation> {
    const job = buildJob({
      owner: owner as never,
      name,
      component: 'trial',
      activeDeadlineSeconds: 600,
      initContainers: [
        {
          name: 'fetch',
          image: 'cairn',
          args: ['fetch', data.uri, '--sha256', data.sha256, '--to', '/cairn/data', '--name', 'data.csv'],
          envFrom: [{ secretRef: { name: 'cairn-storage', optional: true } }],
          volumeMounts: [{ name: 'data', mountPath: '/cairn/data' }],
        },
      ],
      containers: [
        {
          name: 'trainer',
          image: 'registry.example.com/cairn-example-trainer:0.1.0',
          command: ['python3', 'train.py'],
          env: [
            { name: 'CAIRN_PARAMS', value: params },
            { name: 'CAIRN_DATA_PATH', value: '/cairn/data/data.csv' },
            { name: 'CAIRN_DATA_FORMAT', value: 'csv' },
            { name: 'CAIRN_OUTPUT_DIR', value: '/cairn/output' },
          ],
          volumeMounts: [
            { name: 'data', mountPath: '/cairn/data', readOnly: true },
            { name: 'output', mountPath: '/cairn/output' },
          ],
        },
      ],
      volumes: [
        { name: 'data', emptyDir: {} },
        { name: 'output', emptyDir: {} },
      ],
    });
    await kube.create(builtin.job, job as unknown as KubeObject);
    return eventually(
      `trial Job ${name} finished with the trainer's exit code`,
      async () => {
        const live = await kube.get(builtin.job, name, namespace);
        const { items } = await kube.list(builtin.pod, { namespace });
        const observation = observeJob(live, items, { container: 'trainer' });
        if ((observation.phase !== 'Succeeded' && observation.phase !== 'Failed') || observation.exitCode === undefined) throw new Error(`phase ${observation.phase} ${observation.reason ?? ''} ${observation.message ?? ''}`);
        return observation;
      },
      { timeoutMs: 170_000 },
    );
  }

  test('python3 train.py trains on the fetched data and reports rmse, mae and r2 in its termination message', async () => {
    const observation = await runTrial('trial-good', '{"alpha":0.001,"l1_ratio":0.5}');
    expect(observation.phase, JSON.stringify(observation)).toBe('Succeeded');
    expect(observation.exitCode).toBe(0);
    expect(observation.termination.state).toBe('ok');
    const { metrics } = (observation.termination as { value: { metrics: { rmse: number; mae: number; r2: number } } }).value;
    expect(Object.keys(metrics).sort()).toEqual(['mae', 'r2', 'rmse']);
    expect(metrics.rmse).toBeLessThan(0.5); // the gate of examples/driver-stats/experiment.yaml
    expect(metrics.r2).toBeGreaterThan(0.8);
  });

  test('a bad parameter fails the trial: exit 1, InvalidParameters in the termination message', async () => {
    const observation = await runTrial('trial-bad', '{"alpha":-1}');
    expect(observation.phase).toBe('Failed');
    expect(observation.exitCode).toBe(1);
    expect(observation.termination).toEqual({ state: 'ok', value: { reason: 'InvalidParameters', message: 'alpha must be > 0, not -1.0' } });
  });
});

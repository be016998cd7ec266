/**
 * Concept drift from delayed labels on the real control plane: real `cairn serve` pods of a Deployment (the
 * Deployment controller's, on the local node) answer predictions with ids; labels posted later to their
 * feedback endpoint reach the DriftMonitor's status.performance (live rmse and mae over the window, both
 * replicas together) and, for a canary, the rollout's analysis: labels that disagree with the canary's
 * predictions put live-rmse over the Deployment's max, and the rollout is rolled back with the condition naming
 * live-rmse. Unknown ids are counted, not failures; a body of the wrong shape is a 400 naming the field.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { driftMonitorResource } from '../../../src/controllers/driftmonitor/index.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { createNamespace, deleteNamespace, eventually } from '../../harness/kube.js';
import { ensureModels } from '../../unit/serving/models.js';
import { condition, createDeployment, deploymentWhere, exampleModel, getDeployment, registerModel } from '../deployment/support.js';
import { createStorageSecret } from '../dataset/support.js';
import { installCrds } from '../gitsource/support.js';
import { postFeedback, predictThenLabel, startRolloutOperator, versionPods } from './feedback-support.js';
import { createBaseline, kube, trainingRows, type DriftMonitorObject } from './support.js';

/** A model name no other test serves: a request that reaches another run's pod is a 404, not an answer. */
const MODEL = 'livefeedback';
const ERROR = 10;
const MAX_RMSE = 5;

type Performance = { labelledRows: number; rmse?: number; mae?: number; accuracy?: number };

describe('labels posted to the feedback endpoint', () => {
  let namespace = '';
  let operator: Awaited<ReturnType<typeof startRolloutOperator>> | undefined;

  beforeAll(async () => {
    ensureModels();
    await installCrds();
    namespace = await createNamespace('feedback');
    await createStorageSecret(namespace);
    await createBaseline(namespace, 'driver-stats');
    // The monitor first, so the serving pods start with its profile mounted (no roll of the pods later).
    await kube.create(driftMonitorResource, {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'DriftMonitor',
      metadata: { name: 'live', namespace },
      spec: { deploymentRef: { name: MODEL }, baseline: { datasetRef: { name: 'driver-stats' } }, interval: '2s', window: '30m', minSamples: 100_000 },
    } as KubeObject);
    operator = await startRolloutOperator(namespace);
  }, 600_000);
  afterAll(async () => {
    await operator?.stop();
    if (namespace) await deleteNamespace(namespace);
  });

  test('reach the DriftMonitor as live rmse, and roll back a canary whose predictions they disagree with', async () => {
    await registerModel(namespace, MODEL, 1, exampleModel());
    await createDeployment(namespace, MODEL, {
      model: MODEL,
      version: { policy: 'latestReady' },
      serving: { replicas: 2 },
      strategy: {
        type: 'Canary',
        canary: { steps: [{ setWeight: 50 }, { analysis: {} }, { setWeight: 100 }] },
        analysis: { interval: '3s', metrics: [{ name: 'error-rate', max: 0.5 }, { name: 'live-rmse', max: MAX_RMSE }] },
      },
    });
    await deploymentWhere(namespace, MODEL, 'version 1 stable and available', (d) => d.status?.stable?.version === 1 && condition(d, 'Available')?.status === 'True');
    const stable = await eventually('both pods of version 1 answer', async () => {
      const urls = await versionPods(namespace, MODEL, MODEL, 1);
      if (urls.length < 2) throw new Error(`${urls.length} of 2`);
      return urls;
    }, { timeoutMs: 150_000 });

    // 100 rows labelled on the stable pods, each off by ERROR: the monitor's window holds exactly them.
    const rows = trainingRows(100, 7);
    for (let i = 0; i < 4; i++) {
      const answer = await predictThenLabel(stable[i % 2]!, MODEL, rows.slice(i * 25, (i + 1) * 25), ERROR);
      expect(answer).toEqual({ scored: 1, rows: 25, unknown: 0, expired: 0, duplicate: 0, unmatched: [] });
    }
    // An unknown id is counted, not an error; a wrong shape is a 400 naming the field. Neither adds a labelled row.
    const unknown = await postFeedback(stable[0]!, MODEL, JSON.stringify({ labels: [{ id: 'never-given', label: 1 }] }));
    expect(unknown).toEqual({ status: 200, body: { scored: 0, rows: 0, unknown: 1, expired: 0, duplicate: 0, unmatched: ['never-given'] } });
    const wrong = await postFeedback(stable[0]!, MODEL, JSON.stringify({ labels: [{ id: 'x', label: { value: 1 } }] }));
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toContain('labels[0].label: expected a number, a string or an array of them');

    const monitor = await eventually(
      'DriftMonitor live: status.performance over the 100 labelled rows',
      async () => {
        const m = await kube.get<DriftMonitorObject & { status?: { performance?: Performance } }>(driftMonitorResource, 'live', namespace);
        const performance = m?.status?.performance;
        if (performance?.labelledRows !== 100) throw new Error(`performance ${JSON.stringify(performance)}`);
        return m!;
      },
      { timeoutMs: 120_000 },
    );
    expect(monitor.status!.performance!.rmse).toBeCloseTo(ERROR, 3);
    expect(monitor.status!.performance!.mae).toBeCloseTo(ERROR, 3);
    expect(monitor.status!.performance).not.toHaveProperty('accuracy');

    // A canary whose predictions the labels disagree with: live-rmse over the max rolls it back.
    await registerModel(namespace, MODEL, 2, exampleModel());
    await deploymentWhere(namespace, MODEL, 'version 2 a canary', (d) => d.status?.canary?.version === 2);
    let labelled = 0;
    let done = false;
    const rolledBack = deploymentWhere(namespace, MODEL, 'rolled back', (d) => d.status?.phase === 'RolledBack', 300_000).finally(() => (done = true));
    const traffic = (async () => {
      for (let seed = 100; !done; seed++) {
        try {
          const canary = await versionPods(namespace, MODEL, MODEL, 2);
          for (const base of canary) labelled += (await predictThenLabel(base, MODEL, trainingRows(25, seed), ERROR)).rows;
          if (canary.length === 0) await new Promise((r) => setTimeout(r, 200)); // not Ready yet: look again
        } catch {
          // A canary pod going away mid-request (the rollback): keep going until the status says so.
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    })();
    const d = await rolledBack;
    await traffic;
    expect(labelled).toBeGreaterThanOrEqual(20);
    expect(d.status?.stable).toEqual({ version: 1, weight: 100 });
    expect(d.status?.canary).toBeUndefined();
    expect(condition(d, 'RolledBack')).toMatchObject({ status: 'True', reason: 'RolledBack' });
    expect(condition(d, 'RolledBack')?.message).toMatch(new RegExp(`live-rmse = ${ERROR}(\\.\\d+)?, above the max ${MAX_RMSE}`));
    expect((await getDeployment(namespace, MODEL))?.status?.stable?.version).toBe(1);
  }, 900_000);
});

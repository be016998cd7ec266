/**
 * The DriftMonitor controller on the real control plane: two real `cairn serve` pods of the driver model (the
 * serving renderer's Deployment, the profile mounted from its ConfigMap, the model from the real S3 server) get
 * traffic drawn from the training distribution -> Drifted=False over exactly the rows sent (counter deltas
 * summed over both pods, none counted twice across evaluations); then traffic with conv_rate shifted ->
 * Drifted=True naming conv_rate alone, a Warning Event, the cairn_drift_score gauge, the Experiment's
 * cairn.dev/rerun set once for the episode (not again at later evaluations), RolloutPauseRequested=True; a
 * replica replaced mid-window keeps what it counted and its successor counts from its start. Bad
 * specs: an unknown feature stalls with InvalidSpec, a missing Deployment waits with DeploymentNotFound.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cairnResource } from '../../../src/controllers/resources.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { httpGet } from '../../harness/http.js';
import { createNamespace, deleteNamespace, eventually } from '../../harness/kube.js';
import { ensureModels } from '../../unit/serving/models.js';
import { createStorageSecret } from '../dataset/support.js';
import { installCrds } from '../gitsource/support.js';
import { conditionOf, createBaseline, createMonitor, kube, monitorEvents, monitorWhere, sendTraffic, servingUrls, startDriftOperator, startServing, trainingRows } from './support.js';

const REPLICAS = 2;
const monitorSpec = {
  deploymentRef: { name: 'eta' },
  baseline: { datasetRef: { name: 'driver-stats' } },
  interval: '2s',
  window: '30m',
  minSamples: 1000,
  onDrift: [{ retrain: { experimentRef: { name: 'eta-train' } } }, { pauseRollout: true }],
};

describe('DriftMonitor on live serving pods', () => {
  let namespace = '';
  let operator: Awaited<ReturnType<typeof startDriftOperator>> | undefined;
  let urls: string[] = [];
  let owner: Awaited<ReturnType<typeof startServing>> | undefined;

  beforeAll(async () => {
    await ensureModels();
    await installCrds();
    namespace = await createNamespace('driftmonitor');
    await createStorageSecret(namespace);
    await createBaseline(namespace, 'driver-stats');
    await kube.create(cairnResource('Experiment'), {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'Experiment',
      metadata: { name: 'eta-train', namespace },
      spec: { datasetRef: { name: 'driver-stats' }, trainer: { image: 'trainer:1' }, objective: { metric: 'rmse', goal: 'minimize' }, artifacts: { uri: 's3://cairn-test/eta' } },
    } as KubeObject);
    owner = await startServing(namespace, REPLICAS, 'driver-stats-profile');
    operator = await startDriftOperator(namespace);
    urls = await servingUrls(namespace, owner, REPLICAS);
  });
  afterAll(async () => {
    await operator?.stop();
    if (namespace) await deleteNamespace(namespace);
  });

  test('training traffic is no drift; a shifted conv_rate is, once per episode', async () => {
    await createMonitor(namespace, 'eta-drift', monitorSpec);
    await monitorWhere(namespace, 'eta-drift', 'an evaluation without a verdict', (m) => {
      if (conditionOf(m, 'Drifted')?.reason !== 'NotEnoughSamples') throw new Error(`Drifted: ${JSON.stringify(conditionOf(m, 'Drifted'))}`);
    });

    await sendTraffic(urls, trainingRows(1000, 1));
    const steady = await monitorWhere(namespace, 'eta-drift', 'Drifted=False over the 1000 rows sent', (m) => {
      const drifted = conditionOf(m, 'Drifted');
      if (drifted?.status !== 'False' || m.status?.samples !== 1000) throw new Error(`samples ${m.status?.samples}, Drifted ${drifted?.status}/${drifted?.reason}: ${drifted?.message}`);
    });
    expect(steady.status?.drifted).toBe(false);
    expect(steady.status?.features?.map((f) => [f.name, f.method, f.drifted])).toEqual([
      ['conv_rate', 'psi', false],
      ['acc_rate', 'psi', false],
      ['avg_daily_trips', 'psi', false],
    ]);
    expect(conditionOf(steady, 'Ready')).toMatchObject({ status: 'True', reason: 'Evaluated' });

    await sendTraffic(urls, trainingRows(2000, 2, { conv_rate: 0.2 }));
    const drifted = await monitorWhere(namespace, 'eta-drift', 'Drifted=True over all 3000 rows', (m) => {
      const c = conditionOf(m, 'Drifted');
      if (c?.status !== 'True' || m.status?.samples !== 3000) throw new Error(`samples ${m.status?.samples}, Drifted ${c?.status}/${c?.reason}: ${c?.message}`);
    });
    expect(conditionOf(drifted, 'Drifted')?.message).toMatch(/^conv_rate: psi [0-9.]+ >= [0-9.]+$/);
    expect(drifted.status?.drifted).toBe(true);
    expect(drifted.status?.features?.filter((f) => f.drifted).map((f) => f.name)).toEqual(['conv_rate']);
    const conv = drifted.status!.features!.find((f) => f.name === 'conv_rate')!;
    expect(conv.score).toBeGreaterThanOrEqual(conv.threshold);
    expect(conditionOf(drifted, 'Ready')).toMatchObject({ status: 'False', reason: 'DriftDetected' });
    expect(conditionOf(drifted, 'RolloutPauseRequested')).toMatchObject({ status: 'True', message: 'The rollout of Deployment eta holds while drifted' });

    const events = await eventually('a Warning Event DriftDetected naming conv_rate', async () => {
      const all = await monitorEvents(namespace, 'eta-drift');
      const found = all.find((e) => e.startsWith('Warning/DriftDetected: conv_rate'));
      if (!found) throw new Error(`events: ${all.join(' | ')}`);
      return found;
    });
    expect(events).toContain('psi');

    const rerun = await eventually('the Experiment asked to run again', async () => {
      const experiment = await kube.get<KubeObject>(cairnResource('Experiment'), 'eta-train', namespace);
      const value = experiment?.metadata?.annotations?.['cairn.dev/rerun'];
      if (!value) throw new Error('no cairn.dev/rerun annotation yet');
      return value;
    });
    expect(rerun).toMatch(/^driftmonitor\/eta-drift@/);
    const requested = await monitorWhere(namespace, 'eta-drift', 'RetrainRequested=True', (m) => {
      if (conditionOf(m, 'RetrainRequested')?.status !== 'True') throw new Error('not yet');
    });
    expect(conditionOf(requested, 'RetrainRequested')?.message).toContain('Experiment eta-train');

    const gauge = await httpGet(`${operator!.operator.address}/metrics`);
    expect(gauge).toMatch(new RegExp(`cairn_drift_score\\{namespace="${namespace}",name="eta-drift",feature="conv_rate",method="psi"\\} ${conv.score.toString().slice(0, 5)}`));

    // Two more evaluations of the same episode ask for nothing more.
    const seen = new Set<string>([requested.status!.lastEvaluation!]);
    await monitorWhere(namespace, 'eta-drift', 'two more evaluations', (m) => {
      seen.add(m.status?.lastEvaluation ?? '');
      if (seen.size < 3) throw new Error(`${seen.size - 1} more so far`);
      expect(conditionOf(m, 'Drifted')?.status).toBe('True');
    });
    const experiment = await kube.get<KubeObject>(cairnResource('Experiment'), 'eta-train', namespace);
    expect(experiment?.metadata?.annotations?.['cairn.dev/rerun']).toBe(rerun);

    // A replica replaced: what the old pod counted stays in the window, the new one counts from its start.
    const replaced = new URL(urls[0]!).hostname;
    const { items } = await kube.list<KubeObject & { status?: { podIP?: string } }>(builtin.pod, { namespace });
    const old = items.find((p) => p.status?.podIP === replaced && !p.metadata?.deletionTimestamp)!;
    await kube.delete(builtin.pod, old.metadata!.name!, namespace);
    urls = await servingUrls(namespace, owner!, REPLICAS, [old.metadata!.uid!]);
    await sendTraffic(urls, trainingRows(500, 3, { conv_rate: 0.2 }));
    await monitorWhere(namespace, 'eta-drift', 'all 3500 rows in the window, across the replaced pod', (m) => {
      if (m.status?.samples !== 3500) throw new Error(`samples ${m.status?.samples}`);
    });
  });

  test('a feature the profile does not have stalls the monitor with InvalidSpec', async () => {
    await createMonitor(namespace, 'bad-feature', { ...monitorSpec, onDrift: undefined, features: [{ name: 'speed', method: 'psi', threshold: 0.2 }] });
    const monitor = await monitorWhere(namespace, 'bad-feature', 'Stalled', (m) => {
      if (conditionOf(m, 'Stalled')?.status !== 'True') throw new Error(JSON.stringify(m.status?.conditions));
    });
    expect(conditionOf(monitor, 'Stalled')).toMatchObject({ reason: 'InvalidSpec', message: expect.stringContaining('spec.features[0].name: the baseline profile has no feature speed') });
    expect(conditionOf(monitor, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
  });

  test('a missing Deployment is waited for, with the reason DeploymentNotFound', async () => {
    await createMonitor(namespace, 'no-deployment', { ...monitorSpec, onDrift: undefined, deploymentRef: { name: 'nope' } });
    const monitor = await monitorWhere(namespace, 'no-deployment', 'Ready=False', (m) => {
      if (conditionOf(m, 'Ready')?.status !== 'False') throw new Error(JSON.stringify(m.status?.conditions));
    });
    expect(conditionOf(monitor, 'Ready')).toMatchObject({ reason: 'DeploymentNotFound', message: 'Deployment nope not found' });
    expect(conditionOf(monitor, 'Reconciling')).toMatchObject({ status: 'True', reason: 'ProgressingWithRetry' });
  });
});

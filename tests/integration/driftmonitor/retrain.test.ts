/**
 * The loop back to training on the real control plane: a DriftMonitor with a retrain action, the Experiment
 * controller running in-process beside it (trial pods on the local node, a stub trainer). Real `cairn serve`
 * pods get traffic with conv_rate shifted -> Drifted=True -> the referenced Experiment, whose run 1 had
 * finished, actually runs again (run 2, its trial pod trained, rerunRequest naming the monitor), and only once
 * for the episode.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createNamespace, deleteNamespace } from '../../harness/kube.js';
import { ensureModels } from '../../unit/serving/models.js';
import { applyExperiment, createStorageSecret, csvData, getExperiment, putDataset, runFinished, startExperimentOperator, trialLogDir } from '../experiment/support.js';
import { installCrds } from '../gitsource/support.js';
import { conditionOf, createBaseline, createMonitor, monitorWhere, sendTraffic, servingUrls, startDriftOperator, startServing, trainingRows } from './support.js';

describe('a drifted DriftMonitor retrains', () => {
  let namespace = '';
  const stops: Array<() => Promise<void>> = [];
  const logs = trialLogDir();

  beforeAll(async () => {
    ensureModels();
    await installCrds();
    namespace = await createNamespace('retrain');
    await createStorageSecret(namespace);
    stops.push((await startExperimentOperator(namespace)).stop);
    stops.push((await startDriftOperator(namespace)).stop);
  }, 600_000);
  afterAll(async () => {
    for (const stop of stops) await stop();
    if (namespace) await deleteNamespace(namespace);
    logs.cleanup();
  });

  test('the referenced Experiment runs again, once per drift episode', async () => {
    await putDataset(namespace, 'trips', csvData(10));
    await applyExperiment(namespace, 'eta-train', { dataset: 'trips', parameters: { alpha: { values: [1] } }, search: { maxTrials: 1 }, trialLog: logs.log('eta-train') });
    const first = await runFinished(namespace, 'eta-train', 1);
    expect(first.status?.phase).toBe('Succeeded');

    await createBaseline(namespace, 'driver-stats');
    const owner = await startServing(namespace, 1, 'driver-stats-profile');
    const urls = await servingUrls(namespace, owner, 1);
    await createMonitor(namespace, 'eta-drift', {
      deploymentRef: { name: 'eta' },
      baseline: { datasetRef: { name: 'driver-stats' } },
      interval: '2s',
      window: '30m',
      minSamples: 500,
      onDrift: [{ retrain: { experimentRef: { name: 'eta-train' } } }],
    });
    await sendTraffic(urls, trainingRows(1000, 5, { conv_rate: 0.2 }));
    const drifted = await monitorWhere(namespace, 'eta-drift', 'Drifted=True and RetrainRequested=True', (m) => {
      if (conditionOf(m, 'Drifted')?.status !== 'True' || conditionOf(m, 'RetrainRequested')?.status !== 'True') throw new Error(JSON.stringify(m.status?.conditions?.map((c) => [c.type, c.status, c.reason])));
    });
    expect(conditionOf(drifted, 'Drifted')?.message).toMatch(/^conv_rate: psi/);

    const second = await runFinished(namespace, 'eta-train', 2);
    expect(second.status?.phase).toBe('Succeeded');
    expect(second.status?.rerunRequest).toMatch(/^driftmonitor\/eta-drift@/);
    expect(logs.read('eta-train').filter((n) => n.what === 'start').map((n) => n.trial)).toEqual(['eta-train-1-t0', 'eta-train-2-t0']);

    // More evaluations of the same episode start no third run.
    const seen = new Set<string>();
    await monitorWhere(namespace, 'eta-drift', 'three more evaluations, still drifted', (m) => {
      seen.add(m.status?.lastEvaluation ?? '');
      if (conditionOf(m, 'Drifted')?.status !== 'True') throw new Error('no longer drifted');
      if (seen.size < 3) throw new Error(`${seen.size} so far`);
    });
    const after = await getExperiment(namespace, 'eta-train');
    expect(after.status?.run).toBe(2);
    expect(after.status?.rerunRequest).toBe(second.status?.rerunRequest);
    expect(after.metadata?.annotations?.['cairn.dev/rerun']).toBe(second.status?.rerunRequest); // not asked again
  }, 900_000);
});

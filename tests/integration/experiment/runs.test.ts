/**
 * The Experiment controller on the real control plane: trials run as Jobs on the local node (cairn fetch from
 * the real S3 server, the stub trainer, cairn upload --after-sigterm back to S3), at most `parallelism` at once;
 * metrics, gate, best trial and the registered ModelVersion with its lineage; a gate nothing passes; trainers
 * that crash, lie or write no model fail only their own trial; maxFailedTrials stops the run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, deleteNamespace } from '../../harness/kube.js';
import { installCrds } from '../gitsource/support.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import {
  admin,
  applyExperiment,
  condition,
  createStorageSecret,
  csvData,
  maxOverlap,
  modelVersions,
  putDataset,
  runFinished,
  trialLogDir,
  type ModelVersionObject,
} from './support.js';

describe('Experiment runs', () => {
  let namespace = '';
  let stop: (() => Promise<void>) | undefined;
  const logs = trialLogDir();
  let version = '';

  beforeAll(async () => {
    await installCrds();
    namespace = await createNamespace('exp-runs');
    await createStorageSecret(namespace);
    version = await putDataset(namespace, 'drivers', csvData(20));
    const { startExperimentOperator } = await import('./support.js');
    stop = (await startExperimentOperator(namespace)).stop;
  });
  afterAll(async () => {
    await stop?.();
    if (namespace) await deleteNamespace(namespace);
    logs.cleanup();
  });

  const registeredBy = async (experiment: string) => {
    const list = await admin.list<ModelVersionObject>(modelVersions, { namespace });
    return list.items.filter((mv) => mv.spec.lineage?.experiment === experiment);
  };

  it('a 3x2 grid with parallelism 2: never more than 2 trials at once, every metric in status, the best passing trial registered with lineage', async () => {
    await applyExperiment(namespace, 'grid', {
      dataset: 'drivers',
      parameters: { alpha: { values: [3, 1, 2] }, beta: { values: [10, 20] } },
      search: { parallelism: 2, maxTrials: 6 },
      successCriteria: [{ metric: 'rmse', op: '<', value: 0.5 }],
      register: { model: 'eta' },
      trialLog: logs.log('grid'),
      waitForPeer: true,
      annotations: { 'cairn.dev/revision': 'main@sha1:3f2a9c4e5d6b7a8091a2b3c4d5e6f708192a3b4c' },
    });
    const e = await runFinished(namespace, 'grid', 1);
    expect(e.status?.trials?.filter((t) => t.phase !== 'Succeeded').map((t) => `${t.name}: ${t.message}`)).toEqual([]);
    const notes = logs.read('grid');
    expect(notes.filter((n) => n.what === 'start')).toHaveLength(6);
    expect(maxOverlap(notes)).toBeLessThanOrEqual(2);
    expect(maxOverlap(notes)).toBe(2); // trials 0 and 1 waited for a peer: two did run at once

    const s = e.status!;
    expect(s).toMatchObject({ run: 1, datasetVersion: version, phase: 'Succeeded', progress: '6/6', trialCounts: { total: 6, succeeded: 6, failed: 0, passed: 6 } });
    expect(s.trials).toHaveLength(6);
    for (const t of s.trials!) {
      const expected = Number(t.parameters.alpha) / 10 + Number(t.parameters.beta) / 1000;
      expect(t).toMatchObject({ phase: 'Succeeded', passed: true, job: t.name, metrics: { rmse: expected, rows: 20 } });
      expect(t.model?.uri).toBe(`s3://cairn-test/${namespace}/artifacts/grid/1/${t.name}/model.onnx`);
      expect(t.model?.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    // alpha 1, beta 10: rmse 0.11, the lowest.
    const best = s.trials!.find((t) => t.parameters.alpha === '1' && t.parameters.beta === '10')!;
    expect(s.bestTrial).toBe(best.name);
    expect(s.bestMetric).toBeCloseTo(0.11, 12);
    expect(s.modelVersion).toBe('eta-1');
    expect(condition(e, 'Ready')).toMatchObject({ status: 'True', reason: 'Registered' });

    const [mv, ...others] = await registeredBy('grid');
    expect(others).toEqual([]);
    expect(mv!.metadata.name).toBe('eta-1');
    expect(mv!.spec).toMatchObject({
      model: 'eta',
      version: 1,
      artifact: { uri: best.model!.uri, sha256: best.model!.sha256, format: 'onnx' },
      metrics: { rmse: best.metrics!.rmse, rows: 20 },
      lineage: {
        experiment: 'grid',
        run: 1,
        trial: best.name,
        parameters: { alpha: '1', beta: '10' },
        dataset: { name: 'drivers', version },
        trainerImage: 'python:3.12',
        features: ['conv_rate', 'acc_rate'],
        gitRevision: 'main@sha1:3f2a9c4e5d6b7a8091a2b3c4d5e6f708192a3b4c',
      },
    });
    // The model's sha256 is what landed on S3 (the sidecar hashed the file it uploaded).
    const { createHash } = await import('node:crypto');
    expect(best.model!.sha256).toBe(createHash('sha256').update(`model of ${best.name}`).digest('hex'));

    // The full table is in the trials ConfigMap.
    const table = await admin.get<KubeObject & { data?: Record<string, string> }>(builtin.configMap, 'grid-trials', namespace);
    expect(table?.data?.['trials.jsonl']?.trim().split('\n')).toHaveLength(6);
  });

  it('the example trainer (cairn-example-trainer: ElasticNet, skl2onnx): the best passing trial of the PoC gate is registered with lineage', async () => {
    const data = readFileSync(join(import.meta.dirname, '../../../examples/data/driver_stats.csv'), 'utf8');
    const driverStats = await putDataset(namespace, 'driver-stats', data, { features: ['conv_rate', 'acc_rate', 'avg_daily_trips'], target: 'trip_minutes' });
    await applyExperiment(namespace, 'eta-elasticnet', {
      dataset: 'driver-stats',
      image: 'registry.example.com/cairn-example-trainer:0.1.0',
      parameters: { alpha: { values: [0.01, 0.001] }, l1_ratio: { values: [0.5] } },
      search: { parallelism: 2, maxTrials: 2 },
      successCriteria: [
        { metric: 'rmse', op: '<', value: 0.5 },
        { metric: 'r2', op: '>=', value: 0.8 },
      ],
      register: { model: 'eta-poc' },
      trialLog: logs.log('eta-elasticnet'),
    });
    const e = await runFinished(namespace, 'eta-elasticnet', 1);
    expect(e.status?.trials?.filter((t) => t.phase !== 'Succeeded').map((t) => `${t.name}: ${t.message}`)).toEqual([]);
    const trials = e.status!.trials!;
    for (const t of trials) {
      expect(Object.keys(t.metrics ?? {}).sort()).toEqual(['mae', 'r2', 'rmse']);
      expect(t.passed).toBe(true);
    }
    const best = [...trials].sort((a, b) => a.metrics!.rmse! - b.metrics!.rmse!)[0]!;
    expect(e.status).toMatchObject({ phase: 'Succeeded', bestTrial: best.name, bestMetric: best.metrics!.rmse });
    const registered = await registeredBy('eta-elasticnet');
    expect(registered).toHaveLength(1);
    expect(registered[0]!.spec).toMatchObject({
      model: 'eta-poc',
      artifact: { uri: `s3://cairn-test/${namespace}/artifacts/eta-elasticnet/1/${best.name}/model.onnx`, sha256: best.model!.sha256 },
      metrics: best.metrics,
      lineage: { experiment: 'eta-elasticnet', run: 1, trial: best.name, parameters: best.parameters, dataset: { name: 'driver-stats', version: driverStats }, trainerImage: 'registry.example.com/cairn-example-trainer:0.1.0', features: ['conv_rate', 'acc_rate', 'avg_daily_trips'] },
    });
    expect(e.status?.modelVersion).toBe(registered[0]!.metadata.name);
  });

  it('a gate nothing can pass registers nothing and says why', async () => {
    await applyExperiment(namespace, 'impossible', {
      dataset: 'drivers',
      parameters: { alpha: { values: [1, 2] } },
      search: { parallelism: 2, maxTrials: 2 },
      successCriteria: [{ metric: 'rmse', op: '<', value: 0.0001 }],
      register: { model: 'impossible' },
      trialLog: logs.log('impossible'),
    });
    const e = await runFinished(namespace, 'impossible', 1);
    expect(e.status).toMatchObject({ phase: 'Succeeded', trialCounts: { succeeded: 2, passed: 0 } });
    expect(e.status?.modelVersion).toBeUndefined();
    expect(e.status?.bestTrial).toBeUndefined();
    expect(condition(e, 'Succeeded')).toMatchObject({ status: 'False', reason: 'NoTrialPassed' });
    expect(condition(e, 'Ready')).toMatchObject({ status: 'False', reason: 'NoTrialPassed' });
    expect(condition(e, 'Ready')?.message).toContain('rmse = 0.1, needs < 0.0001');
    expect(e.status?.trials?.every((t) => t.passed === false && /did not pass: rmse = .*, needs < 0.0001/.test(t.message ?? ''))).toBe(true);
    expect(await registeredBy('impossible')).toEqual([]);
  });

  it('a trainer that exits 1, writes garbage, reports NaN or writes no model fails only its own trial', async () => {
    await applyExperiment(namespace, 'liars', {
      dataset: 'drivers',
      parameters: { mode: { choices: ['crash', 'garbage', 'nan', 'nomodel', 'ok'] } },
      search: { parallelism: 2, maxTrials: 5, maxFailedTrials: 4 },
      register: { model: 'liars' },
      trialLog: logs.log('liars'),
    });
    const e = await runFinished(namespace, 'liars', 1);
    const byMode = Object.fromEntries(e.status!.trials!.map((t) => [t.parameters.mode, t]));
    expect(byMode.crash).toMatchObject({ phase: 'Failed' });
    expect(byMode.crash?.message).toMatch(/^TrainerFailed: exit code 1.*training blew up/);
    expect(byMode.garbage?.message).toMatch(/^MalformedResult: /);
    expect(byMode.nan?.message).toMatch(/^(MalformedResult|InvalidMetrics): /);
    expect(byMode.nomodel?.message).toBe('NoModel: the trainer wrote no model.onnx to $CAIRN_OUTPUT_DIR');
    expect(byMode.ok).toMatchObject({ phase: 'Succeeded', passed: true });
    expect(e.status).toMatchObject({ phase: 'Succeeded', bestTrial: byMode.ok!.name, modelVersion: 'liars-1', trialCounts: { failed: 4, succeeded: 1 } });
    const events = await admin.list<KubeObject & { reason?: string; note?: string; regarding?: { name?: string } }>(builtin.event, { namespace });
    const trialFailed = events.items.filter((ev) => ev.reason === 'TrialFailed' && ev.regarding?.name === 'liars');
    expect(trialFailed.length).toBe(4);
  });

  it('a trial past trialTimeout is stopped and fails with DeadlineExceeded', async () => {
    await applyExperiment(namespace, 'slow', {
      dataset: 'drivers',
      parameters: { alpha: { values: [1] } },
      search: { maxTrials: 1 },
      trialLog: logs.log('slow'),
      trialSeconds: 600,
      trialTimeout: '20s',
    });
    const e = await runFinished(namespace, 'slow', 1);
    expect(e.status?.trials?.[0]).toMatchObject({ phase: 'Failed', message: 'DeadlineExceeded: the trial ran past trialTimeout and was stopped' });
    expect(logs.read('slow').filter((n) => n.what === 'end')).toEqual([]);
  });

  it('maxFailedTrials stops the run: no further trial starts and nothing is registered', async () => {
    await applyExperiment(namespace, 'crashing', {
      dataset: 'drivers',
      parameters: { mode: { choices: ['crash'] }, alpha: { values: [1, 2, 3, 4, 5, 6] } },
      search: { parallelism: 1, maxTrials: 6, maxFailedTrials: 1 },
      register: { model: 'crashing' },
      trialLog: logs.log('crashing'),
    });
    const e = await runFinished(namespace, 'crashing', 1);
    expect(e.status).toMatchObject({ phase: 'Failed', trialCounts: { total: 6, failed: 2, pending: 4 } });
    expect(condition(e, 'Failed')).toMatchObject({ status: 'True', reason: 'MaxFailedTrialsReached' });
    expect(condition(e, 'Ready')).toMatchObject({ status: 'False', reason: 'MaxFailedTrialsReached' });
    expect(condition(e, 'Ready')?.message).toContain('2 trials failed, more than maxFailedTrials (1)');
    expect(logs.read('crashing').filter((n) => n.what === 'start')).toHaveLength(2);
    expect(await registeredBy('crashing')).toEqual([]);
  });
});

/**
 * New runs and resuming: a new Dataset sha256 starts run 2 (rerunOnDatasetChange), the cairn.dev/rerun
 * annotation starts a run, and an operator SIGKILLed mid-run is replaced by a new process that finishes the run
 * without running any trial twice or losing one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, deleteNamespace, eventually, GiveUp, testenv } from '../../harness/kube.js';
import { installCrds } from '../gitsource/support.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import {
  admin,
  applyExperiment,
  createStorageSecret,
  csvData,
  experiments,
  getExperiment,
  modelVersions,
  putDataset,
  runFinished,
  startExperimentOperator,
  trialLogDir,
  type ExperimentObject,
  type ModelVersionObject,
} from './support.js';

describe('Experiment runs: continuous training', () => {
  let namespace = '';
  let stop: (() => Promise<void>) | undefined;
  const logs = trialLogDir();

  beforeAll(async () => {
    await installCrds();
    namespace = await createNamespace('exp-cont');
    await createStorageSecret(namespace);
    stop = (await startExperimentOperator(namespace)).stop;
  });
  afterAll(async () => {
    await stop?.();
    if (namespace) await deleteNamespace(namespace);
    logs.cleanup();
  });

  it('a new Dataset sha256 starts run 2 on the new version; the model of each run is registered', async () => {
    const v1 = await putDataset(namespace, 'drivers', csvData(10));
    await applyExperiment(namespace, 'ct', {
      dataset: 'drivers',
      parameters: { alpha: { values: [1, 2] } },
      search: { parallelism: 2, maxTrials: 2 },
      register: { model: 'ct' },
      rerunOnDatasetChange: true,
      trialLog: logs.log('ct'),
    });
    const first = await runFinished(namespace, 'ct', 1);
    expect(first.status).toMatchObject({ run: 1, datasetVersion: v1, modelVersion: 'ct-1' });
    expect(first.status?.trials?.map((t) => t.metrics?.rows)).toEqual([10, 10]);

    const v2 = await putDataset(namespace, 'drivers', csvData(14, 'v2'));
    expect(v2).not.toBe(v1);
    const second = await runFinished(namespace, 'ct', 2);
    expect(second.status).toMatchObject({ run: 2, datasetVersion: v2, modelVersion: 'ct-2', progress: '2/2' });
    // Run 2's trials read the new data, and are new Jobs.
    expect(second.status?.trials?.map((t) => [t.name, t.metrics?.rows])).toEqual([
      ['ct-2-t0', 14],
      ['ct-2-t1', 14],
    ]);
    const mv = await admin.get<ModelVersionObject>(modelVersions, 'ct-2', namespace);
    expect(mv?.spec).toMatchObject({ version: 2, lineage: { run: 2, dataset: { name: 'drivers', version: v2 } } });
    const events = await admin.list<KubeObject & { reason?: string; note?: string; regarding?: { name?: string } }>(builtin.event, { namespace });
    expect(events.items.filter((e) => e.reason === 'RunStarted' && e.regarding?.name === 'ct').map((e) => e.note)).toEqual(
      expect.arrayContaining([expect.stringContaining('Run 2 started (the Dataset has a new version')]),
    );
  });

  it('cairn.dev/rerun starts a new run without a spec change; the same value again starts nothing', async () => {
    await putDataset(namespace, 'fixed', csvData(5));
    await applyExperiment(namespace, 'rr', { dataset: 'fixed', parameters: { alpha: { values: [1] } }, search: { maxTrials: 1 }, trialLog: logs.log('rr') });
    const first = await runFinished(namespace, 'rr', 1);
    const generation = first.metadata?.generation;
    await admin.patch(experiments, 'rr', namespace, { metadata: { annotations: { 'cairn.dev/rerun': 'please' } } }, { type: 'merge' });
    const second = await runFinished(namespace, 'rr', 2);
    expect(second.metadata?.generation).toBe(generation);
    expect(second.status).toMatchObject({ run: 2, rerunRequest: 'please', progress: '1/1' });
    expect(logs.read('rr').filter((n) => n.what === 'start').map((n) => n.trial)).toEqual(['rr-1-t0', 'rr-2-t0']);
    // Touching metadata again without a new value: still run 2.
    await admin.patch(experiments, 'rr', namespace, { metadata: { labels: { touched: 'yes' } } }, { type: 'merge' });
    await eventually('the label is seen', async () => (await getExperiment(namespace, 'rr')).metadata?.labels?.touched);
    await applyExperiment(namespace, 'probe', { dataset: 'fixed', parameters: { alpha: { values: [1] } }, search: { maxTrials: 1 }, trialLog: logs.log('probe') });
    // Once a later Experiment finished, the operator has long seen the label change of rr.
    await runFinished(namespace, 'probe', 1);
    expect((await getExperiment(namespace, 'rr')).status?.run).toBe(2);
  });
});

describe('Experiment runs: the operator killed mid-run', () => {
  let namespace = '';
  const logs = trialLogDir();
  const children: ChildProcess[] = [];

  const startProcess = async (): Promise<ChildProcess> => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'operator-main.ts')], {
      cwd: testenv().root,
      env: { ...process.env, KUBECONFIG: testenv().kubeconfigPath, CAIRN_TEST_NAMESPACE: namespace },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    // tsx compiles the operator at start: on a busy machine that takes a while.
    await eventually(
      'the operator process started',
      () => {
        if (child.exitCode !== null) throw new GiveUp(`the operator exited ${child.exitCode}: ${out.slice(-2000)}`);
        return out.includes('Started operator') ? true : undefined;
      },
      { timeoutMs: 150_000 },
    );
    return child;
  };

  beforeAll(async () => {
    await installCrds();
    namespace = await createNamespace('exp-kill');
    await createStorageSecret(namespace);
    await putDataset(namespace, 'drivers', csvData(8));
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    if (namespace) await deleteNamespace(namespace);
    logs.cleanup();
  });

  it('resumes without running a trial twice or losing one', { timeout: 600_000 }, async () => {
    const first = await startProcess();
    await applyExperiment(namespace, 'resume', {
      dataset: 'drivers',
      parameters: { alpha: { values: [1, 2, 3, 4, 5, 6] } },
      search: { parallelism: 2, maxTrials: 6 },
      register: { model: 'resume' },
      trialLog: logs.log('resume'),
      trialSeconds: 2,
    });
    // Mid-run: some trials recorded, others running.
    await eventually(
      'run 1 half done',
      async () => {
        const e: ExperimentObject = await getExperiment(namespace, 'resume');
        const c = e.status?.trialCounts;
        if (!c || c.succeeded < 1 || c.succeeded + c.failed >= 5) throw new Error(`counts ${JSON.stringify(c)}`);
        return e;
      },
      { timeoutMs: 120_000 },
    );
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    // Trials finish while no operator runs; a new process picks the run up from the Jobs and the table.
    const second = await startProcess();
    const e = await runFinished(namespace, 'resume', 1);
    second.kill('SIGTERM');
    expect(e.status).toMatchObject({ phase: 'Succeeded', progress: '6/6', trialCounts: { succeeded: 6, failed: 0 }, modelVersion: 'resume-1' });
    const starts = logs
      .read('resume')
      .filter((n) => n.what === 'start')
      .map((n) => n.trial)
      .sort();
    expect(starts).toEqual(['resume-1-t0', 'resume-1-t1', 'resume-1-t2', 'resume-1-t3', 'resume-1-t4', 'resume-1-t5']);
    const registered = (await admin.list<ModelVersionObject>(modelVersions, { namespace })).items.filter((mv) => mv.spec.lineage?.experiment === 'resume');
    expect(registered.map((mv) => mv.metadata.name)).toEqual(['resume-1']);
  });
});

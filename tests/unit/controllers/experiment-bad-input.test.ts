/**
 * The Experiment controller over an in-memory API: what a reconcile does with bad or missing input before any
 * trial runs (a missing or unverified Dataset, a search it cannot expand, a trainer env that redefines CAIRN_*),
 * and the first trials' Jobs of a good spec. Runs of real trials are in tests/integration/experiment/.
 */
import { describe, expect, it } from 'vitest';
import { experimentController, experimentResource } from '../../../src/controllers/experiment/index.js';
import { cairnResource } from '../../../src/controllers/resources.js';
import { isStalled, isWaiting } from '../../../src/runtime/errors.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { controllerDeps } from './deps.js';

const sha = 'b'.repeat(64);

async function setup(spec: Record<string, unknown> = {}, dataset: 'ready' | 'unverified' | 'none' = 'ready') {
  const t = controllerDeps();
  const def = experimentController({ cairnImage: 'ghcr.io/cairn-dev/cairn:0.1.0' })(t.deps);
  t.informers.start();
  await t.informers.waitForSync();
  if (dataset !== 'none') {
    await t.kube.create(cairnResource('Dataset'), {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'Dataset',
      metadata: { name: 'drivers', namespace: 'ml' },
      spec: { source: { uri: 's3://data/d.csv', format: 'csv', sha256: sha }, schema: { features: [{ name: 'x', type: 'number' }] } },
      ...(dataset === 'ready' ? { status: { version: `sha256:${sha}`, conditions: [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: '', lastTransitionTime: '2026-11-29T10:00:00Z' }] } } : {}),
    } as KubeObject);
  }
  await t.kube.create(experimentResource, {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'Experiment',
    metadata: { name: 'eta', namespace: 'ml' },
    spec: {
      datasetRef: { name: 'drivers' },
      trainer: { image: 'trainer:1' },
      parameters: { alpha: { values: [1, 2, 3] } },
      search: { parallelism: 2 },
      objective: { metric: 'rmse', goal: 'minimize' },
      artifacts: { uri: 's3://art/eta' },
      ...spec,
    },
  } as KubeObject);
  const reconcile = async () => {
    await t.settle();
    try {
      return { result: await def.reconcile({ key: 'ml/eta', namespace: 'ml', name: 'eta' }, t.ctx) };
    } catch (error) {
      return { error };
    }
  };
  const experiment = async () => (await t.kube.get<KubeObject & { status?: Record<string, unknown> & { conditions?: Array<{ type: string; status: string; reason: string; message: string }> } }>(experimentResource, 'eta', 'ml'))!;
  const brief = async () => ((await experiment()).status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);
  const jobs = async () => (await t.kube.list<KubeObject>(builtin.job, { namespace: 'ml' })).items.map((j) => j.metadata?.name);
  return { ...t, reconcile, experiment, brief, jobs };
}

describe('Experiment: bad or missing input', () => {
  it('a missing Dataset: Ready=False DependencyNotReady, no run, no Job', async () => {
    const t = await setup({}, 'none');
    const { error } = await t.reconcile();
    expect(isWaiting(error)).toBe(true);
    expect(await t.brief()).toEqual(['Ready=False/DependencyNotReady', 'Reconciling=True/ProgressingWithRetry']);
    expect((await t.experiment()).status?.conditions?.[0]?.message).toBe('Dataset drivers does not exist');
    expect((await t.experiment()).status?.run).toBeUndefined();
    expect(await t.jobs()).toEqual([]);
  });

  it('a Dataset not verified yet: waits, says so', async () => {
    const t = await setup({}, 'unverified');
    const { error } = await t.reconcile();
    expect(isWaiting(error)).toBe(true);
    expect((await t.experiment()).status?.conditions?.[0]?.message).toBe('Dataset drivers has no verified version yet (not Ready)');
    expect(await t.jobs()).toEqual([]);
  });

  it('a grid over a range without a step: Stalled InvalidSpec naming the field, no Job', async () => {
    const t = await setup({ parameters: { alpha: { min: 0, max: 1 } } });
    const { error } = await t.reconcile();
    expect(isStalled(error)).toBe(true);
    expect(await t.brief()).toEqual(['Ready=False/InvalidSpec', 'Stalled=True/InvalidSpec']);
    expect((await t.experiment()).status?.conditions?.[0]?.message).toMatch(/^spec\.parameters\.alpha\.step: a grid over a range needs a step/);
    expect(await t.jobs()).toEqual([]);
  });

  it('a trainer env var that redefines CAIRN_*: Stalled InvalidSpec, no Job', async () => {
    const t = await setup({ trainer: { image: 'trainer:1', env: [{ name: 'CAIRN_OUTPUT_DIR', value: '/x' }] } });
    const { error } = await t.reconcile();
    expect(isStalled(error)).toBe(true);
    expect((await t.experiment()).status?.conditions?.[0]?.message).toContain('CAIRN_OUTPUT_DIR: CAIRN_* variables are set by Cairn');
    expect(await t.jobs()).toEqual([]);
  });

  it('a good spec: run 1 starts, pinned to the Dataset version, the first `parallelism` trials get Jobs, and a RunStarted Event', async () => {
    const t = await setup();
    const { error } = await t.reconcile();
    expect(error).toBeUndefined();
    const status = (await t.experiment()).status!;
    expect(status).toMatchObject({ run: 1, runGeneration: 1, rerunRequest: '', datasetVersion: `sha256:${sha}`, phase: 'Running', progress: '0/3', trialCounts: { total: 3, pending: 3 } });
    expect(await t.brief()).toEqual(['Ready=Unknown/Progressing', 'Reconciling=True/Progressing', 'Running=True/TrialsRunning']);
    expect((await t.jobs()).sort()).toEqual(['eta-1-t0', 'eta-1-t1']);
    expect(t.events.map((e) => `${e.type}/${e.reason}`)).toContain('Normal/RunStarted');
    // A second reconcile with nothing new writes nothing and starts nothing more.
    const before = (await t.experiment()).metadata?.resourceVersion;
    await t.reconcile();
    expect((await t.jobs()).sort()).toEqual(['eta-1-t0', 'eta-1-t1']);
    expect((await t.experiment()).metadata?.resourceVersion).toBe(before);
  });
});

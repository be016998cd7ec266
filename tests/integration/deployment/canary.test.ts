/**
 * The Deployment controller on the real control plane, with real `cairn serve` pods on the local node and
 * traffic through the route Service's ClusterIP (replicas router: the pod counts make the split):
 * - the first version becomes stable; a new latestReady version starts a canary that walks its steps, both
 *   versions answer through the route, the operator restarted while paused resumes at the same step, and a
 *   promote finishes it (the former version's pods go only once the new ones serve);
 * - a canary that answers 500s is rolled back by the analysis: all traffic back on stable, its pods removed,
 *   the RolledBack condition and an Event naming the metric;
 * - a version with another signature is refused with IncompatibleSignature; stable keeps serving.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PROMOTE_ANNOTATION } from '../../../src/controllers/deployment/index.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { createNamespace, deleteNamespace, eventually, testenv } from '../../harness/kube.js';
import { ensureModels, modelPath } from '../../unit/serving/models.js';
import { createStorageSecret } from '../dataset/support.js';
import { installCrds } from '../gitsource/support.js';
import {
  condition,
  createDeployment,
  deploymentWhere,
  eventsOf,
  exampleModel,
  faultyModel,
  getDeployment,
  inferThroughRoute,
  kube,
  registerModel,
  startServingOperator,
  type Operator,
} from './support.js';

/**
 * Sends requests through the route, from 4 clients at once, until `until` resolves; returns the versions that
 * answered and the codes. Several clients: under load one client's requests can be too few per analysis
 * interval (fewer than 20 make a measurement Inconclusive, and the rollout would wait for ever).
 */
async function trafficUntil<T>(namespace: string, name: string, until: Promise<T>): Promise<{ result: T; versions: Set<string>; codes: Map<number, number> }> {
  const versions = new Set<string>();
  const codes = new Map<number, number>();
  let done = false;
  const settled = until.finally(() => {
    done = true;
  });
  const client = async () => {
    while (!done) {
      try {
        const answer = await inferThroughRoute(namespace, name);
        codes.set(answer.status, (codes.get(answer.status) ?? 0) + 1);
        if (answer.version) versions.add(answer.version);
      } catch {
        // The route may not exist yet, or a pod went away mid-request: keep sending.
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const clients = Promise.all([client(), client(), client(), client()]);
  const result = await settled;
  await clients;
  return { result, versions, codes };
}

const run = promisify(execFile);
/** `cairn ARGS` as a user runs it, with the admin kubeconfig; its stdout. */
async function cairn(args: string[]): Promise<string> {
  const env = testenv();
  return (await run(process.execPath, [join(env.root, 'bin', 'cairn.js'), ...args], { env: { ...process.env, KUBECONFIG: env.kubeconfigPath } })).stdout;
}

/** Reconciles of the Deployment controller the operator counted (cairn_reconcile_total). */
async function reconciles(op: Operator): Promise<number> {
  const text = await (await fetch(`${op.operator.address}/metrics`)).text();
  return [...text.matchAll(/^cairn_reconcile_total\{[^}]*controller="deployment"[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

describe('Deployment rollouts with the replicas router', () => {
  let namespace = '';
  let operator: Operator | undefined;
  beforeAll(async () => {
    ensureModels();
    await installCrds();
    namespace = await createNamespace('deploy');
    await createStorageSecret(namespace);
    operator = await startServingOperator(namespace);
  }, 600_000);
  afterAll(async () => {
    await operator?.stop();
    if (namespace) await deleteNamespace(namespace);
  });

  test('a canary walks its steps, survives an operator restart while paused, and is promoted', async () => {
    await registerModel(namespace, 'eta', 1, exampleModel());
    await createDeployment(namespace, 'eta', {
      model: 'eta',
      version: { policy: 'latestReady' },
      serving: { replicas: 2 },
      strategy: { type: 'Canary', canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
    });
    const first = await deploymentWhere(namespace, 'eta', 'version 1 stable and available', (d) => d.status?.stable?.version === 1 && condition(d, 'Available')?.status === 'True');
    expect(first.status?.phase).toBe('Healthy');
    expect(first.status?.url).toBe(`http://eta.${namespace}.svc:80`);
    expect(condition(first, 'Ready')?.status).toBe('True');
    await eventually('version 1 answers through the route', async () => ((await inferThroughRoute(namespace, 'eta')).version === '1' ? true : undefined));

    await registerModel(namespace, 'eta', 2, exampleModel());
    const paused = await trafficUntil(
      namespace,
      'eta',
      deploymentWhere(namespace, 'eta', 'version 2 paused at 50% on step 2', (d) => d.status?.phase === 'Paused' && d.status?.canary?.version === 2 && d.status.canary.step === 1),
    );
    expect(paused.result.status?.canary?.weight).toBe(50);
    expect(paused.result.status?.stable).toEqual({ version: 1, weight: 50 });
    // One pod each: both versions answer through the route Service.
    const seen = new Set(paused.versions);
    await eventually('both versions answer through the route', async () => {
      const answer = await inferThroughRoute(namespace, 'eta');
      if (answer.version) seen.add(answer.version);
      return seen.size === 2 ? true : undefined;
    });
    const apps = async (name: string) => kube.get<KubeObject & { spec: { replicas: number } }>(builtin.deployment, name, namespace);
    expect((await apps('eta-v1'))?.spec.replicas).toBe(1);
    expect((await apps('eta-v2'))?.spec.replicas).toBe(1);
    expect([...seen].sort()).toEqual(['1', '2']);

    // A restart: the new operator finds the rollout in status and stays at the same step.
    await operator!.stop();
    operator = await startServingOperator(namespace);
    await eventually('the new operator reconciled the Deployment', async () => ((await reconciles(operator!)) > 0 ? true : undefined));
    const resumed = await getDeployment(namespace, 'eta');
    expect(resumed?.status?.canary).toEqual({ version: 2, weight: 50, step: 1 });
    expect(resumed?.status?.phase).toBe('Paused');
    expect((await eventsOf(namespace, 'eta')).filter((e) => e.startsWith('RolloutStarted')).length).toBe(1);

    // The person's view and hand: `cairn rollout status` and `cairn rollout promote`, as processes.
    const status = await cairn(['rollout', 'status', 'eta', '-n', namespace]);
    expect(status.split('\n')).toEqual(expect.arrayContaining(['Canary:      version 2 (50%)', '  ✔  1. setWeight 50%', '  ►  2. pause (until promoted)']));
    expect(await cairn(['rollout', 'promote', 'eta', '-n', namespace])).toContain('Deployment eta: promote requested for version 2');
    expect((await getDeployment(namespace, 'eta'))?.metadata?.annotations?.[PROMOTE_ANNOTATION]).toMatch(/^\d{4}-/);
    const promoted = await deploymentWhere(namespace, 'eta', 'version 2 stable', (d) => d.status?.stable?.version === 2 && d.status.canary === undefined && d.status.phase === 'Healthy');
    expect(promoted.status?.stable).toEqual({ version: 2, weight: 100 });
    await eventually('the pods of version 1 removed once version 2 serves alone', async () => ((await apps('eta-v1')) === undefined ? true : undefined), { timeoutMs: 120_000 });
    expect((await apps('eta-v2'))?.spec.replicas).toBe(2);
    await eventually('only version 2 answers', async () => {
      for (let i = 0; i < 6; i++) if ((await inferThroughRoute(namespace, 'eta')).version !== '2') return undefined;
      return true;
    });
    expect((await eventsOf(namespace, 'eta')).some((e) => e.startsWith('Promoted: version 2'))).toBe(true);
  }, 900_000);

  test('a canary that answers errors is rolled back by the analysis; the condition names the metric', async () => {
    await registerModel(namespace, 'beta', 1, exampleModel());
    await createDeployment(namespace, 'beta', {
      model: 'beta',
      version: { policy: 'latestReady' },
      serving: { replicas: 2 },
      strategy: {
        type: 'Canary',
        canary: { steps: [{ setWeight: 50 }, { analysis: {} }, { setWeight: 100 }] },
        analysis: { interval: '3s', metrics: [{ name: 'error-rate', max: 0.05 }] },
      },
    });
    await deploymentWhere(namespace, 'beta', 'version 1 stable and available', (d) => d.status?.stable?.version === 1 && condition(d, 'Available')?.status === 'True');
    await registerModel(namespace, 'beta', 2, await faultyModel());
    const rolledBack = await trafficUntil(
      namespace,
      'beta',
      deploymentWhere(namespace, 'beta', 'rolled back', (d) => d.status?.phase === 'RolledBack'),
    );
    const d = rolledBack.result;
    expect(d.status?.stable).toEqual({ version: 1, weight: 100 });
    expect(d.status?.canary).toBeUndefined();
    expect(condition(d, 'RolledBack')).toMatchObject({ status: 'True', reason: 'RolledBack' });
    expect(condition(d, 'RolledBack')?.message).toMatch(/error-rate = [\d.]+, above the max 0\.05/);
    expect(condition(d, 'Ready')?.status).toBe('False');
    // The canary answered 500s while it had traffic.
    expect(rolledBack.codes.get(500) ?? 0).toBeGreaterThan(0);
    await eventually('the canary pods removed', async () => ((await kube.get(builtin.deployment, 'beta-v2', namespace)) === undefined ? true : undefined));
    expect((await eventsOf(namespace, 'beta')).some((e) => /^RolledBack: version 2 rolled back.*error-rate/.test(e))).toBe(true);
    await eventually('only version 1 answers', async () => {
      for (let i = 0; i < 6; i++) if ((await inferThroughRoute(namespace, 'beta')).version !== '1') return undefined;
      return true;
    });
  }, 900_000);

  test('a version with another signature is refused with IncompatibleSignature; stable keeps serving', async () => {
    await registerModel(namespace, 'gamma', 1, exampleModel());
    await createDeployment(namespace, 'gamma', { model: 'gamma', version: { policy: 'latestReady' }, serving: { replicas: 1 } });
    await deploymentWhere(namespace, 'gamma', 'version 1 stable', (d) => d.status?.stable?.version === 1 && condition(d, 'Available')?.status === 'True');
    await registerModel(namespace, 'gamma', 2, readFileSync(modelPath('gram')));
    const refused = await deploymentWhere(namespace, 'gamma', 'IncompatibleSignature', (d) => condition(d, 'SignatureCompatible')?.reason === 'IncompatibleSignature');
    expect(condition(refused, 'SignatureCompatible')?.message).toContain('version 2 is not rolled out: input input is missing');
    expect(refused.status?.stable).toEqual({ version: 1, weight: 100 });
    expect(refused.status?.canary).toBeUndefined();
    expect(condition(refused, 'Ready')?.status).toBe('False');
    expect((await inferThroughRoute(namespace, 'gamma')).version).toBe('1');
  }, 600_000);
});

/**
 * The Prometheus provider deciding rollouts, each way: a real Prometheus (built from its Go module) scrapes the
 * serving pods of a Deployment (their pod IPs as targets, kept current as pods come and go, as Kubernetes
 * service discovery would), and the analysis asks it for the canary's error ratio. A healthy version 2 passes
 * its analysis step and is promoted by the steps; a version 3 answering 500s is rolled back, the condition
 * naming the Prometheus metric.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { consoleLogger, startPrometheus, type Prometheus } from '../../../src/testenv/index.js';
import { createNamespace, deleteNamespace, eventually } from '../../harness/kube.js';
import { ensureModels } from '../../unit/serving/models.js';
import { createStorageSecret } from '../dataset/support.js';
import { installCrds } from '../gitsource/support.js';
import { condition, createDeployment, deploymentWhere, exampleModel, faultyModel, inferThroughRoute, kube, registerModel, startServingOperator, type Operator } from './support.js';

/** Keeps Prometheus' targets equal to the Running serving pods of the namespace until stopped. */
function followPods(prometheus: Prometheus, namespace: string): () => Promise<void> {
  let stopped = false;
  const loop = (async () => {
    let last = '';
    while (!stopped) {
      const pods = await kube.list<KubeObject & { status?: { podIP?: string; phase?: string } }>(builtin.pod, { namespace, labelSelector: 'app.kubernetes.io/component=serving' }).catch(() => ({ items: [] }));
      const targets = pods.items.filter((p) => p.status?.phase === 'Running' && p.status.podIP).map((p) => ({ targets: [`${p.status!.podIP}:8080`], labels: { namespace, pod: p.metadata!.name! } }));
      const key = JSON.stringify(targets);
      if (key !== last) await prometheus.setTargets(targets).then(() => (last = key), () => undefined);
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

/** Sends requests through the route until `until` settles. */
async function withTraffic<T>(namespace: string, name: string, until: Promise<T>): Promise<T> {
  let done = false;
  const loop = (async () => {
    while (!done) await inferThroughRoute(namespace, name).catch(() => new Promise((r) => setTimeout(r, 50)));
  })();
  try {
    return await until;
  } finally {
    done = true;
    await loop;
  }
}

describe('the Prometheus provider decides a rollout each way', () => {
  let namespace = '';
  let operator: Operator | undefined;
  let prometheus: Prometheus | undefined;
  let unfollow: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ensureModels();
    await installCrds();
    prometheus = await startPrometheus({ logger: consoleLogger('prometheus') });
    namespace = await createNamespace('deploy-prom');
    await createStorageSecret(namespace);
    unfollow = followPods(prometheus, namespace);
    operator = await startServingOperator(namespace);
  }, 60 * 60_000);
  afterAll(async () => {
    await unfollow?.();
    await operator?.stop();
    await prometheus?.stop();
    if (namespace) await deleteNamespace(namespace);
  });

  test('a healthy canary is promoted by its steps; one answering 500s is rolled back', async () => {
    // Cumulative counters, not rate(): a series Prometheus first sees with errors already counted would read 0
    // under rate() (docs/rollouts.md, "Analysis").
    const canary = 'model="pa",version="{{canary}}"';
    const query = `(sum(cairn_inference_requests_total{${canary},code=~"5.."}) or vector(0)) / sum(cairn_inference_requests_total{${canary}})`;
    await registerModel(namespace, 'pa', 1, exampleModel());
    await createDeployment(namespace, 'pa', {
      model: 'pa',
      version: { policy: 'latestReady' },
      serving: { replicas: 2 },
      strategy: {
        type: 'Canary',
        canary: { steps: [{ setWeight: 50 }, { analysis: {} }] },
        analysis: { interval: '3s', metrics: [{ name: 'prometheus', address: prometheus!.address, query, max: 0.05 }] },
      },
    });
    await deploymentWhere(namespace, 'pa', 'version 1 stable', (d) => d.status?.stable?.version === 1 && condition(d, 'Available')?.status === 'True');

    await registerModel(namespace, 'pa', 2, exampleModel());
    const promoted = await withTraffic(namespace, 'pa', deploymentWhere(namespace, 'pa', 'version 2 promoted by its steps', (d) => d.status?.stable?.version === 2 && d.status.canary === undefined));
    expect(promoted.status?.phase).toBe('Healthy');

    await registerModel(namespace, 'pa', 3, await faultyModel());
    const rolledBack = await withTraffic(namespace, 'pa', deploymentWhere(namespace, 'pa', 'version 3 rolled back', (d) => d.status?.phase === 'RolledBack'));
    expect(rolledBack.status?.stable).toEqual({ version: 2, weight: 100 });
    expect(condition(rolledBack, 'RolledBack')?.message).toMatch(/version 3 rolled back: analysis failed: prometheus \(sum\(cairn_inference_requests_total.* = [\d.]+, above the max 0\.05/);
    await eventually('only version 2 answers', async () => {
      for (let i = 0; i < 6; i++) if ((await inferThroughRoute(namespace, 'pa')).version !== '2') return undefined;
      return true;
    });
  }, 900_000);
});

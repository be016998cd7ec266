/**
 * The controllers are real: a Deployment's pods are scheduled onto kwok's fake nodes and become Ready, and the
 * garbage collector deletes owned objects (background and foreground propagation).
 */
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adminKubeConfig, createNamespace, deleteNamespace, eventually, testenv } from '../harness/kube.js';
import { onKwokNodes } from '../../src/testenv/index.js';
import { isReady, podsWithLabel } from '../harness/workloads.js';

describe('controllers, scheduler and kwok', () => {
  const env = testenv();
  const kc = adminKubeConfig();
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  let namespace = '';
  beforeAll(async () => {
    namespace = await createNamespace('kwok-gc');
  });
  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  test("a Deployment's pods are scheduled onto kwok nodes and become Ready", async () => {
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 4,
          selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: onKwokNodes({ containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] }) },
        },
      },
    });
    const deployment = await eventually('Deployment web with 4 available replicas on kwok nodes', async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace });
      return d.status?.availableReplicas === 4 ? d : undefined;
    });
    expect(deployment.status?.conditions?.find((c) => c.type === 'Available')?.status).toBe('True');
    const pods = await podsWithLabel(namespace, 'app=web');
    expect(pods).toHaveLength(4);
    for (const pod of pods) {
      expect(env.kwokNodes).toContain(pod.spec?.nodeName);
      expect(isReady(pod)).toBe(true);
      expect(pod.status?.podIP).toMatch(/^10\.244\./);
    }
  });

  test('deleting an owner deletes its dependents (background propagation)', async () => {
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' }, data: { a: '1' } } });
    const ownerRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata?.uid ?? '' };
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'child', ownerReferences: [ownerRef] } } });
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'child-secret', ownerReferences: [ownerRef] }, stringData: { k: 'v' } } });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'unowned' } } });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace });
    const gone = async (read: () => Promise<unknown>): Promise<true | undefined> => {
      try {
        await read();
        return undefined;
      } catch (error) {
        return (error as { code?: number }).code === 404 ? true : undefined;
      }
    };
    await eventually('ConfigMap child garbage-collected with its owner', () => gone(() => core.readNamespacedConfigMap({ name: 'child', namespace })));
    await eventually('Secret child-secret garbage-collected with its owner', () => gone(() => core.readNamespacedSecret({ name: 'child-secret', namespace })));
    expect((await core.readNamespacedConfigMap({ name: 'unowned', namespace })).metadata?.name).toBe('unowned');
  });

  test('foreground deletion of a Deployment removes its ReplicaSet and pods before the Deployment', async () => {
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'fg' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'fg' } },
          template: { metadata: { labels: { app: 'fg' } }, spec: onKwokNodes({ containers: [{ name: 'c', image: 'nginx:1.27' }] }) },
        },
      },
    });
    await eventually('Deployment fg with 2 ready replicas', async () => ((await apps.readNamespacedDeployment({ name: 'fg', namespace })).status?.readyReplicas === 2 ? true : undefined));
    const replicaSets = (await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=fg' })).items;
    expect(replicaSets).toHaveLength(1);
    expect(replicaSets[0]?.metadata?.ownerReferences?.[0]?.name).toBe('fg');
    await apps.deleteNamespacedDeployment({ name: 'fg', namespace, propagationPolicy: 'Foreground' });
    // While dependents exist the Deployment is held by the foregroundDeletion finalizer.
    await eventually('Deployment fg gone after its foreground deletion', async () => {
      try {
        await apps.readNamespacedDeployment({ name: 'fg', namespace });
        return undefined;
      } catch {
        return true;
      }
    });
    expect((await apps.listNamespacedReplicaSet({ namespace, labelSelector: 'app=fg' })).items).toHaveLength(0);
    expect(await podsWithLabel(namespace, 'app=fg')).toHaveLength(0);
  });
});

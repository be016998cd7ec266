/**
 * The nodes: kwok's fake nodes and the node agent's local node are Ready; kwok manages only its own; the
 * kwok nodes are tainted so only Pods that tolerate it are faked there, and every other Pod runs for real on the
 * local node; both keep their Leases fresh.
 */
import { CoordinationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, test } from 'vitest';
import { adminKubeConfig, eventually, testenv } from '../harness/kube.js';
import { LOCAL_NODE_LABEL } from '../../src/localnode/index.js';
import { KWOK_TAINT } from '../../src/testenv/index.js';

describe('nodes', () => {
  const env = testenv();
  const kc = adminKubeConfig();
  const core = kc.makeApiClient(CoreV1Api);
  const coordination = kc.makeApiClient(CoordinationV1Api);
  const ready = (node: Awaited<ReturnType<CoreV1Api['readNode']>>): string | undefined => node.status?.conditions?.find((c) => c.type === 'Ready')?.status;

  test('kwok nodes and the local node are Ready; kwok nodes carry the kwok NoSchedule taint; the local node is labelled and untainted (it runs every other pod)', async () => {
    const nodes = (await core.listNode()).items;
    expect(nodes.map((n) => n.metadata?.name).sort()).toEqual([...env.kwokNodes, env.localNode].sort());
    for (const node of nodes) expect(ready(node)).toBe('True');
    const local = nodes.find((n) => n.metadata?.name === env.localNode);
    expect(local?.metadata?.labels?.[LOCAL_NODE_LABEL]).toBe('true');
    expect(local?.spec?.taints ?? []).toEqual([]);
    expect(local?.status?.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    for (const node of nodes.filter((n) => n.metadata?.name !== env.localNode)) {
      expect(node.spec?.taints).toEqual([KWOK_TAINT]);
      expect(node.metadata?.labels?.[LOCAL_NODE_LABEL]).toBeUndefined();
    }
  });

  test('every node Lease is renewed; the local node is held by the agent, not by kwok', async () => {
    const leases = async (): Promise<Map<string, { holder: string; renewed: number }>> =>
      new Map(
        (await coordination.listNamespacedLease({ namespace: 'kube-node-lease' })).items.map((l) => [
          l.metadata?.name ?? '',
          { holder: l.spec?.holderIdentity ?? '', renewed: new Date(l.spec?.renewTime ?? 0).getTime() },
        ]),
      );
    const first = await leases();
    expect([...first.keys()].sort()).toEqual([...env.kwokNodes, env.localNode].sort());
    expect(first.get(env.localNode)?.holder).toBe(env.localNode);
    for (const name of env.kwokNodes) expect(first.get(name)?.holder).not.toBe(env.localNode);
    await eventually('every node Lease renewed after the first look', async () => {
      const now = await leases();
      return [...first].every(([name, lease]) => (now.get(name)?.renewed ?? 0) > lease.renewed) ? true : undefined;
    }, { intervalMs: 1_000 });
  });
});

/**
 * Leader election on the real API server. In-process: two managers with a controller, each behind its own
 * network path; only the leader reconciles and writes, and when the leader is cut off (as if killed) the other
 * takes over and reconciles everything. As processes: two `cairn operator --leader-elect` replicas; SIGKILL of
 * the leader hands the Lease over, SIGTERM exits 0 and releases it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/runtime/clock.js';
import type { ControllerFactory } from '../../../src/runtime/controller.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import type { Lease } from '../../../src/runtime/leader-election.js';
import { Manager } from '../../../src/runtime/manager.js';
import { createOperatorMetrics } from '../../../src/runtime/metrics.js';
import { Registry } from 'prom-client';
import { createNamespace, deleteNamespace, eventually, testenv } from '../../harness/kube.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { installCrds } from '../gitsource/support.js';
import { TcpProxy } from './tcp-proxy.js';
import { adminClient, kubeConfigVia, memoryLogger } from './support.js';

type ConfigMap = KubeObject & { metadata: { annotations?: Record<string, string>; managedFields?: Array<{ manager: string }> } };

const admin = adminClient();
const leaseOf = (ns: string) => admin.get<Lease>(builtin.lease, 'cairn-operator', ns);

/** Annotates every labelled ConfigMap with the identity of the replica that reconciled it. */
function stamping(identity: string, reconciled: string[]): ControllerFactory {
  return (deps) => ({
    name: 'stamp',
    for: builtin.configMap,
    predicate: (e) => e.object.metadata?.labels?.stamp === 'yes',
    reconcile: async (req) => {
      const cm = deps.informers.for(builtin.configMap).get(req.name, req.namespace);
      if (cm?.metadata?.labels?.stamp !== 'yes') return;
      reconciled.push(req.name);
      await deps.kube.apply(
        builtin.configMap,
        { metadata: { name: req.name, namespace: req.namespace, annotations: { 'reconciled-by': identity } } },
        { fieldManager: `cairn-${identity}`, force: true },
      );
    },
  });
}

describe('leader election between two in-process replicas', () => {
  let ns = '';
  const proxies: TcpProxy[] = [];
  const managers: Manager[] = [];

  beforeAll(async () => {
    ns = await createNamespace('rt-leader');
  });
  afterAll(async () => {
    for (const p of proxies) p.heal();
    await Promise.all(managers.map((m) => m.stop()));
    await Promise.all(proxies.map((p) => p.close()));
    if (ns) await deleteNamespace(ns);
  });

  async function replica(identity: string) {
    const proxy = await TcpProxy.forServer(testenv().server).start();
    proxies.push(proxy);
    const reconciled: string[] = [];
    const manager = new Manager({
      kube: new HttpKubeClient(kubeConfigVia(proxy.url)),
      clock: systemClock(),
      log: memoryLogger('warn').log,
      metrics: createOperatorMetrics(new Registry()),
      settings: { allowFileUrls: false, gitCacheDir: '/tmp/unused', fieldManager: 'cairn' },
      identity,
      namespaces: [ns],
      leaderElection: { namespace: ns, leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 },
      drainTimeoutMs: 2_000,
    });
    manager.add(stamping(identity, reconciled));
    managers.push(manager);
    return { identity, proxy, manager, reconciled };
  }

  it('only the leader reconciles and writes; cutting off the leader hands over to the other', async () => {
    const a = await replica('replica-a');
    const b = await replica('replica-b');
    let overlap = false;
    const watchOverlap = setInterval(() => {
      if (a.manager.isLeader() && b.manager.isLeader()) overlap = true;
    }, 20);
    try {
      a.manager.start();
      b.manager.start();
      const leader = await eventually('one of the two managers leader', async () => (a.manager.isLeader() ? a : b.manager.isLeader() ? b : undefined));
      const follower = leader === a ? b : a;
      expect((await leaseOf(ns))?.spec?.holderIdentity).toBe(leader.identity);
      await eventually('follower manager ready', async () => (follower.manager.ready() ? true : undefined));

      await admin.create(builtin.configMap, { metadata: { name: 'c1', namespace: ns, labels: { stamp: 'yes' } } });
      const c1 = await eventually('ConfigMap c1 stamped by the leader', async () => {
        const cm = await admin.get<ConfigMap>(builtin.configMap, 'c1', ns);
        return cm?.metadata.annotations?.['reconciled-by'] ? cm : undefined;
      });
      expect(c1.metadata.annotations?.['reconciled-by']).toBe(leader.identity);
      expect(follower.reconciled).toEqual([]);
      expect(follower.manager.enqueue('stamp', `${ns}/c1`)).toBe(false);

      // The leader loses the API server for good, as if killed: it steps down, the follower takes over.
      leader.proxy.partition();
      await eventually('follower took over the Lease', async () => (follower.manager.isLeader() ? true : undefined));
      await eventually('cut-off leader stepped down', async () => (!leader.manager.isLeader() ? true : undefined));
      expect((await leaseOf(ns))?.spec?.holderIdentity).toBe(follower.identity);
      // The new leader's first pass reconciles what exists, and it follows new changes.
      await eventually('ConfigMap c1 stamped again by the new leader', async () => ((await admin.get<ConfigMap>(builtin.configMap, 'c1', ns))?.metadata.annotations?.['reconciled-by'] === follower.identity ? true : undefined));
      await admin.create(builtin.configMap, { metadata: { name: 'c2', namespace: ns, labels: { stamp: 'yes' } } });
      const c2 = await eventually('ConfigMap c2 stamped', async () => {
        const cm = await admin.get<ConfigMap>(builtin.configMap, 'c2', ns);
        return cm?.metadata.annotations?.['reconciled-by'] ? cm : undefined;
      });
      expect(c2.metadata.annotations?.['reconciled-by']).toBe(follower.identity);
      expect(c2.metadata.managedFields?.map((f) => f.manager)).not.toContain(`cairn-${leader.identity}`);
      expect(leader.reconciled).not.toContain('c2');
      expect(overlap).toBe(false);
    } finally {
      clearInterval(watchOverlap);
    }
  });
});

function startLeaderElectedOperator(ns: string): Promise<OperatorProcess> {
  return startOperatorProcess(['--leader-elect', '--lease-namespace', ns, '--namespaces', ns, '--drain-timeout-s', '5']);
}

describe('cairn operator --leader-elect as processes', () => {
  let ns = '';
  const processes: OperatorProcess[] = [];

  beforeAll(async () => {
    // The operator's informers list the Cairn kinds: it is never ready without their CRDs.
    await installCrds();
    ns = await createNamespace('rt-operator');
  });
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    if (ns) await deleteNamespace(ns);
  });

  it('elects one replica, hands over when it is killed, and releases the Lease on SIGTERM with exit code 0', async () => {
    const first = await startLeaderElectedOperator(ns);
    const second = await startLeaderElectedOperator(ns);
    processes.push(first, second);
    const holder = await eventually('one of the two operator processes holds the Lease', async () => {
      const h = (await leaseOf(ns))?.spec?.holderIdentity;
      return h === first.identity || h === second.identity ? h : undefined;
    });
    const leader = holder === first.identity ? first : second;
    const follower = leader === first ? second : first;
    // Both serve probes and metrics; only the leader reports itself as leader.
    // Holding the Lease comes before the caches are synced: readiness follows when every informer has listed.
    for (const p of [leader, follower]) {
      await eventually(`${p.identity} /readyz 200`, async () => {
        const answer = await fetch(`${p.address}/readyz`);
        if (answer.status !== 200) throw new Error(`/readyz ${answer.status}: ${await answer.text()}`);
        return true;
      });
    }
    const leaderMetric = (p: OperatorProcess) => fetch(`${p.address}/metrics`).then((r) => r.text()).then((t) => /cairn_leader\{lease="[^"]+"\} (\d)/.exec(t)?.[1]);
    await eventually('cairn_leader metric 1 on the leader', async () => ((await leaderMetric(leader)) === '1' ? true : undefined));
    expect(await leaderMetric(follower)).not.toBe('1');

    leader.child.kill('SIGKILL');
    await leader.exit;
    await eventually('follower holds the Lease after the leader was SIGKILLed', async () => ((await leaseOf(ns))?.spec?.holderIdentity === follower.identity ? true : undefined));
    await eventually('follower logs "Acquired leader Lease"', async () => (follower.lines.some((l) => l.msg === 'Acquired leader Lease') ? true : undefined));

    follower.child.kill('SIGTERM');
    expect(await follower.exit).toBe(0);
    const released = await leaseOf(ns);
    expect(released?.spec?.holderIdentity).toBe('');
    expect(follower.lines.some((l) => l.msg === 'Released leader Lease')).toBe(true);
    expect(follower.lines.some((l) => l.msg === 'Stopped operator')).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { FakeClock, FakeKube } from '../../support/index.js';
import type { KubeClient } from '../../../src/runtime/kube/client.js';
import { KubeApiError } from '../../../src/runtime/kube/errors.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { LeaderElector, type Lease } from '../../../src/runtime/leader-election.js';
import { captureLogger, settle } from './helpers.js';

/** A client that can be cut off from the API server, like a replica behind a network partition. */
function partitionable(kube: KubeClient) {
  const state = { cut: false };
  const guard = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A) => {
    if (state.cut) throw new KubeApiError(0, 'Unavailable', 'connection refused');
    return f(...a);
  };
  const client: KubeClient = {
    get: guard(kube.get.bind(kube)),
    list: guard(kube.list.bind(kube)),
    watch: guard(kube.watch.bind(kube)),
    create: guard(kube.create.bind(kube)),
    replace: guard(kube.replace.bind(kube)),
    apply: guard(kube.apply.bind(kube)),
    applyStatus: guard(kube.applyStatus.bind(kube)),
    patch: guard(kube.patch.bind(kube)),
    delete: guard(kube.delete.bind(kube)),
  } as KubeClient;
  return { client, state };
}

function cluster() {
  const kube = new FakeKube();
  const clock = new FakeClock();
  const timeline: Array<{ at: number; who: string; event: 'start' | 'stop' }> = [];
  const leading = new Set<string>();
  let overlap = false;
  const replica = (identity: string) => {
    const net = partitionable(kube);
    const elector = new LeaderElector({ kube: net.client, clock, log: captureLogger('silent').log, namespace: 'cairn-system', identity });
    elector.run({
      onStartedLeading: () => {
        if (leading.size > 0) overlap = true;
        leading.add(identity);
        timeline.push({ at: clock.now(), who: identity, event: 'start' });
      },
      onStoppedLeading: () => {
        leading.delete(identity);
        timeline.push({ at: clock.now(), who: identity, event: 'stop' });
      },
    });
    return { elector, net };
  };
  const run = async (ms: number, step = 250) => {
    for (let t = 0; t < ms; t += step) {
      clock.advance(step);
      await settle(3);
    }
  };
  const lease = () => kube.get<Lease>(builtin.lease, 'cairn-operator', 'cairn-system');
  return { kube, clock, replica, run, timeline, leading, lease, overlap: () => overlap };
}

describe('LeaderElector', () => {
  it('lets exactly one of two replicas lead while the leader keeps renewing', async () => {
    const c = cluster();
    const a = c.replica('a');
    await settle();
    const b = c.replica('b');
    await c.run(120_000);
    expect([...c.leading]).toEqual(['a']);
    expect(a.elector.isLeader()).toBe(true);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.elector.observedLeader()).toBe('a');
    expect((await c.lease())?.spec?.holderIdentity).toBe('a');
    expect(c.overlap()).toBe(false);
  });

  it('hands over when the leader dies: the leader steps down before the other takes the expired Lease', async () => {
    const c = cluster();
    const a = c.replica('a');
    await settle();
    c.replica('b');
    await c.run(10_000);
    a.net.state.cut = true; // the leader can no longer reach the API server (crashed, partitioned)
    await c.run(40_000);
    expect([...c.leading]).toEqual(['b']);
    const stopA = c.timeline.find((e) => e.who === 'a' && e.event === 'stop')!;
    const startB = c.timeline.find((e) => e.who === 'b' && e.event === 'start')!;
    expect(stopA).toBeDefined();
    expect(startB.at).toBeGreaterThan(stopA.at);
    expect(c.overlap()).toBe(false);
    const lease = await c.lease();
    expect(lease?.spec?.holderIdentity).toBe('b');
    expect(lease?.spec?.leaseTransitions).toBe(1);
  });

  it('a leader that finds another holder steps down at once', async () => {
    const c = cluster();
    const a = c.replica('a');
    await c.run(3_000);
    const lease = (await c.lease())!;
    // Someone else took the Lease behind a's back (e.g. an operator of a newer release with shorter timings).
    await c.kube.replace(builtin.lease, { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder' } });
    await c.run(3_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(c.timeline.map((e) => `${e.who} ${e.event}`)).toEqual(['a start', 'a stop']);
  });

  it('releases the Lease on stop so the standby takes over without waiting for expiry', async () => {
    const c = cluster();
    const a = c.replica('a');
    await settle();
    c.replica('b');
    await c.run(5_000);
    const stopped = a.elector.stop();
    await c.run(1_000);
    await stopped;
    expect((await c.lease())?.spec?.holderIdentity).not.toBe('a');
    const before = c.clock.now();
    await c.run(5_000);
    const startB = c.timeline.find((e) => e.who === 'b' && e.event === 'start')!;
    expect(startB).toBeDefined();
    expect(startB.at - before).toBeLessThan(15_000); // did not wait for the 15 s lease duration
    expect(c.overlap()).toBe(false);
  });

  it('rejects timings where the leader could outlive its Lease', () => {
    const kube = new FakeKube();
    expect(
      () => new LeaderElector({ kube, clock: new FakeClock(), log: captureLogger('silent').log, namespace: 'x', identity: 'a', leaseDurationMs: 5_000, renewDeadlineMs: 5_000 }),
    ).toThrow(/renewDeadline/);
  });
});

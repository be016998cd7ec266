import { describe, expect, it } from 'vitest';
import type { ControllerFactory, ReconcileRequest } from '../../../src/runtime/controller.js';
import { FakeClock, FakeKube } from '../../support/index.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { Manager } from '../../../src/runtime/manager.js';
import { generationChanged } from '../../../src/runtime/predicates.js';
import { captureLogger, metrics, settle, widget, widgets } from './helpers.js';

const settings = { allowFileUrls: false, gitCacheDir: '/tmp/x', fieldManager: 'cairn' };

function manager(kube: FakeKube, clock: FakeClock, leaderElection?: { namespace: string }, identity = 'replica-a') {
  return new Manager({ kube, clock, log: captureLogger('silent').log, metrics: metrics().metrics, settings, identity, leaderElection });
}

/** A controller recording its reconciles, writing a status through the guarded client. */
function recording(calls: string[], opts: { predicate?: boolean } = {}): ControllerFactory {
  return (deps) => ({
    name: 'widget',
    for: widgets,
    predicate: opts.predicate ? generationChanged : undefined,
    owns: [builtin.configMap],
    watches: [{ resource: builtin.secret, map: (s) => [`${s.metadata?.namespace}/${s.metadata?.labels?.widget ?? ''}`] }],
    reconcile: async (req: ReconcileRequest) => {
      calls.push(req.key);
      const cached = deps.informers.for(widgets).get(req.name, req.namespace);
      if (!cached) return;
      await deps.kube.applyStatus(widgets, { ...widget(req.namespace!, req.name), status: { seen: true } }, { fieldManager: 'cairn' });
    },
  });
}

describe('Manager', () => {
  it('reconciles every existing object once the caches synced, then follows changes of the kind, its children and watched kinds', async () => {
    const kube = new FakeKube();
    const clock = new FakeClock();
    kube.seed(widgets, widget('ml', 'a'));
    kube.seed(widgets, widget('ml', 'b'));
    const calls: string[] = [];
    const m = manager(kube, clock);
    m.add(recording(calls, { predicate: true }));
    m.start();
    await settle(10);
    expect(calls.sort()).toEqual(['ml/a', 'ml/b']);
    expect(m.ready()).toBe(true);
    calls.length = 0;
    await kube.apply(widgets, widget('ml', 'a', { size: 3 }), { fieldManager: 'test' }); // spec change
    await kube.create(builtin.configMap, {
      metadata: { name: 'a-child', namespace: 'ml', ownerReferences: [{ apiVersion: 'test.cairn.dev/v1', kind: 'Widget', name: 'b', uid: 'u', controller: true }] },
    });
    await kube.create(builtin.secret, { metadata: { name: 's', namespace: 'ml', labels: { widget: 'c' } } });
    await settle(10);
    expect(calls.sort()).toEqual(['ml/a', 'ml/b', 'ml/c']);
    // The status writes of the reconciles did not trigger reconciles again (generationChanged predicate).
    calls.length = 0;
    await settle(10);
    expect(calls).toEqual([]);
    await m.stop();
  });

  it('with leader election, reconciles and writes only while leading', async () => {
    const kube = new FakeKube();
    const clock = new FakeClock();
    kube.seed(widgets, widget('ml', 'a'));
    const callsA: string[] = [];
    const callsB: string[] = [];
    const a = manager(kube, clock, { namespace: 'cairn-system' }, 'a');
    const b = manager(kube, clock, { namespace: 'cairn-system' }, 'b');
    a.add(recording(callsA, { predicate: true }));
    b.add(recording(callsB, { predicate: true }));
    a.start();
    await settle(10);
    b.start();
    for (let i = 0; i < 40; i++) {
      clock.advance(500);
      await settle(3);
    }
    expect(a.isLeader()).toBe(true);
    expect(b.isLeader()).toBe(false);
    expect(b.ready()).toBe(true); // a standby is ready: its caches are warm
    expect(callsA).toEqual(['ml/a']);
    expect(callsB).toEqual([]);
    expect(b.enqueue('widget', 'ml/a')).toBe(false);
    // The standby's client refuses writes.
    await expect(b.deps.kube.applyStatus(widgets, { ...widget('ml', 'a'), status: { by: 'b' } }, { fieldManager: 'cairn' })).rejects.toThrow(/Write refused/);
    // Graceful stop of the leader hands over at once.
    const stopping = a.stop();
    for (let i = 0; i < 20; i++) {
      clock.advance(500);
      await settle(3);
    }
    await stopping;
    expect(b.isLeader()).toBe(true);
    expect(callsB).toEqual(['ml/a']);
    await b.stop();
  });
});

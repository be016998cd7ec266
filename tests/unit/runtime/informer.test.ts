import { describe, expect, it } from 'vitest';
import { FakeClock, FakeKube } from '../../support/index.js';
import { Informer, type InformerEvent } from '../../../src/runtime/informer.js';
import { KubeApiError } from '../../../src/runtime/kube/errors.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { captureLogger, metrics, settle, widget, widgets } from './helpers.js';

function setup(namespaces?: string[]) {
  const kube = new FakeKube();
  const clock = new FakeClock();
  const { log, lines } = captureLogger('warn');
  const m = metrics();
  const informer = new Informer<KubeObject & { spec?: Record<string, unknown> }>({ kube, resource: widgets, namespaces, clock, log, metrics: m.metrics });
  const events: Array<InformerEvent<KubeObject>> = [];
  informer.on((e) => events.push(e));
  const seen = () => events.map((e) => `${e.type} ${e.object.metadata?.namespace}/${e.object.metadata?.name}`);
  return { kube, clock, informer, events, seen, lines, registry: m.registry };
}

describe('Informer', () => {
  it('lists, then follows adds, updates and deletes', async () => {
    const { kube, informer, seen } = setup();
    kube.seed(widgets, widget('a', 'one'));
    informer.start();
    expect(await informer.waitForSync()).toBe(true);
    expect(informer.get('one', 'a')?.metadata?.name).toBe('one');
    await kube.create(widgets, widget('b', 'two'));
    await kube.apply(widgets, widget('a', 'one', { size: 2 }), { fieldManager: 't' });
    await kube.delete(widgets, 'two', 'b');
    await settle();
    expect(seen()).toEqual(['add a/one', 'add b/two', 'update a/one', 'delete b/two']);
    expect(informer.get('one', 'a')?.spec).toEqual({ size: 2 });
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['one']);
    await informer.stop();
  });

  it.each([
    { namespace: 'a', want: ['one', 'three'] },
    { namespace: 'b', want: [] },
    { namespace: 'c', want: ['two'] },
    { namespace: 'none', want: [] },
    { namespace: undefined, want: ['one', 'three', 'two'] },
  ])('lists namespace $namespace from its index, after adds, updates and deletes', async ({ namespace, want }) => {
    const { kube, informer } = setup();
    kube.seed(widgets, widget('a', 'one'));
    kube.seed(widgets, widget('b', 'gone'));
    informer.start();
    await informer.waitForSync();
    await kube.create(widgets, widget('c', 'two'));
    await kube.create(widgets, widget('a', 'three'));
    await kube.apply(widgets, widget('a', 'one', { size: 2 }), { fieldManager: 't' });
    await kube.delete(widgets, 'gone', 'b');
    await settle();
    expect(informer.list(namespace).map((o) => o.metadata?.name).sort()).toEqual(want);
    if (namespace === 'a') expect(informer.list('a').find((o) => o.metadata?.name === 'one')?.spec).toEqual({ size: 2 });
    await informer.stop();
  });

  it('caches objects without managedFields, from the list and from the watch', async () => {
    const { kube, informer } = setup();
    const managedFields = [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }];
    kube.seed(widgets, { ...widget('a', 'one'), metadata: { name: 'one', namespace: 'a', managedFields } } as KubeObject);
    informer.start();
    await informer.waitForSync();
    await kube.create(widgets, { ...widget('a', 'two'), metadata: { name: 'two', namespace: 'a', labels: { x: 'y' }, managedFields } } as KubeObject);
    await settle();
    for (const name of ['one', 'two']) {
      expect(informer.get(name, 'a')?.metadata?.name).toBe(name);
      expect(informer.get(name, 'a')?.metadata).not.toHaveProperty('managedFields');
    }
    expect(informer.get('two', 'a')?.metadata?.labels).toEqual({ x: 'y' });
    await informer.stop();
  });

  it('hands out frozen objects: a reconciler cannot mutate the cache', async () => {
    const { kube, informer } = setup();
    kube.seed(widgets, widget('a', 'one', { size: 1 }));
    informer.start();
    await informer.waitForSync();
    const cached = informer.get('one', 'a') as unknown as { spec: { size: number }; metadata: { labels?: object } };
    expect(() => {
      cached.spec.size = 9;
    }).toThrow(TypeError);
    expect(() => {
      cached.metadata.labels = {};
    }).toThrow(TypeError);
    expect(informer.get('one', 'a')?.spec).toEqual({ size: 1 });
    await informer.stop();
  });

  it('restarts the watch with backoff after an error and resumes from the last resourceVersion', async () => {
    const { kube, clock, informer, seen, lines, registry } = setup();
    informer.start();
    await informer.waitForSync();
    const listsBefore = kube.actions.filter((a) => a.verb === 'list').length;
    kube.breakWatches(new KubeApiError(0, 'Unavailable', 'connection reset'));
    await settle();
    expect(informer.health().watching).toBe(false);
    expect(lines.some((l) => l.msg === 'Watch failed, restarting')).toBe(true);
    // A change made while no watch is open is delivered after the restart, not lost.
    await kube.create(widgets, widget('a', 'during-outage'));
    await settle();
    expect(seen()).toEqual([]);
    clock.advance(30_000);
    await settle();
    expect(seen()).toEqual(['add a/during-outage']);
    expect(informer.health().watching).toBe(true);
    // It resumed the watch; it did not need to relist.
    expect(kube.actions.filter((a) => a.verb === 'list').length).toBe(listsBefore);
    expect(await registry.getSingleMetricAsString('cairn_informer_restarts_total')).toContain('resource="widgets.test.cairn.dev"} 1');
    await informer.stop();
  });

  it('keeps retrying while the API server stays down, with growing delays', async () => {
    const { kube, clock, informer } = setup();
    informer.start();
    await informer.waitForSync();
    let refuse = true;
    kube.beforeRequest = (a) => {
      if (refuse && a.verb === 'watch') throw new KubeApiError(0, 'Unavailable', 'connect ECONNREFUSED');
    };
    kube.breakWatches(new Error('EOF'));
    await settle();
    const watchesAt = (ms: number) => {
      clock.advance(ms);
      return settle().then(() => kube.actions.filter((a) => a.verb === 'watch').length);
    };
    const counts = [await watchesAt(1_000), await watchesAt(2_000), await watchesAt(4_000), await watchesAt(30_000), await watchesAt(30_000)];
    // Several attempts, each failing, the loop never gives up.
    expect(counts[4]!).toBeGreaterThan(counts[0]!);
    refuse = false;
    await watchesAt(30_000);
    expect(informer.health().watching).toBe(true);
    await informer.stop();
  });

  it('relists on 410 Gone and reports the deletes it missed', async () => {
    const { kube, clock, informer, seen } = setup();
    kube.seed(widgets, widget('a', 'keep'));
    kube.seed(widgets, widget('a', 'doomed'));
    informer.start();
    await informer.waitForSync();
    kube.breakWatches(new Error('connection dropped'));
    await settle();
    await kube.delete(widgets, 'doomed', 'a');
    kube.compact(); // the resourceVersion the informer holds is now too old
    clock.advance(30_000);
    await settle(10);
    expect(seen()).toEqual(['add a/keep', 'add a/doomed', 'delete a/doomed']);
    expect(informer.list().map((o) => o.metadata?.name)).toEqual(['keep']);
    expect(informer.health().watching).toBe(true);
    await informer.stop();
  });

  it('watches only the given namespaces, one stream each, and syncs when all have listed', async () => {
    const { kube, informer, seen } = setup(['a', 'b']);
    kube.seed(widgets, widget('a', 'in-a'));
    kube.seed(widgets, widget('c', 'in-c'));
    informer.start();
    expect(await informer.waitForSync()).toBe(true);
    await kube.create(widgets, widget('b', 'in-b'));
    await kube.create(widgets, widget('c', 'also-in-c'));
    await settle();
    expect(seen()).toEqual(['add a/in-a', 'add b/in-b']);
    expect(kube.openWatches()).toBe(2);
    await informer.stop();
    expect(kube.openWatches()).toBe(0);
  });
});

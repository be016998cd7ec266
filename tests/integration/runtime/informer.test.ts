/**
 * Informers on the real API server: they see adds, updates and deletes of built-in and custom resources, and
 * recover when the network between them and the API server breaks (connections cut mid-watch, then refused
 * for a while): the changes made meanwhile, deletes included, reach the cache once it is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/runtime/clock.js';
import { Informer, type InformerEvent } from '../../../src/runtime/informer.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { createNamespace, deleteNamespace, eventually, testenv } from '../../harness/kube.js';
import { TcpProxy } from './tcp-proxy.js';
import { adminClient, kubeConfigVia, memoryLogger, widgetCrd, widgets } from './support.js';

type ConfigMap = KubeObject & { data?: Record<string, string> };

describe('Informer on a real API server', () => {
  const admin = adminClient();
  let ns = '';
  let proxy: TcpProxy;

  beforeAll(async () => {
    ns = await createNamespace('rt-informer');
    proxy = await TcpProxy.forServer(testenv().server).start();
  });
  afterAll(async () => {
    await proxy?.close();
    if (ns) await deleteNamespace(ns);
  });

  function informerOf<T extends KubeObject>(resource = builtin.configMap) {
    const { log, lines } = memoryLogger('warn');
    const kube = new HttpKubeClient(kubeConfigVia(proxy.url));
    const informer = new Informer<T>({ kube, resource, namespaces: [ns], clock: systemClock(), log, backoff: { baseMs: 200, maxMs: 2_000 } });
    const events: Array<InformerEvent<T>> = [];
    informer.on((e) => events.push(e));
    const seen = (type: string, name: string) => events.some((e) => e.type === type && e.object.metadata?.name === name);
    return { informer, events, seen, lines };
  }

  it('sees adds, updates and deletes of ConfigMaps', async () => {
    await admin.create(builtin.configMap, { metadata: { name: 'before', namespace: ns }, data: { v: '0' } });
    const { informer, seen } = informerOf<ConfigMap>();
    informer.start();
    expect(await informer.waitForSync()).toBe(true);
    expect(informer.get('before', ns)?.data).toEqual({ v: '0' });
    await admin.create(builtin.configMap, { metadata: { name: 'cm', namespace: ns }, data: { v: '1' } });
    await eventually('informer saw the add of ConfigMap cm', async () => (seen('add', 'cm') ? true : undefined));
    await admin.patch(builtin.configMap, 'cm', ns, { data: { v: '2' } }, { type: 'merge' });
    await eventually('informer cache has ConfigMap cm with v=2', async () => (informer.get('cm', ns)?.data?.v === '2' ? true : undefined));
    expect(seen('update', 'cm')).toBe(true);
    await admin.delete(builtin.configMap, 'cm', ns);
    await eventually('informer saw the delete of ConfigMap cm', async () => (seen('delete', 'cm') ? true : undefined));
    expect(informer.get('cm', ns)).toBeUndefined();
    await informer.stop();
  });

  it('sees a custom resource and keeps it frozen', async () => {
    await admin.apply(builtin.customResourceDefinition, widgetCrd, { fieldManager: 'cairn-tests', force: true });
    const { informer, seen } = informerOf<KubeObject & { spec?: { size?: number } }>(widgets);
    // Until the CRD is served the list fails with 404: the informer retries with backoff, then syncs.
    informer.start();
    await eventually('Widget w applied once the CRD is served', async () => admin.apply(widgets, { apiVersion: 'runtime.test.cairn.dev/v1', kind: 'Widget', metadata: { name: 'w', namespace: ns }, spec: { size: 3 } }, { fieldManager: 'cairn' }));
    expect(await informer.waitForSync()).toBe(true);
    await eventually('informer saw the add of Widget w', async () => (seen('add', 'w') ? true : undefined));
    const cached = informer.get('w', ns)!;
    expect(cached.spec?.size).toBe(3);
    expect(Object.isFrozen(cached.spec)).toBe(true);
    await informer.stop();
  });

  it('recovers after the connection to the API server is cut and refused, missing no change', async () => {
    await admin.create(builtin.configMap, { metadata: { name: 'doomed', namespace: ns } });
    const { informer, seen, lines } = informerOf<ConfigMap>();
    informer.start();
    await informer.waitForSync();
    expect(informer.get('doomed', ns)).toBeDefined();
    await eventually('informer watching', async () => (informer.health().watching ? true : undefined));

    proxy.partition(); // the watch stream is cut and new connections are refused
    await eventually('informer logs "Watch failed, restarting" after the partition', async () => (lines.some((l) => l.msg === 'Watch failed, restarting') ? true : undefined));
    // Changes while the informer cannot see the API server.
    await admin.create(builtin.configMap, { metadata: { name: 'during-outage', namespace: ns }, data: { v: 'x' } });
    await admin.delete(builtin.configMap, 'doomed', ns);
    expect(informer.get('during-outage', ns)).toBeUndefined();

    proxy.heal();
    await eventually('informer cache has ConfigMap during-outage (created during the outage)', async () => (informer.get('during-outage', ns)?.data?.v === 'x' ? true : undefined));
    await eventually('informer cache lost ConfigMap doomed (deleted during the outage)', async () => (informer.get('doomed', ns) === undefined ? true : undefined));
    expect(seen('delete', 'doomed')).toBe(true);
    await eventually('informer watching again after the outage', async () => (informer.health().watching ? true : undefined));
    // And it keeps following changes after the outage.
    await admin.create(builtin.configMap, { metadata: { name: 'after', namespace: ns } });
    await eventually('informer saw the add of ConfigMap after', async () => (seen('add', 'after') ? true : undefined));
    await informer.stop();
  });
});

/**
 * The kit's applyChildrenWithStatus over an in-memory API (FakeKube) and real informers: the children and the
 * status are written at the same time, a failed apply is written into the status afterwards, and the prunes are
 * not waited for.
 */
import { describe, expect, it } from 'vitest';
import { kindConditions, kindController, type ReconciledObject, type Scope } from '../../../../src/controllers/kit/index.js';
import type { KubeObject } from '../../../../src/runtime/kube/object.js';
import { builtin } from '../../../../src/runtime/kube/resource.js';
import { widget, widgets } from '../../runtime/helpers.js';
import { controllerDeps } from '../deps.js';

type Widget = ReconciledObject & { spec: { size?: number }; status?: { size?: number } };

const child = (owner: Widget, name: string): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'ml', labels: { 'app.kubernetes.io/managed-by': 'cairn' }, ownerReferences: [{ apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata.name, uid: owner.metadata.uid!, controller: true }] },
    data: { size: String(owner.spec.size ?? 0) },
  }) as KubeObject;

/** A one-shot signal, and a wait for it that gives up after `ms` with `message`. */
function signal() {
  let fire!: () => void;
  const fired = new Promise<void>((resolve) => (fire = resolve));
  const within = (ms: number, message: string) => Promise.race([fired, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref())]);
  return { fire, within };
}

async function setup(step: (scope: Scope<Widget>) => void) {
  const { deps, kube, informers, ctx, settle } = controllerDeps();
  const def = kindController<Widget>(deps, { name: 'widget', resource: widgets, conditions: kindConditions(), steps: [step], children: [builtin.configMap] });
  informers.start();
  await informers.waitForSync();
  await kube.create(widgets, widget('ml', 'w', { size: 1 }));
  const reconcile = async (): Promise<unknown> => {
    await settle();
    return def.reconcile({ key: 'ml/w', namespace: 'ml', name: 'w' }, ctx).then(
      () => undefined,
      (error: unknown) => error,
    );
  };
  const conditions = async () => ((await kube.get<Widget>(widgets, 'w', 'ml'))?.status as { conditions?: Array<{ type: string; status: string; reason: string }> }).conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`);
  return { kube, reconcile, conditions };
}

describe('kit driver: applyChildrenWithStatus', () => {
  it('writes the children and the status at the same time, not one after the other', async () => {
    const t = await setup((s) => {
      s.status.size = s.object.spec.size ?? 0;
      s.applyChildrenWithStatus([child(s.object, 'w-table')], 'TableApplyFailed');
    });
    // Each write goes through only once the other one has started: one after the other, the first one fails.
    const started = { apply: signal(), applyStatus: signal() };
    const [apply, applyStatus] = [t.kube.apply.bind(t.kube), t.kube.applyStatus.bind(t.kube)];
    t.kube.apply = async (...args) => (started.apply.fire(), await started.applyStatus.within(2_000, 'the child waited for the status write'), apply(...args));
    t.kube.applyStatus = async (...args) => (started.applyStatus.fire(), await started.apply.within(2_000, 'the status waited for the child'), applyStatus(...args));
    expect(await t.reconcile()).toBeUndefined();
    expect((await t.kube.get<KubeObject & { data: object }>(builtin.configMap, 'w-table', 'ml'))?.data).toEqual({ size: '1' });
    expect(await t.conditions()).toEqual(['Ready=True/Succeeded']);
    expect(t.kube.actions.filter((a) => a.verb === 'applyStatus')).toHaveLength(1);
  });

  it('a failed apply: its reason in Ready, written after the first status, and the error thrown for the backoff', async () => {
    const t = await setup((s) => s.applyChildrenWithStatus([child(s.object, 'w-table')], 'TableApplyFailed'));
    t.kube.beforeRequest = (action) => {
      if (action.verb === 'apply') throw new Error('etcd timeout');
    };
    const error = await t.reconcile();
    expect(error).toMatchObject({ name: 'TransientError', reason: 'TableApplyFailed' });
    expect((error as Error).message).toMatch(/^ConfigMap w-table: apply failed: .*etcd timeout/);
    expect(await t.conditions()).toEqual(['Ready=False/TableApplyFailed', 'Reconciling=True/ProgressingWithRetry']);
    expect(t.kube.actions.filter((a) => a.verb === 'applyStatus')).toHaveLength(2);
  });

  it('refuses a second call in one reconcile (it would prune the first call\'s children)', async () => {
    const t = await setup((s) => {
      s.applyChildrenWithStatus([child(s.object, 'a')], 'X');
      s.applyChildrenWithStatus([child(s.object, 'b')], 'X');
    });
    expect(await t.reconcile()).toMatchObject({ message: expect.stringMatching(/called twice/) });
  });

  it('does not wait for the prunes, and a child whose delete is in flight is not deleted again', async () => {
    let desired = ['w-a'];
    const t = await setup((s) => s.applyChildrenWithStatus(desired.map((name) => child(s.object, name)), 'X'));
    expect(await t.reconcile()).toBeUndefined();
    desired = [];
    const released = signal();
    const deletes: string[] = [];
    const remove = t.kube.delete.bind(t.kube);
    t.kube.delete = async (...args) => (deletes.push(args[1]), await released.within(5_000, 'never released'), remove(...args));
    expect(await t.reconcile()).toBeUndefined();
    expect(await t.reconcile()).toBeUndefined();
    expect(deletes).toEqual(['w-a']);
    released.fire();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await t.kube.get(builtin.configMap, 'w-a', 'ml')).toBeUndefined();
  });
});

/**
 * The kit's reconcile driver over an in-memory API (FakeKube) and real informers: each way a reconcile can end
 * -> the conditions written, the requeue, the Events; no status write when nothing changed; observedGeneration.
 */
import { describe, expect, it } from 'vitest';
import { kindConditions, kindController, StalledError, TransientError, WaitingError, type KindController, type ReconciledObject, type Step } from '../../../../src/controllers/kit/index.js';
import { isStalled } from '../../../../src/runtime/errors.js';
import { generationChanged } from '../../../../src/runtime/predicates.js';
import type { Result } from '../../../../src/runtime/result.js';
import type { FakeKube } from '../../../support/index.js';
import { widget, widgets } from '../../runtime/helpers.js';
import { controllerDeps } from '../deps.js';

type Widget = ReconciledObject & { spec: { suspend?: boolean; size?: number }; status?: { observedGeneration?: number; conditions?: never[]; size?: number } };

const conditions = kindConditions({ type: 'Verified', polarity: 'positive' }, { type: 'FetchFailed', polarity: 'negative' });

async function setup(steps: Step<Widget>[], extra: Partial<KindController<Widget>> = {}) {
  const { deps, kube, clock, events, informers, ctx, settle, registry } = controllerDeps();
  const forgotten: string[] = [];
  const def = kindController<Widget>(deps, { name: 'widget', resource: widgets, conditions, steps, forget: (req) => forgotten.push(req.key), ...extra });
  informers.start();
  await informers.waitForSync();
  /** Runs one reconcile of ml/w once the cache shows the latest write; returns its result or the error it threw. */
  const reconcile = async (): Promise<{ result?: Result | void; error?: unknown }> => {
    await settle();
    try {
      return { result: await def.reconcile({ key: 'ml/w', namespace: 'ml', name: 'w' }, ctx) };
    } catch (error) {
      return { error };
    }
  };
  const status = () => kube.get<Widget>(widgets, 'w', 'ml').then((w) => w?.status as { observedGeneration?: number; conditions?: Array<Record<string, unknown>>; size?: number } | undefined);
  const statusWrites = () => kube.actions.filter((a) => a.verb === 'applyStatus').length;
  const summary = async () => ((await status())?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`);
  return { kube, clock, events, def, reconcile, status, statusWrites, summary, forgotten, settle, registry };
}

const create = (kube: FakeKube, spec: Record<string, unknown> = {}) => kube.create(widgets, widget('ml', 'w', spec));

describe('kit driver: how a reconcile ends', () => {
  const cases: Array<{ name: string; step: Step<Widget>; conditions: string[]; event?: { type: string; reason: string }; thrown?: string }> = [
    { name: 'every step ran', step: () => undefined, conditions: ['Ready=True/Succeeded'], event: { type: 'Normal', reason: 'Succeeded' } },
    {
      name: 'a stall',
      step: () => {
        throw new StalledError('InvalidSpec', 'spec.url: refused');
      },
      conditions: ['Ready=False/InvalidSpec', 'Stalled=True/InvalidSpec'],
      event: { type: 'Warning', reason: 'InvalidSpec' },
      thrown: 'StalledError',
    },
    {
      name: 'waiting on a dependency',
      step: () => {
        throw new WaitingError('DependencyNotReady', 'Secret s not found', 5_000);
      },
      conditions: ['Ready=False/DependencyNotReady', 'Reconciling=True/ProgressingWithRetry'],
      event: { type: 'Warning', reason: 'DependencyNotReady' },
      thrown: 'WaitingError',
    },
    {
      name: 'a typed transient error',
      step: () => {
        throw new TransientError('StorageUnreachable', 's3://b: connection refused');
      },
      conditions: ['Ready=False/StorageUnreachable', 'Reconciling=True/ProgressingWithRetry'],
      event: { type: 'Warning', reason: 'StorageUnreachable' },
      thrown: 'TransientError',
    },
    {
      name: 'any other error',
      step: () => {
        throw new Error('socket hang up');
      },
      conditions: ['Ready=False/ReconcileFailed', 'Reconciling=True/ProgressingWithRetry'],
      event: { type: 'Warning', reason: 'ReconcileFailed' },
      thrown: 'Error',
    },
    { name: 'long work running', step: (s) => s.conditions.progressing('Job w-1 is running'), conditions: ['Ready=Unknown/Progressing', 'Reconciling=True/Progressing'] },
    {
      name: 'a negative condition of the kind',
      step: (s) => s.conditions.set('FetchFailed', { status: 'True', reason: 'AuthenticationFailed', message: 'no' }),
      conditions: ['Ready=False/AuthenticationFailed', 'FetchFailed=True/AuthenticationFailed'],
      event: { type: 'Warning', reason: 'AuthenticationFailed' },
    },
    {
      name: 'a positive condition of the kind, False',
      step: (s) => s.conditions.set('Verified', { status: 'False', reason: 'ChecksumMismatch', message: 'sha256 differs' }),
      conditions: ['Ready=False/ChecksumMismatch', 'Verified=False/ChecksumMismatch'],
      event: { type: 'Warning', reason: 'ChecksumMismatch' },
    },
  ];

  for (const c of cases) {
    it(`${c.name} -> ${c.conditions.join(', ')}`, async () => {
      const t = await setup([c.step]);
      await create(t.kube);
      const { error } = await t.reconcile();
      expect(error === undefined ? undefined : (error as Error).name).toBe(c.thrown);
      expect(await t.summary()).toEqual(c.conditions);
      expect((await t.status())?.observedGeneration).toBe(1);
      expect(t.events.map((e) => ({ type: e.type, reason: e.reason }))).toEqual(c.event ? [c.event] : []);
      // The same outcome again: no status write, no Event.
      const writes = t.statusWrites();
      await t.reconcile();
      expect(t.statusWrites()).toBe(writes);
      expect(t.events).toHaveLength(c.event ? 1 : 0);
    });
  }
});

describe('kit driver', () => {
  it('writes the status draft once, with observedGeneration, and again only when it changes', async () => {
    const t = await setup([
      (s) => {
        s.status.size = s.object.spec.size ?? 0;
      },
    ]);
    await create(t.kube, { size: 1 });
    await t.reconcile();
    expect(await t.status()).toMatchObject({ observedGeneration: 1, size: 1 });
    expect(t.statusWrites()).toBe(1);
    await t.reconcile();
    expect(t.statusWrites()).toBe(1);
    const live = await t.kube.get<Widget>(widgets, 'w', 'ml');
    await t.kube.replace(widgets, { ...live!, spec: { size: 2 } });
    await t.reconcile();
    expect(await t.status()).toMatchObject({ observedGeneration: 2, size: 2 });
    expect(t.statusWrites()).toBe(2);
    expect(await t.registry.getSingleMetricAsString('cairn_status_writes_total')).toContain('cairn_status_writes_total{controller="widget"} 2');
    expect(await t.registry.getSingleMetricAsString('cairn_condition_transitions_total')).toContain('cairn_condition_transitions_total{controller="widget",type="Ready",status="True"} 1');
  });

  it('never decides from a cache that has not caught up with its own status write: it waits for it', async () => {
    let runs = 0;
    const t = await setup([
      (s) => {
        runs++;
        s.status.size = runs;
      },
    ]);
    await create(t.kube, { size: 1 });
    await t.settle();
    t.kube.holdEvents();
    await t.reconcile();
    expect(runs).toBe(1);
    // The same cached object again, before the watch delivered the write: no step runs, it looks again soon.
    const stale = await t.reconcile();
    expect(runs).toBe(1);
    expect((stale.result as { requeueAfterMs: number }).requeueAfterMs).toBeLessThanOrEqual(110);
    // Once the cache shows the write, reconciles run again.
    t.kube.deliverHeldEvents();
    await t.reconcile();
    expect(runs).toBe(2);
    expect(t.statusWrites()).toBe(2);
  });

  it('a reconcile waiting for its own status write runs once the cache shows it, though the kind drops its status updates', async () => {
    let runs = 0;
    const t = await setup(
      [
        (s) => {
          runs++;
          s.status.size = runs;
        },
      ],
      { predicate: generationChanged },
    );
    await create(t.kube, { size: 1 });
    await t.settle();
    const before = (await t.kube.get<Widget>(widgets, 'w', 'ml'))!;
    t.kube.holdEvents();
    await t.reconcile();
    const written = (await t.kube.get<Widget>(widgets, 'w', 'ml'))!;
    const echo = { type: 'update' as const, old: before, object: written };
    // Nobody waits for it yet: the echo of a status write is dropped like any status update.
    expect(t.def.predicate!(echo)).toBe(false);
    const stale = await t.reconcile();
    expect(runs).toBe(1);
    expect((stale.result as { requeueAfterMs: number }).requeueAfterMs).toBeLessThanOrEqual(110);
    // The waiting reconcile is woken by the echo, once; an update still showing the old version does not wake it.
    expect(t.def.predicate!({ type: 'update', old: before, object: before })).toBe(false);
    expect(t.def.predicate!(echo)).toBe(true);
    expect(t.def.predicate!(echo)).toBe(false);
    t.kube.deliverHeldEvents();
    await t.reconcile();
    expect(runs).toBe(2);
  });

  it('deferStatus: a change that may show late waits for the next write, or for its lag, whichever comes first', async () => {
    let size = 1;
    let defer = true;
    const t = await setup([
      (s) => {
        s.status.size = size;
        if (defer) s.deferStatus(2_000);
      },
    ]);
    await create(t.kube);
    // The first status (Ready, observedGeneration) deferred: nothing written, looked at again within the lag.
    const first = await t.reconcile();
    expect(t.statusWrites()).toBe(0);
    const lag = (r: { result?: unknown }) => (r.result as { requeueAfterMs: number }).requeueAfterMs;
    expect(lag(first)).toBeLessThanOrEqual(2_000);
    expect(lag(first)).toBeGreaterThan(1_700); // the requeue's jitter takes at most 10%
    expect(t.events).toHaveLength(0); // its Ready transition is recorded when it is written
    // A later reconcile still deferring: the lag counts from the first deferral.
    t.clock.advance(1_500);
    const second = await t.reconcile();
    expect(t.statusWrites()).toBe(0);
    expect(lag(second)).toBeLessThanOrEqual(500);
    expect(lag(second)).toBeGreaterThan(400);
    // The lag is over: written, with the Event.
    t.clock.advance(500);
    await t.reconcile();
    expect(t.statusWrites()).toBe(1);
    expect(await t.status()).toMatchObject({ size: 1, observedGeneration: 1 });
    expect(t.events.map((e) => e.reason)).toEqual(['Succeeded']);
    // Deferred again, then a reconcile that does not defer writes everything at once.
    size = 2;
    await t.reconcile();
    expect(t.statusWrites()).toBe(1);
    size = 3;
    defer = false;
    await t.reconcile();
    expect(t.statusWrites()).toBe(2);
    expect(await t.status()).toMatchObject({ size: 3 });
    // And the lag starts over at the next deferral.
    size = 4;
    defer = true;
    const again = await t.reconcile();
    expect(t.statusWrites()).toBe(2);
    expect(lag(again)).toBeGreaterThan(1_700);
  });

  it('keeps lastTransitionTime while a status holds, moves it on a change', async () => {
    let fail = true;
    const t = await setup([
      () => {
        if (fail) throw new WaitingError('DependencyNotReady', 'not yet', 1_000);
      },
    ]);
    await create(t.kube);
    await t.reconcile();
    const first = (await t.status())!.conditions![0]!.lastTransitionTime;
    t.clock.advance(60_000);
    await t.reconcile();
    expect((await t.status())!.conditions![0]!.lastTransitionTime).toBe(first);
    fail = false;
    await t.reconcile();
    expect((await t.status())!.conditions![0]).toMatchObject({ status: 'True', lastTransitionTime: '2026-11-29T10:01:00.000Z' });
  });

  it('a stall clears by itself once a reconcile gets through', async () => {
    let stalled = true;
    const t = await setup([
      () => {
        if (stalled) throw new StalledError('InvalidSpec', 'bad');
      },
    ]);
    await create(t.kube);
    await t.reconcile();
    stalled = false;
    await t.reconcile();
    expect(await t.summary()).toEqual(['Ready=True/Succeeded']);
  });

  it("'stop' ends the steps early", async () => {
    const ran: string[] = [];
    const t = await setup([
      () => {
        ran.push('a');
        return 'stop';
      },
      () => {
        ran.push('b');
      },
    ]);
    await create(t.kube);
    await t.reconcile();
    expect(ran).toEqual(['a']);
  });

  it('requeues at the earliest of what a step asked and the resync interval; a stall is looked at again after the interval', async () => {
    const t = await setup([(s) => s.requeueAfter(s.object.spec.size ?? 600_000)], { resyncAfterMs: () => 60_000 });
    await create(t.kube, { size: 5_000 });
    const { result } = await t.reconcile();
    expect(result?.requeueAfterMs).toBeLessThanOrEqual(5_000);
    expect(result?.requeueAfterMs).toBeGreaterThan(4_000); // jitter takes at most 10%

    const s = await setup(
      [
        () => {
          throw new StalledError('InvalidSpec', 'bad');
        },
      ],
      { resyncAfterMs: () => 60_000 },
    );
    await create(s.kube);
    const { error } = await s.reconcile();
    expect(isStalled(error) && error.retryAfterMs).toBe(60_000);
  });

  it('a deleted object: its state is forgotten, nothing is written', async () => {
    const t = await setup([() => undefined]);
    await t.reconcile();
    expect(t.forgotten).toEqual(['ml/w']);
    expect(t.kube.writes()).toHaveLength(0);
  });

  it('a suspended object: a Suspended Event, no step, no status write', async () => {
    let ran = false;
    const t = await setup([
      () => {
        ran = true;
      },
    ]);
    await create(t.kube, { suspend: true });
    await t.reconcile();
    expect(ran).toBe(false);
    expect(t.statusWrites()).toBe(0);
    expect(t.events.map((e) => e.reason)).toEqual(['Suspended']);
  });

  it('a new message on Ready=True is an Event (a new revision applied); Reconciling and Unknown are not', async () => {
    const t = await setup([
      (s) => {
        if (s.object.spec.size === 2) s.conditions.progressing('working');
        else s.conditions.succeed('Succeeded', `size ${s.object.spec.size}`);
      },
    ]);
    await create(t.kube, { size: 1 });
    await t.reconcile();
    const set = async (size: number) => {
      const live = await t.kube.get<Widget>(widgets, 'w', 'ml');
      await t.kube.replace(widgets, { ...live!, spec: { size } });
      await t.reconcile();
    };
    await set(2);
    await set(3);
    expect(t.events.map((e) => `${e.type}/${e.reason}: ${e.note}`)).toEqual(['Normal/Succeeded: size 1', 'Normal/Succeeded: size 3']);
  });

  it('a status write on an object deleted meanwhile is not an error', async () => {
    const t = await setup([
      async (s) => {
        await s.deps.kube.delete(widgets, 'w', 'ml');
      },
    ]);
    await create(t.kube);
    const { error } = await t.reconcile();
    expect(error).toBeUndefined();
  });

  it('refuses to set Ready by hand or an undeclared condition (a bug, reported as ReconcileFailed)', async () => {
    const t = await setup([(s) => s.conditions.set('Ready', { status: 'True', reason: 'X', message: '' })]);
    await create(t.kube);
    const { error } = await t.reconcile();
    expect((error as Error).message).toMatch(/Ready is summarised/);
    expect(await t.summary()).toEqual(['Ready=False/ReconcileFailed', 'Reconciling=True/ProgressingWithRetry']);
  });
});

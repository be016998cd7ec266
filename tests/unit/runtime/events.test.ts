import { describe, expect, it } from 'vitest';
import { EventRecorder } from '../../../src/runtime/events.js';
import { FakeClock, FakeKube } from '../../support/index.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { captureLogger, metrics } from './helpers.js';

interface EventObj extends KubeObject {
  type: string;
  reason: string;
  note: string;
  eventTime: string;
  series: { count: number };
}

const source = { apiVersion: 'cairn.dev/v1alpha1', kind: 'GitSource', metadata: { name: 'cfg', namespace: 'ml', uid: 'uid-1' } };

function recorder(opts: { burst?: number } = {}) {
  const kube = new FakeKube();
  const clock = new FakeClock();
  const m = metrics();
  const rec = new EventRecorder({
    kube,
    clock,
    log: captureLogger('silent').log,
    metrics: m.metrics,
    reportingController: 'cairn.dev/operator',
    reportingInstance: 'cairn-0',
    seriesUpdateIntervalMs: 30_000,
    ...opts,
  });
  const events = async () => (await kube.list<EventObj>(builtin.event, { namespace: 'ml' })).items;
  return { kube, clock, rec, events };
}

describe('EventRecorder', () => {
  it('writes an events.k8s.io/v1 Event about the object, reason = the condition reason', async () => {
    const { rec, events } = recorder();
    rec.normal(source, 'Synced', 'Applied revision main@sha1:3f2a');
    await rec.flush();
    const [e] = await events();
    expect(e).toMatchObject({
      type: 'Normal',
      reason: 'Synced',
      action: 'Synced',
      note: 'Applied revision main@sha1:3f2a',
      reportingController: 'cairn.dev/operator',
      reportingInstance: 'cairn-0',
      regarding: { kind: 'GitSource', name: 'cfg', namespace: 'ml', uid: 'uid-1' },
    });
    expect(e!.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('aggregates repeats into one Event with a series count, written at most once per interval', async () => {
    const { rec, clock, kube, events } = recorder();
    for (let i = 0; i < 50; i++) rec.warning(source, 'SyncFailed', 'authentication failed');
    await rec.flush();
    expect(await events()).toHaveLength(1);
    expect(kube.writes().filter((w) => w.verb === 'create')).toHaveLength(1);
    // The 49 repeats produced one series update, not 49 writes.
    expect(kube.writes().filter((w) => w.verb === 'patch')).toHaveLength(1);
    expect((await events())[0]!.series.count).toBe(50);
    clock.advance(10_000);
    rec.warning(source, 'SyncFailed', 'authentication failed');
    clock.advance(30_000);
    await rec.flush();
    expect((await events())[0]!.series.count).toBe(51);
  });

  it('keeps different reasons and notes apart', async () => {
    const { rec, events } = recorder();
    rec.warning(source, 'SyncFailed', 'authentication failed');
    rec.warning(source, 'SyncFailed', 'repository not found');
    rec.normal(source, 'Synced', 'ok');
    await rec.flush();
    expect((await events()).map((e) => e.reason).sort()).toEqual(['SyncFailed', 'SyncFailed', 'Synced']);
  });

  it('rate-limits distinct Events per object', async () => {
    const { rec, events } = recorder({ burst: 3 });
    for (let i = 0; i < 10; i++) rec.normal(source, 'Progressing', `step ${i}`);
    await rec.flush();
    expect(await events()).toHaveLength(3);
  });

  it('redacts credentials from the note', async () => {
    const { rec, events } = recorder();
    rec.warning(source, 'SyncFailed', 'fetch https://bot:ghp_secret123@github.com/o/r failed');
    await rec.flush();
    expect((await events())[0]!.note).not.toContain('ghp_secret123');
  });

  it('never throws when the API refuses the write', async () => {
    const { rec, kube } = recorder();
    kube.beforeRequest = () => {
      throw new Error('forbidden');
    };
    expect(() => rec.normal(source, 'Synced', 'x')).not.toThrow();
    await expect(rec.flush()).resolves.toBeUndefined();
  });
});

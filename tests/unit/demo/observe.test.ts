/**
 * The demo's observer (src/demo/observe.ts): container runs timed to the millisecond from its own watch, falling
 * back to the status's whole seconds only for a run it first saw already finished.
 */
import { describe, expect, it } from 'vitest';
import { LoopObserver, runInterval, type ContainerRun } from '../../../src/demo/observe.js';
import type { KubeClient, WatchHandle } from '../../../src/runtime/kube/client.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { LABEL_COMPONENT } from '../../../src/render/labels.js';

const run = (fields: Partial<ContainerRun>): ContainerRun => ({ pod: 'p', component: 'trial', labels: {}, container: 'trainer', start: 10_000, ...fields });

describe('runInterval', () => {
  it.each([
    { case: 'seen start and end: the watch times', fields: { end: 14_000, seenStart: 10_420, seenEnd: 14_870 }, expected: { start: 10_420, end: 14_870 } },
    { case: 'still running: seen start to now', fields: { seenStart: 10_420 }, expected: { start: 10_420, end: 20_000 } },
    { case: 'first seen finished (start and end in one event): the status times', fields: { end: 11_000, seenStart: 12_050, seenEnd: 12_050 }, expected: { start: 10_000, end: 11_000 } },
    { case: 'ended in status but the end not seen: the status times', fields: { end: 11_000, seenStart: 10_300 }, expected: { start: 10_000, end: 11_000 } },
    { case: 'never seen: the status times, open to now', fields: {}, expected: { start: 10_000, end: 20_000 } },
  ])('$case', ({ fields, expected }) => {
    expect(runInterval(run(fields), 20_000)).toEqual(expected);
  });
});

describe('LoopObserver', () => {
  /** A KubeClient whose pod watch the test drives; the observer uses nothing else of it. */
  function drivenWatch(): { kube: KubeClient; send(pod: KubeObject): void } {
    let podEvents: ((type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject) => void) | undefined;
    const handle: WatchHandle = { stop: () => undefined } as WatchHandle;
    const kube = {
      watch: async (res: { plural: string }, _opts: unknown, onEvent: (type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: KubeObject) => void) => {
        if (res.plural === builtin.pod.plural) podEvents = onEvent;
        return handle;
      },
    } as unknown as KubeClient;
    return { kube, send: (pod) => podEvents!('MODIFIED', pod) };
  }
  const trialPod = (state: Record<string, unknown>): KubeObject =>
    ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 't0', uid: 'u0', labels: { [LABEL_COMPONENT]: 'trial' } }, status: { containerStatuses: [{ name: 'trainer', state }] } }) as KubeObject;

  it('times a trainer by when its watch saw it start and end, not by the whole seconds of its status', async () => {
    const { kube, send } = drivenWatch();
    let now = 0;
    const observer = new LoopObserver(kube, 'ml', { resource: builtin.deployment, name: 'eta' }, () => now);
    await observer.start();
    now = 10_420;
    send(trialPod({ running: { startedAt: '2026-11-30T00:00:10Z' } }));
    now = 12_000;
    send(trialPod({ running: { startedAt: '2026-11-30T00:00:10Z' } }));
    now = 14_870;
    send(trialPod({ terminated: { startedAt: '2026-11-30T00:00:10Z', finishedAt: '2026-11-30T00:00:14Z' } }));
    now = 15_500;
    // A later update that lost the finished state keeps the end once seen.
    send(trialPod({ running: { startedAt: '2026-11-30T00:00:10Z' } }));
    expect(observer.intervals('trial', ['trainer'])).toEqual([{ start: 10_420, end: 14_870 }]);
    observer.stop();
  });
});

/** The kit's Job and pod event predicates: an update passes only when what observeJob concludes may have changed. */
import { describe, expect, it } from 'vitest';
import { jobOutcomeChanged, jobVerdictChanged, podOutcomeChanged } from '../../../../src/controllers/kit/index.js';
import type { InformerEvent } from '../../../../src/runtime/informer.js';
import type { KubeObject } from '../../../../src/runtime/kube/object.js';

const running = { name: 'trainer', ready: false, state: { running: { startedAt: '2026-11-29T10:00:01Z' } } };
const pod = (status: object, metadata: object = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ml', resourceVersion: '1', ...metadata }, status }) as KubeObject;
const base = pod({ phase: 'Running', podIP: '127.0.1.2', conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }], containerStatuses: [running] });
const update = (old: KubeObject, object: KubeObject): InformerEvent<KubeObject> => ({ type: 'update', old, object });
const withStatus = (o: KubeObject, status: object) => ({ ...o, status: { ...(o as { status: object }).status, ...status } }) as KubeObject;

describe('podOutcomeChanged', () => {
  it.each([
    ['the phase', withStatus(base, { phase: 'Succeeded' }), true],
    ['a container ended with the pod', withStatus(base, { phase: 'Succeeded', containerStatuses: [{ name: 'trainer', state: { terminated: { exitCode: 0, reason: 'Completed', message: '{"metrics":{}}' } } }] }), true],
    ['a container ended while the pod still runs (its end is read with the pod\'s)', withStatus(base, { containerStatuses: [{ name: 'trainer', state: { terminated: { exitCode: 0, reason: 'Completed', message: '{"metrics":{}}' } } }] }), false],
    ['a container waits for another reason', withStatus(base, { containerStatuses: [{ name: 'trainer', state: { waiting: { reason: 'ImagePullBackOff' } } }] }), true],
    ['unschedulable', withStatus(base, { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] }), true],
    ['the deletion started', pod((base as { status: object }).status, { deletionTimestamp: '2026-11-29T10:00:09Z' }), true],
    ['only readiness', withStatus(base, { conditions: [{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }], containerStatuses: [{ ...running, ready: true }] }), false],
    ['only the pod IP and resourceVersion', { ...withStatus(base, { podIP: '127.0.1.3' }), metadata: { ...base.metadata, resourceVersion: '2' } } as KubeObject, false],
  ])('an update of %s: %s', (_, next, passes) => {
    expect(podOutcomeChanged(update(base, next))).toBe(passes);
  });

  const pending = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'fetch', state: { waiting: { reason: 'PodInitializing' } } }] });
  it.each([
    ['its first container started', withStatus(pending, { initContainerStatuses: [{ name: 'fetch', state: { running: {} } }] }), true],
    ['it got stuck', withStatus(pending, { initContainerStatuses: [{ name: 'fetch', state: { waiting: { reason: 'ErrImagePull' } } }] }), true],
    ['only a benign waiting reason', withStatus(pending, { initContainerStatuses: [{ name: 'fetch', state: { waiting: { reason: 'ContainerCreating' } } }] }), false],
  ])('a pod on its way: an update where %s: %s', (_, next, passes) => {
    expect(podOutcomeChanged(update(pending, next))).toBe(passes);
  });

  it('a pod that ended: a later change of a container\'s end passes', () => {
    const ended = withStatus(base, { phase: 'Failed', containerStatuses: [{ name: 'trainer', state: { terminated: { exitCode: 1, reason: 'Error' } } }] });
    const withMessage = withStatus(base, { phase: 'Failed', containerStatuses: [{ name: 'trainer', state: { terminated: { exitCode: 1, reason: 'Error', message: 'boom' } } }] });
    expect(podOutcomeChanged(update(ended, withMessage))).toBe(true);
  });

  it('passes every add and delete', () => {
    expect(podOutcomeChanged({ type: 'add', object: base })).toBe(true);
    expect(podOutcomeChanged({ type: 'delete', object: base })).toBe(true);
  });
});

describe('jobOutcomeChanged', () => {
  const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', generation: 1, labels: { a: '1' } }, status: { active: 1, startTime: '2026-11-29T10:00:00Z' } } as KubeObject;
  it.each([
    ['a Complete condition', withStatus(job, { conditions: [{ type: 'Complete', status: 'True' }] }), true],
    ['a pod succeeded', withStatus(job, { succeeded: 1 }), true],
    ['a pod ready', withStatus(job, { ready: 1 }), true],
    ['a hand edit of a label', { ...job, metadata: { ...job.metadata, labels: { a: '2' } } } as KubeObject, true],
    ['only the pods it counts as active or not yet counted', withStatus(job, { active: 0, uncountedTerminatedPods: { succeeded: ['u'] } }), false],
  ])('an update of %s: %s', (_, next, passes) => {
    expect(jobOutcomeChanged(update(job, next))).toBe(passes);
  });

  it('jobVerdictChanged: the same but for the ready count, which a pod watch tells first', () => {
    expect(jobVerdictChanged(update(job, withStatus(job, { ready: 1 })))).toBe(false);
    expect(jobVerdictChanged(update(job, withStatus(job, { succeeded: 1 })))).toBe(true);
    expect(jobVerdictChanged(update(job, { ...job, metadata: { ...job.metadata, labels: { a: '2' } } } as KubeObject))).toBe(true);
    expect(jobVerdictChanged({ type: 'add', object: job })).toBe(true);
  });
});

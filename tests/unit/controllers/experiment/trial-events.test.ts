/** Which trial Job and pod events the Experiment reconciles on (src/controllers/experiment/trial-events.ts). */
import { describe, expect, it } from 'vitest';
import { trialJobEventMatters, trialPodEventMatters } from '../../../../src/controllers/experiment/trial-events.js';
import type { InformerEvent } from '../../../../src/runtime/informer.js';
import type { KubeObject } from '../../../../src/runtime/kube/object.js';

const labels = { 'cairn.dev/trial': 'e-1-t0', 'cairn.dev/owner-kind': 'Experiment', 'cairn.dev/owner-name': 'e' };
const job = (status?: object, metadata: object = {}) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'e-1-t0', namespace: 'ml', generation: 1, labels, ...metadata }, ...(status ? { status } : {}) }) as KubeObject;
const pod = (status: object, metadata: object = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'e-1-t0-abc', namespace: 'ml', labels, ...metadata }, status }) as KubeObject;
const add = (object: KubeObject): InformerEvent<KubeObject> => ({ type: 'add', object });
const update = (old: KubeObject, object: KubeObject): InformerEvent<KubeObject> => ({ type: 'update', old, object });
const del = (object: KubeObject): InformerEvent<KubeObject> => ({ type: 'delete', object });
const notRecorded = () => false;
const recorded = () => true;

const newPod = pod({ phase: 'Pending' });
const started = pod({ phase: 'Pending', initContainerStatuses: [{ name: 'fetch', state: { running: {} } }] });
const ended = pod({ phase: 'Succeeded', containerStatuses: [{ name: 'trainer', state: { terminated: { exitCode: 0, message: '{}' } } }] });

describe('trialJobEventMatters', () => {
  it.each([
    ['the add of a Job without status (the echo of the operator creating it)', add(job()), notRecorded, false],
    ['the add of a Job that already says something (an operator restart)', add(job({ succeeded: 1 })), notRecorded, true],
    ['an update to Complete of a trial not yet recorded', update(job({ active: 1 }), job({ conditions: [{ type: 'Complete', status: 'True' }] })), notRecorded, true],
    ['an update of only the ready count', update(job({ active: 1 }), job({ active: 1, ready: 1 })), notRecorded, false],
    ['the delete of a trial not yet recorded (someone deleted it)', del(job()), notRecorded, true],
    ['an update to Complete of a recorded trial', update(job({ active: 1 }), job({ conditions: [{ type: 'Complete', status: 'True' }] })), recorded, false],
    ['the delete of a recorded trial (the echo of its prune)', del(job()), recorded, false],
    ['a hand edit of a recorded trial\'s Job (a failed one kept to show why)', update(job(), job(undefined, { labels: { ...labels, x: '1' } })), recorded, true],
  ])('%s: %s', (_, event, isRecorded, matters) => {
    expect(trialJobEventMatters(event, isRecorded)).toBe(matters);
  });
});

describe('trialPodEventMatters', () => {
  it.each([
    ['the add of a pod that has not started', add(newPod), notRecorded, false],
    ['the add of a pod that started (an operator restart)', add(started), notRecorded, true],
    ['the add of a pod that is stuck', add(pod({ phase: 'Pending', containerStatuses: [{ name: 'trainer', state: { waiting: { reason: 'ImagePullBackOff' } } }] })), notRecorded, true],
    ['the add of a pod being deleted', add(pod({ phase: 'Pending' }, { deletionTimestamp: '2026-11-29T10:00:00Z' })), notRecorded, true],
    ['its start', update(newPod, started), notRecorded, true],
    ['its end', update(started, ended), notRecorded, true],
    ['its end, when the trial is recorded already', update(started, ended), recorded, false],
    ['its delete, when the trial is recorded', del(ended), recorded, false],
    ['its delete, when the trial is not recorded', del(started), notRecorded, true],
  ])('%s: %s', (_, event, isRecorded, matters) => {
    expect(trialPodEventMatters(event, isRecorded)).toBe(matters);
  });
});

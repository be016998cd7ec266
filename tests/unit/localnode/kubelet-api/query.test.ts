/**
 * The kubelet API's log request, pure: query decoding and validation as the kubelet does them
 * (v1.PodLogOptions), and which run of a container a request reads (validateContainerLogStatus).
 */
import { describe, expect, it } from 'vitest';
import { parseLogQuery } from '../../../../src/localnode/kubelet-api/query.js';
import { pidOf, selectContainer, type ContainerStatuses } from '../../../../src/localnode/kubelet-api/select.js';
import type { ContainerStatus } from '../../../../src/localnode/wire.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const base = { namespace: 'ml', pod: 'eta-0', container: 'server', follow: false, previous: false, timestamps: false, stream: 'All' };

describe('parseLogQuery', () => {
  it.each([
    ['no parameters', '', base],
    ['follow, previous, timestamps', '?follow=true&previous=1&timestamps=True', { ...base, follow: true, previous: true, timestamps: true }],
    ['false flags', '?follow=false&timestamps=0', base],
    ['tailLines', '?tailLines=10', { ...base, tailLines: 10 }],
    ['tailLines=0', '?tailLines=0', { ...base, tailLines: 0 }],
    ['the old tail parameter', '?tail=5', { ...base, tailLines: 5 }],
    ['tail=all', '?tail=all', base],
    ['limitBytes', '?limitBytes=500', { ...base, limitBytes: 500 }],
    ['sinceSeconds, from now', '?sinceSeconds=60', { ...base, since: NOW - 60_000 }],
    ['sinceTime', '?sinceTime=2026-11-29T11:30:00Z', { ...base, since: Date.parse('2026-11-29T11:30:00Z') }],
    ['sinceTime with an offset', '?sinceTime=2026-11-29T12:30:00%2B01:00', { ...base, since: Date.parse('2026-11-29T11:30:00Z') }],
    ['stream', '?stream=Stderr', { ...base, stream: 'Stderr' }],
  ])('%s', (_what, search, expected) => {
    expect(parseLogQuery(`/containerLogs/ml/eta-0/server${search}`, NOW)).toEqual(expected);
  });

  it('decodes escaped path segments', () => {
    expect(parseLogQuery('/containerLogs/ml/eta%2D0/server', NOW)).toMatchObject({ pod: 'eta-0' });
  });

  it.each([
    ['a flag that is no boolean', '?follow=yes', 400, '{"message": "Unable to decode query."}'],
    ['tailLines not a number', '?tailLines=ten', 400, '{"message": "Unable to decode query."}'],
    ['a bad sinceTime', '?sinceTime=yesterday', 400, '{"message": "Unable to decode query."}'],
    ['negative tailLines', '?tailLines=-1', 422, '{"message": "Invalid request."}'],
    ['limitBytes 0', '?limitBytes=0', 422, '{"message": "Invalid request."}'],
    ['sinceSeconds 0', '?sinceSeconds=0', 422, '{"message": "Invalid request."}'],
    ['sinceSeconds and sinceTime', '?sinceSeconds=5&sinceTime=2026-11-29T11:30:00Z', 422, '{"message": "Invalid request."}'],
    ['an unknown stream', '?stream=Both', 422, '{"message": "Invalid request."}'],
    ['a stream with tailLines', '?stream=Stdout&tailLines=3', 422, '{"message": "Invalid request."}'],
  ])('%s: %d', (_what, search, status, message) => {
    expect(parseLogQuery(`/containerLogs/ml/eta-0/server${search}`, NOW)).toEqual({ status, message });
  });

  it.each(['/containerLogs/ml/eta-0', '/containerLogs/ml/eta-0/server/extra', '/logs/'])('%s is no log request: 404', (path) => {
    expect(parseLogQuery(path, NOW)).toEqual({ status: 404, message: '404 page not found' });
  });
});

describe('pidOf', () => {
  it.each([
    ['cairn-local://4242', 4242],
    ['containerd://abc', undefined],
    [undefined, undefined],
  ])('%s -> %s', (id, pid) => {
    expect(pidOf(id)).toBe(pid);
  });
});

describe('selectContainer', () => {
  const terminated = (id: string | undefined) => ({ terminated: { exitCode: 1, reason: 'Error', startedAt: '', finishedAt: '', ...(id ? { containerID: id } : {}) } });
  const status = (state: ContainerStatus['state'], lastState: ContainerStatus['lastState'] = {}, containerID?: string): ContainerStatuses => ({
    containerStatuses: [{ name: 'server', image: 'cairn', imageID: '', ready: false, started: false, restartCount: 0, state, lastState, ...(containerID ? { containerID } : {}) }],
  });
  it.each([
    ['running', status({ running: { startedAt: '' } }, {}, 'cairn-local://2'), false, { containerID: 'cairn-local://2' }],
    ['running, previous', status({ running: { startedAt: '' } }, terminated('cairn-local://1'), 'cairn-local://2'), true, { containerID: 'cairn-local://1' }],
    ['running, previous but never restarted', status({ running: { startedAt: '' } }, {}, 'cairn-local://2'), true, { error: 'previous terminated container "server" in pod "eta-0" not found' }],
    ['terminated', status(terminated('cairn-local://3')), false, { containerID: 'cairn-local://3' }],
    ['terminated without an id: the last run', status(terminated(undefined), terminated('cairn-local://1')), false, { containerID: 'cairn-local://1' }],
    ['terminated, never ran', status(terminated(undefined)), false, { error: 'container "server" in pod "eta-0" is terminated' }],
    ['in back-off: the last run', status({ waiting: { reason: 'CrashLoopBackOff' } }, terminated('cairn-local://4')), false, { containerID: 'cairn-local://4' }],
    ['creating', status({ waiting: { reason: 'ContainerCreating' } }), false, { error: 'container "server" in pod "eta-0" is waiting to start: ContainerCreating' }],
    ['unknown image', status({ waiting: { reason: 'ErrImagePull' } }), false, { error: `container "server" in pod "eta-0" is waiting to start: image can't be pulled` }],
    ['no state', status({}), false, { error: 'container "server" in pod "eta-0" is waiting to start - no logs yet' }],
  ])('%s', (_what, statuses, previous, expected) => {
    expect(selectContainer('eta-0', statuses, 'server', previous)).toEqual(expected);
  });

  it('an init container is found among the init statuses; a container without status is not available', () => {
    const init: ContainerStatuses = { initContainerStatuses: [{ name: 'fetch', image: 'cairn', imageID: '', ready: false, started: false, restartCount: 0, state: terminated('cairn-local://9'), lastState: {} }] };
    expect(selectContainer('eta-0', init, 'fetch', false)).toEqual({ containerID: 'cairn-local://9' });
    expect(selectContainer('eta-0', init, 'server', false)).toEqual({ error: 'container "server" in pod "eta-0" is not available' });
  });
});

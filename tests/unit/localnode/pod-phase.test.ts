/** The pod phase the local node reports (the kubelet's getPhase), with native sidecars. */
import '../../../src/testenv/node-compat.js'; // pod-status.ts loads @kubernetes/client-node (Node 20)
import { describe, expect, it } from 'vitest';
import { podPhase, type InitStatus } from '../../../src/localnode/pod-status.js';
import type { ContainerStatus } from '../../../src/localnode/wire.js';

type State = 'waiting' | 'running' | 'ok' | 'failed' | 'restarting';

function status(state: State): ContainerStatus {
  const terminated = (exitCode: number) => ({ exitCode, reason: exitCode ? 'Error' : 'Completed', startedAt: 't', finishedAt: 't' });
  return {
    name: 'c',
    image: 'i',
    imageID: '',
    ready: false,
    started: state === 'running',
    restartCount: state === 'restarting' ? 1 : 0,
    state:
      state === 'waiting' || state === 'restarting'
        ? { waiting: { reason: state === 'waiting' ? 'ContainerCreating' : 'CrashLoopBackOff' } }
        : state === 'running'
          ? { running: { startedAt: 't' } }
          : { terminated: terminated(state === 'ok' ? 0 : 1) },
    lastState: state === 'restarting' ? { terminated: terminated(1) } : {},
  };
}
const init = (state: State): InitStatus => ({ status: status(state), sidecar: false, everStarted: state !== 'waiting' });
const side = (state: State, everStarted = state !== 'waiting'): InitStatus => ({ status: status(state), sidecar: true, everStarted });

describe('podPhase', () => {
  it.each<[string, InitStatus[], State[], boolean, string, string]>([
    ['nothing started yet', [], ['waiting'], false, 'Always', 'Pending'],
    ['init container running', [init('running')], ['waiting'], false, 'Never', 'Pending'],
    ['a failed init container with Never fails the pod once everything stopped', [init('failed')], ['waiting'], true, 'Never', 'Failed'],
    ['... but not while a sidecar still stops', [side('running'), init('failed')], ['waiting'], false, 'Never', 'Pending'],
    ['main running', [init('ok')], ['running'], false, 'Always', 'Running'],
    ['a sidecar not started yet keeps the pod Pending', [side('running', false)], ['waiting'], false, 'Always', 'Pending'],
    ['a started sidecar and a running main container', [side('running')], ['running'], false, 'Never', 'Running'],
    ['main done, sidecar still being stopped: Running', [side('running')], ['ok'], false, 'Never', 'Running'],
    ['main done and sidecars stopped: Succeeded, whatever their exit codes', [side('failed')], ['ok'], true, 'Never', 'Succeeded'],
    ['a failed main container decides', [side('ok')], ['failed'], true, 'Never', 'Failed'],
    ['a restarting sidecar does not send the pod back to Pending', [side('restarting')], ['running'], false, 'Never', 'Running'],
    ['main restarting', [], ['restarting'], false, 'Always', 'Running'],
  ])('%s', (_, initStatuses, main, finished, policy, phase) => {
    expect(podPhase(initStatuses, main.map(status), finished, policy)).toBe(phase);
  });
});

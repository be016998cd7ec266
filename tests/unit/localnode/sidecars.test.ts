/** Start and stop order of init containers, native sidecars and main containers, as tables. */
import { describe, expect, it } from 'vitest';
import { nextInitAction, terminationStages, type InitAction, type InitView } from '../../../src/localnode/sidecars.js';

const regular = (state: 'new' | 'running' | 'succeeded' | 'failed' | 'backoff'): InitView => ({
  sidecar: false,
  running: state === 'running',
  launched: state !== 'new',
  succeeded: state === 'succeeded',
  everStarted: state !== 'new',
});
const sidecar = (state: 'new' | 'starting' | 'started' | 'crashed-after-start' | 'crashed-before-start'): InitView => ({
  sidecar: true,
  running: state === 'starting' || state === 'started',
  launched: state !== 'new',
  succeeded: false,
  everStarted: state === 'started' || state === 'crashed-after-start',
});

describe('nextInitAction', () => {
  it.each<[string, InitView[], InitAction]>([
    ['no init containers', [], { kind: 'done' }],
    ['the first one first', [regular('new'), regular('new')], { kind: 'start', index: 0 }],
    ['waits for a running one', [regular('running'), regular('new')], { kind: 'wait' }],
    ['the next after one succeeded', [regular('succeeded'), regular('new')], { kind: 'start', index: 1 }],
    ['waits while a failed one backs off', [regular('backoff'), regular('new')], { kind: 'wait' }],
    ['all succeeded', [regular('succeeded'), regular('succeeded')], { kind: 'done' }],
    ['a sidecar starts in its turn', [regular('succeeded'), sidecar('new'), regular('new')], { kind: 'start', index: 1 }],
    ['waits for its startup probe', [sidecar('starting'), regular('new')], { kind: 'wait' }],
    ['goes on once it started, while it runs', [sidecar('started'), regular('new')], { kind: 'start', index: 1 }],
    ['a started sidecar that exited does not hold the others', [sidecar('crashed-after-start'), sidecar('started')], { kind: 'done' }],
    ['one that exited before it started holds them until it restarts and starts', [sidecar('crashed-before-start'), regular('new')], { kind: 'wait' }],
    ['main containers start beside running sidecars', [sidecar('started'), regular('succeeded'), sidecar('started')], { kind: 'done' }],
  ])('%s', (_, init, action) => {
    expect(nextInitAction(init)).toEqual(action);
  });
});

describe('terminationStages', () => {
  it.each([
    ['no sidecars: everything at once', [{ sidecar: false }], 2, [{ init: [0], main: [0, 1] }]],
    [
      'main containers first, then the sidecars one by one, last first',
      [{ sidecar: true }, { sidecar: false }, { sidecar: true }, { sidecar: true }],
      1,
      [
        { init: [1], main: [0] },
        { init: [3], main: [] },
        { init: [2], main: [] },
        { init: [0], main: [] },
      ],
    ],
    ['only sidecars left', [{ sidecar: true }], 0, [{ init: [], main: [] }, { init: [0], main: [] }]],
  ])('%s', (_, init, mainCount, stages) => {
    expect(terminationStages(init, mainCount)).toEqual(stages);
  });
});

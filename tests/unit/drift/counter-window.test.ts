/**
 * Counter deltas over a window from several pods' scrapes (src/drift/counter-window.ts): increases per pod, a
 * process restart (counters down, or a new process start time), a new pod within or before the window, a pod
 * that went away, and increments that age out of the window.
 */
import { describe, expect, it } from 'vitest';
import { advanceWindow, counterIncrease, emptyWindow, type PodScrape, type WindowState } from '../../../src/drift/index.js';

const c = (entries: Record<string, number>) => new Map(Object.entries(entries));
const pod = (name: string, counters: Record<string, number>, processStartedAt?: number): PodScrape => ({ pod: name, counters: c(counters), ...(processStartedAt !== undefined ? { processStartedAt } : {}) });
const obj = (m: Map<string, number>) => Object.fromEntries(m);

describe('counterIncrease', () => {
  it.each([
    ['grows', { a: 3, b: 1 }, { a: 5, b: 1 }, { a: 2, b: 0 }],
    ['a new series counts whole', { a: 3 }, { a: 4, b: 2 }, { a: 1, b: 2 }],
    ['a counter that went down means a restart: the current values', { a: 10, b: 4 }, { a: 2, b: 6 }, { a: 2, b: 6 }],
  ])('%s', (_name, before, after, expected) => {
    expect(obj(counterIncrease(c(before), c(after)))).toEqual(expected);
  });
});

describe('advanceWindow', () => {
  const window = 60_000;
  function run(steps: Array<{ at: number; pods: PodScrape[] }>): Array<Record<string, number>> {
    let state: WindowState = emptyWindow();
    return steps.map(({ at, pods }) => {
      const next = advanceWindow(state, pods, at, window);
      state = next.state;
      return obj(next.counts);
    });
  }

  it('sums the increases of several pods, and counts a pod that started within the window whole on first sight', () => {
    const counts = run([
      { at: 100_000, pods: [pod('a', { x: 10 }, 10_000), pod('b', { x: 4 }, 90_000)] },
      { at: 110_000, pods: [pod('a', { x: 15 }, 10_000), pod('b', { x: 7 }, 90_000)] },
    ]);
    // a started before the window: only a baseline; b started within it: its 4 count
    expect(counts[0]).toEqual({ x: 4 });
    expect(counts[1]).toEqual({ x: 4 + 5 + 3 });
  });

  it('counts a restarted process from zero, whether its counters went down or its start time moved', () => {
    const counts = run([
      { at: 100_000, pods: [pod('a', { x: 10 }, 0)] },
      { at: 110_000, pods: [pod('a', { x: 3 }, 105_000)] }, // went down
      { at: 120_000, pods: [pod('a', { x: 50 }, 115_000)] }, // went up, but a new process: 50 are new
    ]);
    expect(counts).toEqual([{}, { x: 3 }, { x: 53 }]);
  });

  it('a pod that started after the previous evaluation counts whole; a gone pod keeps its counts in the window', () => {
    const counts = run([
      { at: 100_000, pods: [pod('a', { x: 10 }, 0)] },
      { at: 110_000, pods: [pod('a', { x: 12 }, 0), pod('b', { x: 5 }, 105_000)] },
      { at: 120_000, pods: [pod('b', { x: 6 }, 105_000)] },
    ]);
    expect(counts).toEqual([{}, { x: 7 }, { x: 8 }]);
  });

  it('a pod first seen late (the cache lagged, its scrapes failed) counts whole if its process started within the window', () => {
    const counts = run([
      { at: 100_000, pods: [pod('a', { x: 10 }, 0)] },
      { at: 110_000, pods: [pod('a', { x: 10 }, 0), pod('b', { x: 7 }, 95_000)] },
    ]);
    expect(counts).toEqual([{}, { x: 7 }]);
  });

  it('a pod missed by one scrape is diffed, not counted whole, when it answers again', () => {
    const counts = run([
      { at: 100_000, pods: [pod('a', { x: 10 }, 0)] },
      { at: 110_000, pods: [] },
      { at: 120_000, pods: [pod('a', { x: 13 }, 0)] },
    ]);
    expect(counts).toEqual([{}, {}, { x: 3 }]);
  });

  it('drops increments older than the window', () => {
    const counts = run([
      { at: 0, pods: [pod('a', { x: 0 }, -1)] },
      { at: 30_000, pods: [pod('a', { x: 10 }, -1)] },
      { at: 60_000, pods: [pod('a', { x: 15 }, -1)] },
      { at: 90_000, pods: [pod('a', { x: 16 }, -1)] },
    ]);
    expect(counts).toEqual([{ x: 0 }, { x: 10 }, { x: 15 }, { x: 6 }]);
  });

  it('without a process start time a new pod is only a baseline', () => {
    expect(run([{ at: 100_000, pods: [pod('a', { x: 10 })] }])).toEqual([{}]);
  });
});

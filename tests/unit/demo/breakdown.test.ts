/** Where the demo loop's overhead went, pod by pod (src/demo/breakdown.ts), from watch sightings. */
import { describe, expect, it } from 'vitest';
import { breakdownLine, median, servingSteps, trialSteps } from '../../../src/demo/breakdown.js';
import type { PodSighting } from '../../../src/demo/observe.js';

const pod = (name: string, created: number, seen: Record<string, number>): PodSighting => ({ pod: name, component: 'trial', labels: {}, created, seen });

describe('median', () => {
  it.each([
    { values: [], expected: undefined },
    { values: [3], expected: 3 },
    { values: [5, 1, 3], expected: 3 },
    { values: [4, 1, 3, 2], expected: 2.5 },
  ])('$values -> $expected', ({ values, expected }) => {
    expect(median(values)).toBe(expected);
  });
});

describe('trialSteps', () => {
  // Two slots: t0 and t1 start at 0; t2 waits for t0's slot, created 2 s after t0's trainer ended.
  const pods = [
    pod('t0', 0, { 'fetch.running': 500, 'fetch.terminated': 1500, 'upload.running': 1700, 'trainer.running': 2700, 'trainer.terminated': 5000 }),
    pod('t1', 0, { 'fetch.running': 700, 'fetch.terminated': 1700, 'upload.running': 1900, 'trainer.running': 2900, 'trainer.terminated': 9000 }),
    pod('t2', 7000, { 'fetch.running': 7600, 'fetch.terminated': 8600, 'upload.running': 8800, 'trainer.running': 9800 }),
  ];

  it('gives the median of each step over the pods that have both ends', () => {
    expect(trialSteps(pods)).toEqual([
      { name: 'created -> fetch started', medianMs: 600, count: 3 },
      { name: 'fetch', medianMs: 1000, count: 3 },
      { name: 'fetch done -> upload started', medianMs: 200, count: 3 },
      { name: 'upload started -> trainer started (its startup probe)', medianMs: 1000, count: 3 },
      { name: 'trainer done -> next trial pod created', medianMs: 2000, count: 1 },
    ]);
  });

  it('prints the steps seen, in seconds, and says when none was', () => {
    expect(breakdownLine('trial pods of run 2', 3, trialSteps(pods))).toBe(
      'trial pods of run 2 (3 pods, medians): created -> fetch started 0.6 s, fetch 1.0 s, fetch done -> upload started 0.2 s, upload started -> trainer started (its startup probe) 1.0 s, trainer done -> next trial pod created 2.0 s',
    );
    expect(breakdownLine('serving pods of version 2', 1, servingSteps([pod('s', 0, {})]))).toBe('serving pods of version 2 (1 pod, medians): no step seen');
  });
});

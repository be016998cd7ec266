/** The loop's timeline (src/demo/timeline.ts): each stage split into trainer, profile read, canary pauses and the rest, Cairn's overhead. */
import { describe, expect, it } from 'vitest';
import { covered, loopTimeline, timelineLines, union, type LoopFacts } from '../../../src/demo/timeline.js';

const s = (n: number) => n * 1000;

describe('union and covered', () => {
  it.each([
    ['disjoint intervals stay apart, sorted', [{ start: 5, end: 6 }, { start: 1, end: 2 }], [{ start: 1, end: 2 }, { start: 5, end: 6 }]],
    ['overlapping ones (parallel trials) join', [{ start: 1, end: 4 }, { start: 2, end: 6 }], [{ start: 1, end: 6 }]],
    ['touching ones join', [{ start: 1, end: 2 }, { start: 2, end: 3 }], [{ start: 1, end: 3 }]],
    ['empty and reversed ones are dropped', [{ start: 3, end: 3 }, { start: 5, end: 4 }], []],
  ])('%s', (_name, intervals, expected) => {
    expect(union(intervals)).toEqual(expected);
  });
  it('counts only what falls inside the window, overlaps once', () => {
    expect(covered([{ start: 0, end: 10 }, { start: 5, end: 15 }], { start: 8, end: 12 })).toBe(4);
    expect(covered([{ start: 0, end: 2 }], { start: 5, end: 9 })).toBe(0);
  });
});

describe('loopTimeline', () => {
  const stages = [
    { name: 'commit -> profiled', start: s(0), end: s(10) },
    { name: '-> trained', start: s(10), end: s(60) },
    { name: '-> canary at 100%', start: s(60), end: s(100) },
  ];
  it.each<[string, Omit<LoopFacts, 'stages'>, Array<[number, number, number, number]>]>([
    [
      'each kind of work in its own stage; the rest is overhead',
      { profileRead: [{ start: s(2), end: s(6) }], trainer: [{ start: s(12), end: s(30) }, { start: s(14), end: s(40) }], canaryPauses: [{ start: s(70), end: s(80) }, { start: s(85), end: s(95) }] },
      [
        [0, 4000, 0, 6000],
        [28000, 0, 0, 22000],
        [0, 0, 20000, 20000],
      ],
    ],
    [
      'an interval that spans two stages is split at the boundary',
      { profileRead: [], trainer: [{ start: s(55), end: s(65) }], canaryPauses: [] },
      [
        [0, 0, 0, 10000],
        [5000, 0, 0, 45000],
        [5000, 0, 0, 35000],
      ],
    ],
    [
      'work that overlaps is not taken from the overhead twice',
      { profileRead: [{ start: s(0), end: s(10) }], trainer: [{ start: s(5), end: s(10) }], canaryPauses: [] },
      [
        [5000, 10000, 0, 0],
        [0, 0, 0, 50000],
        [0, 0, 0, 40000],
      ],
    ],
  ])('%s', (_name, work, expected) => {
    const timeline = loopTimeline({ stages, ...work });
    expect(timeline.stages.map((t) => [t.trainer, t.profileRead, t.canaryPauses, t.overhead])).toEqual(expected);
    expect(timeline.total.total).toBe(s(100));
    expect(timeline.total.overhead).toBe(expected.reduce((sum, row) => sum + row[3], 0));
  });

  it.each([
    ['a stage that ends before it starts', [{ name: 'a', start: 5, end: 1 }], 'stage "a" ends before it starts'],
    ['a gap between stages', [{ name: 'a', start: 0, end: 5 }, { name: 'b', start: 6, end: 9 }], 'stage "b" does not start where "a" ends'],
  ])('refuses %s', (_name, bad, message) => {
    expect(() => loopTimeline({ stages: bad, trainer: [], profileRead: [], canaryPauses: [] })).toThrow(message);
  });

  it('prints a row per stage, the whole loop, and the overhead beside its goal', () => {
    const lines = timelineLines(loopTimeline({ stages: stages.slice(0, 1), trainer: [], profileRead: [{ start: s(2), end: s(6) }], canaryPauses: [] }), 10_000);
    expect(lines[0]).toMatch(/^STAGE\s+TOTAL\s+TRAINER\s+PROFILE READ\s+CANARY PAUSES\s+CAIRN'S OVERHEAD$/);
    expect(lines[1]).toMatch(/^commit -> profiled\s+10\.0 s\s+0\.0 s\s+4\.0 s\s+0\.0 s\s+6\.0 s$/);
    expect(lines[2]).toMatch(/^the whole loop\s+10\.0 s/);
    expect(lines[3]).toBe("Cairn's overhead over the whole loop: 6.0 s (goal <= 10.0 s: met)");
  });
});

/**
 * The loop's timeline (issue #15, acceptance): for each stage from the data commit to the retrained model at
 * 100%, the time spent in the trainer, in the profile Job's read, in canary pauses (and analysis waits), and the
 * rest, Cairn's own overhead. The inputs are intervals taken from the objects (condition and status timestamps,
 * the pods' container start and finish times), never guesses. Pure.
 */

export interface Interval {
  start: number;
  end: number;
}

export interface LoopFacts {
  /** Consecutive stages: each one's start is the previous one's end. */
  stages: ReadonlyArray<{ name: string; start: number; end: number }>;
  /** Trainer containers running (trials in parallel overlap: counted once). */
  trainer: readonly Interval[];
  /** The profile Job's fetch and profile containers running. */
  profileRead: readonly Interval[];
  /** Canary pause and analysis steps, from each step's start to the next step's. */
  canaryPauses: readonly Interval[];
}

export interface StageTimes {
  name: string;
  total: number;
  trainer: number;
  profileRead: number;
  canaryPauses: number;
  /** total minus the time covered by any of the three (they seldom overlap; overlap is not counted twice). */
  overhead: number;
}

export interface Timeline {
  stages: StageTimes[];
  total: StageTimes;
}

export class TimelineError extends Error {
  override readonly name = 'TimelineError';
}

/** The intervals merged: sorted, overlapping or touching ones joined, empty ones dropped. */
export function union(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const i of sorted) {
    const last = merged.at(-1);
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else merged.push({ ...i });
  }
  return merged;
}

/** How much of `within` the merged intervals cover. */
export function covered(intervals: readonly Interval[], within: Interval): number {
  return union(intervals).reduce((sum, i) => sum + Math.max(0, Math.min(i.end, within.end) - Math.max(i.start, within.start)), 0);
}

export function loopTimeline(facts: LoopFacts): Timeline {
  const stages = facts.stages.map((stage, i): StageTimes => {
    if (!(stage.end >= stage.start)) throw new TimelineError(`stage ${JSON.stringify(stage.name)} ends before it starts (${stage.start} -> ${stage.end})`);
    const previous = facts.stages[i - 1];
    if (previous && previous.end !== stage.start) throw new TimelineError(`stage ${JSON.stringify(stage.name)} does not start where ${JSON.stringify(previous.name)} ends`);
    const within = { start: stage.start, end: stage.end };
    const total = stage.end - stage.start;
    const busy = covered([...facts.trainer, ...facts.profileRead, ...facts.canaryPauses], within);
    return { name: stage.name, total, trainer: covered(facts.trainer, within), profileRead: covered(facts.profileRead, within), canaryPauses: covered(facts.canaryPauses, within), overhead: total - busy };
  });
  const sum = (key: keyof Omit<StageTimes, 'name'>) => stages.reduce((s, t) => s + t[key], 0);
  return { stages, total: { name: 'the whole loop', total: sum('total'), trainer: sum('trainer'), profileRead: sum('profileRead'), canaryPauses: sum('canaryPauses'), overhead: sum('overhead') } };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The table the demo ends with, and the overhead beside its goal. */
export function timelineLines(timeline: Timeline, goalMs: number): string[] {
  const rows = [...timeline.stages, timeline.total].map((s) => [s.name, seconds(s.total), seconds(s.trainer), seconds(s.profileRead), seconds(s.canaryPauses), seconds(s.overhead)]);
  const header = ['STAGE', 'TOTAL', 'TRAINER', 'PROFILE READ', 'CANARY PAUSES', "CAIRN'S OVERHEAD"];
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const overhead = timeline.total.overhead;
  return [
    ...all.map(line),
    `Cairn's overhead over the whole loop: ${seconds(overhead)} (goal <= ${seconds(goalMs)}: ${overhead <= goalMs ? 'met' : 'missed'})`,
  ];
}

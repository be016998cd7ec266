/**
 * Where Cairn's overhead in the loop goes, pod by pod (docs/benchmarks.md "Demo loop"): the medians of the steps
 * between a trial pod's creation and its trainer's start, of the turnaround from a trainer's end to the next
 * trial pod, and of a serving pod's way to Ready. The times are the demo's watch sightings (observe.ts), in
 * milliseconds, so sub-second steps show. Pure.
 */
import type { PodSighting } from './observe.js';

export interface Step {
  name: string;
  /** Median over the pods that have both ends, in ms; undefined when none has. */
  medianMs: number | undefined;
  count: number;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median of `to - from` over the pods, where `from` and `to` are `created` or a key of `seen`. */
function between(pods: readonly PodSighting[], name: string, from: string, to: string): Step {
  const at = (p: PodSighting, key: string) => (key === 'created' ? p.created : p.seen[key]);
  const gaps = pods.flatMap((p) => {
    const [a, b] = [at(p, from), at(p, to)];
    return a !== undefined && b !== undefined ? [b - a] : [];
  });
  return { name, medianMs: median(gaps), count: gaps.length };
}

/**
 * A freed slot's turnaround: each trainer end paired, in order, with the creation of the next trial pod after
 * the first end (the pods of the first wave are not waiting for a slot).
 */
function turnaround(pods: readonly PodSighting[]): Step {
  const ends = pods.flatMap((p) => (p.seen['trainer.terminated'] !== undefined ? [p.seen['trainer.terminated']] : [])).sort((a, b) => a - b);
  const first = ends[0];
  const later = first === undefined ? [] : pods.map((p) => p.created).filter((c) => c > first).sort((a, b) => a - b);
  const gaps = later.map((created, i) => created - ends[i]!).filter((g) => g >= 0);
  return { name: 'trainer done -> next trial pod created', medianMs: median(gaps), count: gaps.length };
}

export function trialSteps(pods: readonly PodSighting[]): Step[] {
  return [
    between(pods, 'created -> fetch started', 'created', 'fetch.running'),
    between(pods, 'fetch', 'fetch.running', 'fetch.terminated'),
    between(pods, 'fetch done -> upload started', 'fetch.terminated', 'upload.running'),
    between(pods, 'upload started -> trainer started (its startup probe)', 'upload.running', 'trainer.running'),
    turnaround(pods),
  ];
}

export function servingSteps(pods: readonly PodSighting[]): Step[] {
  return [between(pods, 'created -> serve started', 'created', 'serve.running'), between(pods, 'serve started -> Ready', 'serve.running', 'ready')];
}

export function checkSteps(pods: readonly PodSighting[], container: string): Step[] {
  return [between(pods, `created -> ${container} started`, 'created', `${container}.running`), between(pods, container, `${container}.running`, `${container}.terminated`)];
}

/** `what (n pods): step 1.2 s, step 0.4 s, ...`; steps no pod has are left out. */
export function breakdownLine(what: string, pods: number, steps: readonly Step[]): string {
  const shown = steps.filter((s) => s.medianMs !== undefined).map((s) => `${s.name} ${(s.medianMs! / 1000).toFixed(1)} s`);
  return `${what} (${pods} pod${pods === 1 ? '' : 's'}, medians): ${shown.length ? shown.join(', ') : 'no step seen'}`;
}

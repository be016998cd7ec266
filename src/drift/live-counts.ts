/**
 * The serving runtime's drift series (docs/contracts.md §2, "Metrics") as counters keyed for
 * counter-window.ts, and back from a window's counts to what the statistics take: a numeric column's counts
 * on its profile bins, a categorical column's counts by category. Pure.
 *
 * A series is keyed by its kind, column and bucket or category, without the model and version labels: every
 * version's pods see the same live traffic distribution, so their counts add up.
 */
import type { Sample } from '../metrics/exposition.js';
import { DriftInputError } from './errors.js';
import { performanceKey } from './performance.js';

const SEP = '\u001f';
export type SeriesKind = 'feature' | 'category' | 'prediction';

/** The bucket bound as a key: the same number always gives the same text ('Infinity' for +Inf). */
const bound = (value: number): string => String(value);
const key = (kind: SeriesKind, column: string, cell: string): string => `${kind}${SEP}${column}${SEP}${cell}`;

const bucketKinds: Record<string, SeriesKind> = { cairn_feature_values_bucket: 'feature', cairn_prediction_values_bucket: 'prediction' };

/**
 * One pod's drift counters of `model` (every model when undefined) with its feedback sums (performance.ts), and
 * the start of its process (ms) when it exports process_start_time_seconds.
 */
export function driftCounters(samples: readonly Sample[], model?: string): { counters: Map<string, number>; processStartedAt?: number } {
  const counters = new Map<string, number>();
  let processStartedAt: number | undefined;
  const add = (k: string, value: number) => counters.set(k, (counters.get(k) ?? 0) + value);
  for (const s of samples) {
    if (model !== undefined && s.labels.model !== undefined && s.labels.model !== model) continue;
    const kind = bucketKinds[s.name];
    if (kind !== undefined) {
      const column = kind === 'feature' ? s.labels.feature : s.labels.output;
      const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
      if (column !== undefined && s.labels.le !== undefined && !Number.isNaN(le) && Number.isFinite(s.value)) add(key(kind, column, bound(le)), s.value);
    } else if (s.name === 'cairn_feature_category_total') {
      const { feature, category } = s.labels;
      if (feature !== undefined && category !== undefined && Number.isFinite(s.value)) add(key('category', feature, category), s.value);
    } else if (performanceKey(s) !== undefined) {
      add(performanceKey(s)!, s.value);
    } else if (s.name === 'process_start_time_seconds' && Number.isFinite(s.value)) {
      processStartedAt = s.value * 1000;
    }
  }
  return { counters, ...(processStartedAt !== undefined ? { processStartedAt } : {}) };
}

/** The cumulative bucket counts of one histogram column in the window, by bound; undefined when no series of it was seen. */
function cumulative(counts: ReadonlyMap<string, number>, kind: SeriesKind, column: string): Map<string, number> | undefined {
  const prefix = `${kind}${SEP}${column}${SEP}`;
  let found: Map<string, number> | undefined;
  for (const [k, value] of counts) {
    if (!k.startsWith(prefix)) continue;
    found ??= new Map();
    found.set(k.slice(prefix.length), value);
  }
  return found;
}

/**
 * The window's counts of a numeric column on the profile's bins (n bins, n+1 edges, closed on the right): bin k
 * holds the cumulative count at its upper edge minus the one at the edge below; the last bin's upper bound is
 * +Inf. Undefined when the pods exported no series of the column; MismatchedBins when they count it on other
 * bounds (pods started with another profile).
 */
export function liveBinCounts(counts: ReadonlyMap<string, number>, kind: 'feature' | 'prediction', column: string, edges: readonly number[]): number[] | undefined {
  const buckets = cumulative(counts, kind, column);
  if (buckets === undefined) return undefined;
  const bins = edges.length - 1;
  const live: number[] = [];
  let below = 0;
  for (let k = 0; k < bins; k++) {
    const upper = k === bins - 1 ? Number.POSITIVE_INFINITY : edges[k + 1]!;
    const at = buckets.get(bound(upper));
    if (at === undefined) {
      const what = kind === 'feature' ? `feature ${column}` : `output ${column}`;
      throw new DriftInputError('MismatchedBins', `the serving pods count ${what} without a bucket at ${upper}, an edge of the profile: they count it on other bins (started with another profile?)`);
    }
    live.push(Math.max(0, at - below));
    below = at;
  }
  return live;
}

/** The window's counts of a categorical column by category (with `__other__`); undefined when no series of it was seen. */
export function liveCategoryCounts(counts: ReadonlyMap<string, number>, column: string): Record<string, number> | undefined {
  const found = cumulative(counts, 'category', column);
  return found === undefined ? undefined : Object.fromEntries(found);
}

/** The outputs whose predictions the pods count (the `output` label of cairn_prediction_values). */
export function predictionOutputs(counts: ReadonlyMap<string, number>): string[] {
  const outputs = new Set<string>();
  const prefix = `prediction${SEP}`;
  for (const k of counts.keys()) if (k.startsWith(prefix)) outputs.add(k.slice(prefix.length).split(SEP)[0]!);
  return [...outputs].sort();
}

/**
 * The built-in analysis metrics of a rollout, read from the serving pods' own /metrics (docs/contracts.md §2),
 * pure: a pod's counters for one model version, the increase over an interval (correct across a counter reset,
 * when a pod's process restarted), summed over the version's pods, then the error rate and the p99 latency of
 * that increase, and a verdict against the metrics' thresholds (docs/rollouts.md, "Analysis").
 */
import type { Sample } from '../metrics/exposition.js';
import type { Measurement } from './machine.js';

/** One pod's cumulative counters for one model version. */
export interface ServingCounters {
  requests: number;
  /** Requests answered with a 5xx. */
  errors: number;
  /** Cumulative histogram of cairn_inference_duration_seconds: [upper bound in seconds, count], sorted, ending at +Inf. */
  latency: Array<[number, number]>;
}

/** Fewer requests than this in an interval make a measurement Inconclusive: the traffic is too thin to judge. */
export const DEFAULT_MIN_REQUESTS = 20;

export function emptyCounters(): ServingCounters {
  return { requests: 0, errors: 0, latency: [] };
}

/** The counters of `model` version `version` in one pod's samples (all protocols together). */
export function servingCounters(samples: readonly Sample[], model: string, version: string): ServingCounters {
  const counters = emptyCounters();
  const buckets = new Map<number, number>();
  for (const s of samples) {
    if (s.labels.model !== model || s.labels.version !== version) continue;
    if (s.name === 'cairn_inference_requests_total') {
      counters.requests += s.value;
      if (/^5\d\d$/.test(s.labels.code ?? '')) counters.errors += s.value;
    } else if (s.name === 'cairn_inference_duration_seconds_bucket') {
      const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
      if (!Number.isNaN(le)) buckets.set(le, (buckets.get(le) ?? 0) + s.value);
    }
  }
  counters.latency = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  return counters;
}

/**
 * The increase from `previous` to `current` of one pod. A counter that went down means the process restarted
 * and counted from zero: the increase is then `current` itself, as Prometheus' increase() takes it. No
 * previous scrape: nothing is known of the interval, and the increase is zero.
 */
export function increase(previous: ServingCounters | undefined, current: ServingCounters): ServingCounters {
  if (previous === undefined) return emptyCounters();
  const previousBuckets = new Map(previous.latency);
  const reset = current.requests < previous.requests || current.errors < previous.errors || current.latency.some(([le, count]) => count < (previousBuckets.get(le) ?? 0));
  if (reset) return { ...current, latency: current.latency.map(([le, c]) => [le, c]) };
  return {
    requests: current.requests - previous.requests,
    errors: current.errors - previous.errors,
    latency: current.latency.map(([le, count]) => [le, count - (previousBuckets.get(le) ?? 0)]),
  };
}

/** The counters of several pods added up (buckets by their bound). */
export function sum(all: readonly ServingCounters[]): ServingCounters {
  const buckets = new Map<number, number>();
  let requests = 0;
  let errors = 0;
  for (const c of all) {
    requests += c.requests;
    errors += c.errors;
    for (const [le, count] of c.latency) buckets.set(le, (buckets.get(le) ?? 0) + count);
  }
  return { requests, errors, latency: [...buckets.entries()].sort((a, b) => a[0] - b[0]) };
}

/**
 * The q-quantile of a cumulative histogram as Prometheus' histogram_quantile computes it: linear within the
 * bucket the rank falls in (from 0 for the first bucket), the highest finite bound when it falls in +Inf.
 * Undefined with no observations.
 */
export function histogramQuantile(q: number, buckets: ReadonlyArray<readonly [number, number]>): number | undefined {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (buckets.length === 0 || total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return lowerBound;
      if (count === lowerCount) return le;
      return lowerBound + ((le - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}

/** The values of the built-in metrics over an interval's increase; undefined where traffic was too thin. */
export function builtinValues(interval: ServingCounters, minRequests = DEFAULT_MIN_REQUESTS): Record<string, number | undefined> {
  if (interval.requests < minRequests) return { 'error-rate': undefined, 'latency-p99-ms': undefined };
  const p99 = histogramQuantile(0.99, interval.latency);
  return { 'error-rate': interval.errors / interval.requests, 'latency-p99-ms': p99 === undefined ? undefined : p99 * 1000 };
}

export interface MetricThreshold {
  name: string;
  max?: number;
  min?: number;
}

/**
 * The verdict of one measurement: Failed when a metric is above its max or below its min (the detail names the
 * first such metric, its value and the threshold), else Inconclusive when a metric has no value, else Passed.
 */
export function judge(metrics: readonly MetricThreshold[], values: Readonly<Record<string, number | undefined>>, at: string): Measurement {
  let inconclusive: string | undefined;
  for (const metric of metrics) {
    const value = values[metric.name];
    if (value === undefined || Number.isNaN(value)) {
      inconclusive ??= `${metric.name}: not enough traffic to measure`;
      continue;
    }
    const shown = `${metric.name} = ${Number(value.toPrecision(4))}`;
    if (metric.max !== undefined && value > metric.max) return { verdict: 'Failed', at, detail: `${shown}, above the max ${metric.max}` };
    if (metric.min !== undefined && value < metric.min) return { verdict: 'Failed', at, detail: `${shown}, below the min ${metric.min}` };
  }
  return inconclusive ? { verdict: 'Inconclusive', at, detail: inconclusive } : { verdict: 'Passed', at };
}

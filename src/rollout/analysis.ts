/**
 * The built-in analysis metrics of a rollout, read from the serving pods' own /metrics (docs/contracts.md §2),
 * pure: a pod's counters for one model version, the increase over an interval (correct across a counter reset,
 * when a pod's process restarted), summed over the version's pods, then the error rate, the p99 latency and the
 * live error of the predictions labelled at the feedback endpoint (live-rmse, live-mae, live-accuracy) of that
 * increase, and a verdict against the metrics' thresholds (docs/rollouts.md, "Analysis").
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
  /** The cairn_feedback_* sums (labels scored at the feedback endpoint), when the pod exports them. */
  feedback?: FeedbackCounters;
}

/** Counters of sums of the scored labels (docs/contracts.md §2, "Feedback"): a live metric is a ratio of two increases. */
export interface FeedbackCounters {
  /** cairn_feedback_rows_total */
  rows: number;
  /** cairn_feedback_squared_error_sum (regression) */
  squaredError: number;
  /** cairn_feedback_absolute_error_sum (regression) */
  absoluteError: number;
  /** cairn_feedback_correct_total (classification); undefined for a regression model, which does not export it. */
  correct?: number;
}

/** The metrics an analysis reads from the serving pods themselves (the rest are PromQL queries). */
export const BUILTIN_METRICS = ['error-rate', 'latency-p99-ms', 'live-rmse', 'live-mae', 'live-accuracy'] as const;

/** Fewer labelled rows than this in an interval leave the live-* metrics without a value (Inconclusive). */
export const DEFAULT_MIN_LABELS = 20;

const FEEDBACK_SERIES: Readonly<Record<string, keyof FeedbackCounters>> = {
  cairn_feedback_rows_total: 'rows',
  cairn_feedback_squared_error_sum: 'squaredError',
  cairn_feedback_absolute_error_sum: 'absoluteError',
  cairn_feedback_correct_total: 'correct',
};

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
    } else if (FEEDBACK_SERIES[s.name] !== undefined && Number.isFinite(s.value)) {
      const field = FEEDBACK_SERIES[s.name]!;
      counters.feedback ??= { rows: 0, squaredError: 0, absoluteError: 0 };
      counters.feedback[field] = (counters.feedback[field] ?? 0) + s.value;
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
  const before = previous.feedback;
  const after = current.feedback;
  const feedbackReset = before !== undefined && after !== undefined && (Object.keys(FEEDBACK_SERIES) as string[]).some((k) => (after[FEEDBACK_SERIES[k]!] ?? 0) < (before[FEEDBACK_SERIES[k]!] ?? 0));
  const reset =
    current.requests < previous.requests || current.errors < previous.errors || feedbackReset || current.latency.some(([le, count]) => count < (previousBuckets.get(le) ?? 0));
  if (reset) return { ...current, latency: current.latency.map(([le, c]) => [le, c]), ...(after ? { feedback: { ...after } } : {}) };
  const out: ServingCounters = {
    requests: current.requests - previous.requests,
    errors: current.errors - previous.errors,
    latency: current.latency.map(([le, count]) => [le, count - (previousBuckets.get(le) ?? 0)]),
  };
  if (after) out.feedback = subtractFeedback(after, before);
  return out;
}

function subtractFeedback(after: FeedbackCounters, before: FeedbackCounters | undefined): FeedbackCounters {
  const out: FeedbackCounters = {
    rows: after.rows - (before?.rows ?? 0),
    squaredError: after.squaredError - (before?.squaredError ?? 0),
    absoluteError: after.absoluteError - (before?.absoluteError ?? 0),
  };
  if (after.correct !== undefined) out.correct = after.correct - (before?.correct ?? 0);
  return out;
}

function addFeedback(total: FeedbackCounters | undefined, more: FeedbackCounters): FeedbackCounters {
  const out: FeedbackCounters = {
    rows: (total?.rows ?? 0) + more.rows,
    squaredError: (total?.squaredError ?? 0) + more.squaredError,
    absoluteError: (total?.absoluteError ?? 0) + more.absoluteError,
  };
  if (total?.correct !== undefined || more.correct !== undefined) out.correct = (total?.correct ?? 0) + (more.correct ?? 0);
  return out;
}

/** The counters of several pods added up (buckets by their bound). */
export function sum(all: readonly ServingCounters[]): ServingCounters {
  const buckets = new Map<number, number>();
  let requests = 0;
  let errors = 0;
  let feedback: FeedbackCounters | undefined;
  for (const c of all) {
    requests += c.requests;
    errors += c.errors;
    for (const [le, count] of c.latency) buckets.set(le, (buckets.get(le) ?? 0) + count);
    if (c.feedback) feedback = addFeedback(feedback, c.feedback);
  }
  return { requests, errors, latency: [...buckets.entries()].sort((a, b) => a[0] - b[0]), ...(feedback ? { feedback } : {}) };
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

/**
 * The values of the built-in metrics over an interval's increase; undefined where traffic was too thin: fewer
 * than `minRequests` requests, or for the live-* metrics fewer than `minLabels` labelled rows (live-accuracy has
 * no value for a regression model, live-rmse and live-mae none for a classification).
 */
export function builtinValues(interval: ServingCounters, minRequests = DEFAULT_MIN_REQUESTS, minLabels = DEFAULT_MIN_LABELS): Record<string, number | undefined> {
  const live = liveValues(interval.feedback, minLabels);
  if (interval.requests < minRequests) return { 'error-rate': undefined, 'latency-p99-ms': undefined, ...live };
  const p99 = histogramQuantile(0.99, interval.latency);
  return { 'error-rate': interval.errors / interval.requests, 'latency-p99-ms': p99 === undefined ? undefined : p99 * 1000, ...live };
}

/** live-rmse = sqrt(squared errors / rows), live-mae = absolute errors / rows, live-accuracy = correct / rows. */
export function liveValues(feedback: FeedbackCounters | undefined, minLabels = DEFAULT_MIN_LABELS): Record<'live-rmse' | 'live-mae' | 'live-accuracy', number | undefined> {
  if (!feedback || feedback.rows < minLabels) return { 'live-rmse': undefined, 'live-mae': undefined, 'live-accuracy': undefined };
  const classification = feedback.correct !== undefined;
  return {
    'live-rmse': classification ? undefined : Math.sqrt(feedback.squaredError / feedback.rows),
    'live-mae': classification ? undefined : feedback.absoluteError / feedback.rows,
    'live-accuracy': classification ? feedback.correct! / feedback.rows : undefined,
  };
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
      inconclusive ??= metric.name.startsWith('live-') ? `${metric.name}: not enough labels to measure` : `${metric.name}: not enough traffic to measure`;
      continue;
    }
    const shown = `${metric.name} = ${Number(value.toPrecision(4))}`;
    if (metric.max !== undefined && value > metric.max) return { verdict: 'Failed', at, detail: `${shown}, above the max ${metric.max}` };
    if (metric.min !== undefined && value < metric.min) return { verdict: 'Failed', at, detail: `${shown}, below the min ${metric.min}` };
  }
  return inconclusive ? { verdict: 'Inconclusive', at, detail: inconclusive } : { verdict: 'Passed', at };
}

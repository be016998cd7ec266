/**
 * One analysis measurement of a rollout: the built-in metrics from the canary pods' own /metrics (counter
 * increases since the previous scrape of each pod, summed over the pods) and the Prometheus metrics (one
 * PromQL query each), judged against their thresholds. The previous scrape of each pod is kept in memory,
 * by Deployment; after an operator restart the first measurement has no baseline and is Inconclusive, which
 * the step machine tolerates (docs/rollouts.md, "Analysis").
 */
import type { DeploymentSpec } from '../../api/kinds/deployment.js';
import { parseExposition, type Sample } from '../../metrics/exposition.js';
import { BUILTIN_METRICS, builtinValues, emptyCounters, increase, judge, servingCounters, sum, type MetricThreshold, type ServingCounters } from '../../rollout/analysis.js';
import type { Measurement } from '../../rollout/machine.js';
import { PrometheusError, queryPrometheus } from '../../rollout/prometheus.js';
import { emptyShadowCounters, shadowCounters, sumShadowCounters, type ShadowCounters } from '../../rollout/shadow.js';
import { SERVING_PORT } from '../../render/serving.js';

type AnalysisMetric = NonNullable<NonNullable<DeploymentSpec['strategy']>['analysis']>['metrics'][number];

/** A serving pod of the canary, as the pod cache shows it. */
export interface ServingPod {
  uid: string;
  ip: string;
  /** RFC 3339: when the pod was created (a pod newer than the last scrape counted only in this interval). */
  createdAt: string;
}

export interface MeasureIO {
  fetch: typeof fetch;
  signal?: AbortSignal;
}

const SCRAPE_TIMEOUT_MS = 3_000;
const BUILTIN = new Set<string>(BUILTIN_METRICS);

/** What a Prometheus query may say about the rollout: `{{name}}`, `{{namespace}}`, `{{stable}}`, `{{canary}}`. */
export function expandQuery(query: string, vars: Readonly<Record<string, string>>): string {
  return query.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => vars[key] ?? whole);
}

/** The name a metric is judged under: its own, or `prometheus <query>` (several Prometheus metrics stay apart). */
function metricKey(metric: AnalysisMetric): string {
  if (metric.name !== 'prometheus') return metric.name;
  const query = metric.query ?? '';
  return `prometheus ${query.length > 80 ? `${query.slice(0, 77)}...` : query}`;
}

export class Scrapes {
  /** Deployment key -> pod uid -> the counters of its last scrape. */
  private readonly last = new Map<string, Map<string, ServingCounters>>();

  forget(key: string): void {
    this.last.delete(key);
  }

  /** Scrapes the pods not scraped yet (the baseline of the next measurement); cheap when all have one. */
  async prime(key: string, pods: readonly ServingPod[], model: string, version: number, io: MeasureIO): Promise<void> {
    const known = this.last.get(key);
    const missing = pods.filter((p) => !known?.has(p.uid));
    if (missing.length === 0) return;
    await this.scrape(key, pods, model, version, io, undefined, false);
  }

  /**
   * The counters' increase over the canary's pods since their previous scrape. A pod created after `since`
   * counts from zero; a pod with no previous scrape and older than that counts nothing (its interval is unknown).
   */
  async scrape(key: string, pods: readonly ServingPod[], model: string, version: number, io: MeasureIO, since: string | undefined, replace = true): Promise<ServingCounters> {
    const previous = this.last.get(key) ?? new Map<string, ServingCounters>();
    const next = new Map<string, ServingCounters>();
    const increases: ServingCounters[] = [];
    await Promise.all(
      pods.map(async (pod) => {
        const current = await scrapePod(pod, model, version, io);
        if (!current) return;
        next.set(pod.uid, current);
        const before = previous.get(pod.uid) ?? (since !== undefined && Date.parse(pod.createdAt) >= Date.parse(since) ? emptyCounters() : undefined);
        increases.push(increase(before, current));
      }),
    );
    if (replace) this.last.set(key, next);
    else this.last.set(key, new Map([...previous, ...[...next].filter(([uid]) => !previous.has(uid))]));
    return sum(increases);
  }
}

/** A serving pod's /metrics, parsed; undefined when it does not answer. */
async function podSamples(pod: ServingPod, io: MeasureIO): Promise<Sample[] | undefined> {
  try {
    const signals = [AbortSignal.timeout(SCRAPE_TIMEOUT_MS), ...(io.signal ? [io.signal] : [])];
    const answer = await io.fetch(`http://${pod.ip}:${SERVING_PORT}/metrics`, { signal: AbortSignal.any(signals) });
    if (!answer.ok) return undefined;
    return parseExposition(await answer.text());
  } catch {
    return undefined;
  }
}

/** A pod that does not answer is not measured: too little traffic makes the measurement Inconclusive. */
async function scrapePod(pod: ServingPod, model: string, version: number, io: MeasureIO): Promise<ServingCounters | undefined> {
  const samples = await podSamples(pod, io);
  return samples && servingCounters(samples, model, String(version));
}

/** The shadow comparison counters of the stable pods (those that send the copies), summed. */
export async function shadowAgreement(pods: readonly ServingPod[], model: string, stable: number, io: MeasureIO): Promise<ShadowCounters> {
  const each = await Promise.all(pods.map(async (pod) => {
    const samples = await podSamples(pod, io);
    return samples ? shadowCounters(samples, model, String(stable)) : emptyShadowCounters();
  }));
  return sumShadowCounters(each);
}

export interface MeasureInput {
  key: string;
  metrics: readonly AnalysisMetric[];
  pods: readonly ServingPod[];
  model: string;
  canary: number;
  /** The previous measurement (or the step's start): pods created since count from zero. */
  since: string | undefined;
  vars: Readonly<Record<string, string>>;
  now: Date;
}

/** One measurement: every metric's value, judged. Provider errors make it Inconclusive, with the error named. */
export async function measure(scrapes: Scrapes, input: MeasureInput, io: MeasureIO): Promise<Measurement> {
  const values: Record<string, number | undefined> = {};
  const notes: string[] = [];
  if (input.metrics.some((m) => BUILTIN.has(m.name))) {
    Object.assign(values, builtinValues(await scrapes.scrape(input.key, input.pods, input.model, input.canary, io, input.since)));
  }
  for (const metric of input.metrics) {
    if (metric.name !== 'prometheus' || !metric.query || !metric.address) continue;
    try {
      values[metricKey(metric)] = await queryPrometheus(metric.address, expandQuery(metric.query, input.vars), { fetch: io.fetch, ...(io.signal ? { signal: io.signal } : {}) });
    } catch (err) {
      if (!(err instanceof PrometheusError)) throw err;
      values[metricKey(metric)] = undefined;
      notes.push(err.message);
    }
  }
  const thresholds: MetricThreshold[] = input.metrics.map((m) => ({ name: metricKey(m), ...(m.max === undefined ? {} : { max: m.max }), ...(m.min === undefined ? {} : { min: m.min }) }));
  const verdict = judge(thresholds, values, input.now.toISOString());
  if (verdict.verdict === 'Inconclusive' && notes.length > 0) return { ...verdict, detail: notes.join('; ') };
  return verdict;
}

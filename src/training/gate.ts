/**
 * Pure: what a finished trial reported (from observeJob), whether it passes the gate, and which passing trial is
 * best (docs/contracts.md §1, docs/api.md Experiment). A trainer that crashes, lies or says nothing fails its own
 * trial with a reason a person can read; nothing here throws.
 */
import type { ExperimentSpec } from '../api/kinds/experiment.js';
import type { JobObservation } from '../render/index.js';

export type Metrics = Readonly<Record<string, number>>;

export type TrialResult = { ok: true; metrics: Metrics } | { ok: false; reason: TrialFailureReason; message: string };

export type TrialFailureReason = 'TrainerFailed' | 'DeadlineExceeded' | 'NoResult' | 'MalformedResult' | 'ResultTooLarge' | 'InvalidMetrics';

/** Metric names as the API's identifier rule says (docs/api.md, shared field types). */
const metricName = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const maxMetrics = 64;

/** The result of a trial whose Job finished (Succeeded or Failed). */
export function trialResult(observed: JobObservation): TrialResult {
  if (observed.phase === 'Failed') {
    if (observed.reason === 'DeadlineExceeded') return { ok: false, reason: 'DeadlineExceeded', message: 'the trial ran past trialTimeout and was stopped' };
    const exit = observed.exitCode !== undefined ? `exit code ${observed.exitCode}` : observed.reason ?? 'failed';
    const container = observed.container && observed.container !== 'trainer' ? ` in container ${observed.container}` : '';
    const detail = observed.message ? `: ${oneLine(observed.message)}` : '';
    return { ok: false, reason: 'TrainerFailed', message: `${exit}${observed.reason && observed.exitCode !== undefined && observed.reason !== 'Error' ? ` (${observed.reason})` : ''}${container}${detail}` };
  }
  const t = observed.termination;
  switch (t.state) {
    case 'missing':
      return { ok: false, reason: 'NoResult', message: 'the trainer exited 0 without writing its result to $CAIRN_TERMINATION_LOG' };
    case 'malformed':
      return { ok: false, reason: 'MalformedResult', message: `the trainer's result is ${t.error}` };
    case 'tooLarge':
      return { ok: false, reason: 'ResultTooLarge', message: `the trainer's result is ${t.bytes} bytes; at most 4096` };
  }
  return metricsOf(t.value);
}

/** `{"metrics": {name: finite number}}`, at most 64 of them, and nothing else is checked. */
export function metricsOf(value: unknown): TrialResult {
  const metrics = (value as { metrics?: unknown } | null)?.metrics;
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) return { ok: false, reason: 'InvalidMetrics', message: 'the result has no "metrics" object' };
  const entries = Object.entries(metrics);
  if (entries.length === 0) return { ok: false, reason: 'InvalidMetrics', message: 'the result reports no metric' };
  if (entries.length > maxMetrics) return { ok: false, reason: 'InvalidMetrics', message: `the result reports ${entries.length} metrics; at most ${maxMetrics}` };
  for (const [name, v] of entries) {
    if (!metricName.test(name) || name.length > 128) return { ok: false, reason: 'InvalidMetrics', message: `metric name ${JSON.stringify(name.slice(0, 130))} is not an identifier` };
    if (typeof v !== 'number' || !Number.isFinite(v)) return { ok: false, reason: 'InvalidMetrics', message: `metric ${name} is ${JSON.stringify(v) ?? String(v)}, not a finite number` };
  }
  return { ok: true, metrics: Object.fromEntries(entries) as Record<string, number> };
}

export interface Verdict {
  passed: boolean;
  /** Why it did not pass, one line per criterion that failed. */
  failures: string[];
}

/**
 * The gate: every criterion must hold; a metric the trainer did not report fails its criterion. Without
 * criteria, a trial passes when it reports the objective metric.
 */
export function gate(metrics: Metrics, spec: Pick<ExperimentSpec, 'successCriteria' | 'objective'>): Verdict {
  const criteria = spec.successCriteria ?? [];
  if (criteria.length === 0) {
    return spec.objective.metric in metrics ? { passed: true, failures: [] } : { passed: false, failures: [`objective metric ${spec.objective.metric} not reported`] };
  }
  const failures: string[] = [];
  for (const c of criteria) {
    const v = metrics[c.metric];
    if (v === undefined) failures.push(`${c.metric} not reported (needs ${c.op} ${c.value})`);
    else if (!compare(v, c.op, c.value)) failures.push(`${c.metric} = ${v}, needs ${c.op} ${c.value}`);
  }
  return { passed: failures.length === 0, failures };
}

function compare(v: number, op: '<' | '<=' | '>' | '>=' | '==', target: number): boolean {
  switch (op) {
    case '<':
      return v < target;
    case '<=':
      return v <= target;
    case '>':
      return v > target;
    case '>=':
      return v >= target;
    case '==':
      return v === target;
  }
}

export interface RankedTrial {
  name: string;
  passed?: boolean;
  metrics?: Metrics;
}

/** The best passing trial by the objective; ties go to the earlier trial (list order). Undefined when none passed. */
export function bestTrial<T extends RankedTrial>(trials: readonly T[], objective: ExperimentSpec['objective']): T | undefined {
  let best: T | undefined;
  for (const trial of trials) {
    const v = trial.passed ? trial.metrics?.[objective.metric] : undefined;
    if (v === undefined) continue;
    const current = best?.metrics?.[objective.metric];
    if (current === undefined || (objective.goal === 'minimize' ? v < current : v > current)) best = trial;
  }
  return best;
}

const oneLine = (text: string): string => {
  const line = text.trim().split('\n').filter(Boolean).slice(-3).join(' | ');
  return line.length > 1024 ? `${line.slice(0, 1000)}... (truncated)` : line;
};

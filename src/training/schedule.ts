/**
 * Pure: one step of a run. Given the planned trials, what is already recorded and what the Jobs say, it
 * decides each trial's record, which trials start now (at most `parallelism` at once, lowest index first),
 * and whether the run is over. Deterministic, so an operator that restarts mid-run decides the same: the
 * trials' Jobs (named by run and index) and the recorded table are the whole state.
 */
import type { ExperimentSpec } from '../api/kinds/experiment.js';
import { gate, type Metrics } from './gate.js';
import type { TrialOutcome } from './outcome.js';
import type { TrialParameters } from './search.js';
import { isFinished, type TrialRecord } from './table.js';

/** What the trial's Job says: still going, or finished with an outcome. */
export type JobState = { phase: 'Pending' | 'Running'; reason?: string; message?: string } | { phase: 'Finished'; outcome: TrialOutcome };

export interface ScheduleInput {
  /** Trial names, in plan order (training/names.ts trialName). */
  names: readonly string[];
  parameters: readonly TrialParameters[];
  /** Finished records already stored (the trials ConfigMap, status). */
  recorded: ReadonlyMap<string, TrialRecord>;
  /** The trials that have a Job, by name. */
  jobs: ReadonlyMap<string, JobState>;
  spec: Pick<ExperimentSpec, 'successCriteria' | 'objective'>;
  parallelism: number;
  maxFailedTrials: number;
}

export type RunPhase = 'Running' | 'Succeeded' | 'Failed';

export interface Schedule {
  /** One per planned trial; undefined for a trial not started yet. */
  records: Array<TrialRecord | undefined>;
  /** Indexes of the trials to start now. */
  start: number[];
  /** Trials that finished in this step (not recorded before): for Events. */
  newlyFinished: TrialRecord[];
  phase: RunPhase;
  /** For a failed run: why. */
  failure?: string;
}

/** Decides the records, the trials to start and the run's phase. */
export function schedule(input: ScheduleInput): Schedule {
  const newlyFinished: TrialRecord[] = [];
  const records = input.names.map((name, index): TrialRecord | undefined => {
    const recorded = input.recorded.get(name);
    if (recorded) return recorded;
    const job = input.jobs.get(name);
    if (!job) return undefined;
    const base = { index, name, parameters: input.parameters[index] ?? {} };
    if (job.phase !== 'Finished') return { ...base, phase: job.phase, ...(job.reason ? { reason: job.reason } : {}), ...(job.message ? { message: job.message } : {}) };
    const record = finishedRecord(base, job.outcome, input.spec);
    newlyFinished.push(record);
    return record;
  });
  const failed = records.filter((r) => r?.phase === 'Failed').length;
  if (failed > input.maxFailedTrials) {
    // The run is over: trials still going are stopped (their Jobs are deleted) and say why.
    const failure = `${failed} trials failed, more than maxFailedTrials (${input.maxFailedTrials})`;
    const stopped = records.map((r) => (r && !isFinished(r) ? { ...r, phase: 'Failed' as const, reason: 'Stopped', message: `stopped: ${failure}` } : r));
    for (const r of stopped) if (r?.reason === 'Stopped' && !input.recorded.has(r.name)) newlyFinished.push(r);
    return { records: stopped, start: [], newlyFinished, phase: 'Failed', failure };
  }
  const active = records.filter((r) => r && !isFinished(r)).length;
  const start: number[] = [];
  for (let i = 0; i < records.length && active + start.length < input.parallelism; i++) if (records[i] === undefined) start.push(i);
  const done = records.every((r) => r !== undefined && isFinished(r));
  return { records, start, newlyFinished, phase: done ? 'Succeeded' : 'Running' };
}

function finishedRecord(base: Pick<TrialRecord, 'index' | 'name' | 'parameters'>, outcome: TrialOutcome, spec: ScheduleInput['spec']): TrialRecord {
  if (!outcome.ok) return { ...base, phase: 'Failed', reason: outcome.reason, message: outcome.message };
  const verdict = gate(outcome.metrics, spec);
  return { ...base, phase: 'Succeeded', metrics: outcome.metrics as Metrics, passed: verdict.passed, model: outcome.model, ...(verdict.passed ? {} : { message: `did not pass: ${verdict.failures.join('; ')}` }) };
}

export interface TrialCounts {
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  passed: number;
}

export function countTrials(records: ReadonlyArray<TrialRecord | undefined>): TrialCounts {
  const counts: TrialCounts = { total: records.length, pending: 0, running: 0, succeeded: 0, failed: 0, passed: 0 };
  for (const r of records) {
    if (r === undefined || r.phase === 'Pending') counts.pending++;
    else if (r.phase === 'Running') counts.running++;
    else if (r.phase === 'Succeeded') counts.succeeded++;
    else counts.failed++;
    if (r?.passed) counts.passed++;
  }
  return counts;
}

/**
 * Pure: the trial table of a run, one record per trial, and its `trials.jsonl` form (the ConfigMap that holds
 * a run's full table, so status can keep only the most recent trials: docs/api.md, Experiment status).
 */
import type { Metrics } from './gate.js';
import type { TrialModel } from './outcome.js';
import type { TrialParameters } from './search.js';

export type TrialPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface TrialRecord {
  index: number;
  name: string;
  parameters: TrialParameters;
  phase: TrialPhase;
  metrics?: Metrics;
  passed?: boolean;
  model?: TrialModel;
  /** CamelCase, for a failed trial (TrainerFailed, NoModel, Stopped...). */
  reason?: string;
  /** Why it failed, or why it did not pass the gate, or why it waits. */
  message?: string;
}

export const isFinished = (record: { phase: TrialPhase }): boolean => record.phase === 'Succeeded' || record.phase === 'Failed';

/** A message in the table stays short: 1,000 trials must fit a ConfigMap (1 MiB). */
const maxTableMessage = 512;

/**
 * Each record's line, by the record: a run's stored records are the same objects from one reconcile to the next
 * (parsed once per table), so a table of 1,000 trials is not serialised again for every pod that ends. A record is
 * never changed once made.
 */
const lines = new WeakMap<TrialRecord, string>();

function lineOf(r: TrialRecord): string {
  let line = lines.get(r);
  if (line === undefined) {
    line = JSON.stringify(r.message && r.message.length > maxTableMessage ? { ...r, message: `${r.message.slice(0, maxTableMessage - 15)}... (truncated)` } : r);
    lines.set(r, line);
  }
  return line;
}

/** The finished records as JSON lines, in index order (unfinished ones are read again from their Jobs). */
export function tableJsonl(records: readonly TrialRecord[]): string {
  return records.filter(isFinished).map(lineOf).join('\n');
}

/** The records of a `trials.jsonl`; a line that is not a finished record is skipped (the Jobs, if any, tell again). */
export function parseTable(text: string | undefined): Map<string, TrialRecord> {
  const records = new Map<string, TrialRecord>();
  for (const line of (text ?? '').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const record = JSON.parse(line) as TrialRecord;
      if (typeof record.name === 'string' && typeof record.index === 'number' && isFinished(record)) records.set(record.name, record);
    } catch {
      // skipped: see above
    }
  }
  return records;
}

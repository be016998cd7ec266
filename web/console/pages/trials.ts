/**
 * Pure helpers of the Experiment page: the run's trials from its trial table (finished trials, ConfigMap) and
 * status.trials (the recent ones, including those still running), and the numbers its plots need.
 */
import type { ConsoleObject, TrialRow, TrialTable } from '../../../src/console/model.js';

export interface Criterion {
  metric: string;
  op: string;
  value: number;
}

/** The current run's trials by name, status.trials over the table (it is newer), in index order. */
export function runTrials(experiment: ConsoleObject, table: TrialTable | undefined): TrialRow[] {
  const run = experiment.status?.run;
  const byName = new Map<string, TrialRow>();
  if (table && table.run === run) for (const r of table.records) byName.set(r.name, r);
  const recent = Array.isArray(experiment.status?.trials) ? (experiment.status.trials as TrialRow[]) : [];
  for (const t of recent) byName.set(t.name, { ...byName.get(t.name), ...t });
  const indexOf = (t: TrialRow) => t.index ?? Number(/-t(\d+)$/.exec(t.name)?.[1] ?? Number.MAX_SAFE_INTEGER);
  return [...byName.values()].map((t) => ({ ...t, index: indexOf(t) })).sort((a, b) => a.index! - b.index!);
}

export const parameterNames = (trials: TrialRow[]): string[] => [...new Set(trials.flatMap((t) => Object.keys(t.parameters ?? {})))].sort();
export const metricNames = (trials: TrialRow[]): string[] => [...new Set(trials.flatMap((t) => Object.keys(t.metrics ?? {})))].sort();

/** A parameter is numeric when every value it took parses as a number. */
export function isNumeric(trials: TrialRow[], parameter: string): boolean {
  const values = trials.map((t) => t.parameters?.[parameter]).filter((v) => v !== undefined);
  return values.length > 0 && values.every((v) => v !== '' && Number.isFinite(Number(v)));
}

/** A failed trial's reason: its own field, or the `<Reason>:` its message starts with. */
export function reasonOf(t: TrialRow): string {
  return t.reason ?? /^([A-Z][A-Za-z]+):/.exec(t.message ?? '')?.[1] ?? '';
}

export function matches(t: TrialRow, filter: string): boolean {
  if (!filter) return true;
  const needle = filter.toLowerCase();
  return [t.name, t.phase, t.message, t.reason, t.passed === undefined ? '' : t.passed ? 'passed' : 'not passed', ...Object.entries(t.parameters ?? {}).map(([k, v]) => `${k}=${v}`)].some((s) => (s ?? '').toLowerCase().includes(needle));
}

/** Orders by one column, blanks (a failed trial's metrics) last either way. */
export function compareBy(column: string, descending = false): (a: TrialRow, b: TrialRow) => number {
  const value = (t: TrialRow): string | number | undefined => {
    if (column === '#') return t.index;
    if (column === 'name') return t.name;
    if (column === 'phase') return t.phase;
    if (column === 'passed') return t.passed === undefined ? undefined : t.passed ? 1 : 0;
    if (column.startsWith('metric:')) return t.metrics?.[column.slice(7)];
    if (column.startsWith('param:')) {
      const v = t.parameters?.[column.slice(6)];
      return v !== undefined && Number.isFinite(Number(v)) ? Number(v) : v;
    }
    return undefined;
  };
  return (a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === undefined) return y === undefined ? 0 : 1; // blanks last
    if (y === undefined) return -1;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return descending ? -order : order;
  };
}

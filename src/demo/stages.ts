/**
 * Pure: the lines the demo prints for each stage of the lifecycle, from the objects' status (docs/api.md): the
 * data profiled, the trials with their parameters, metrics and the gate, the registered model with its lineage,
 * the serving version, and the drift check.
 */

type Condition = { type: string; status: string; reason?: string; message?: string };
type Status<T> = T & { conditions?: Condition[] };

export interface DatasetView {
  metadata?: { name?: string };
  status?: Status<{ version?: string; rows?: number; profile?: { configMapRef?: { name?: string }; features?: number } }>;
}

export interface TrialView {
  name: string;
  parameters?: Record<string, string>;
  phase?: string;
  metrics?: Record<string, number>;
  passed?: boolean;
  message?: string;
}

export interface ExperimentView {
  metadata?: { name?: string };
  spec?: { successCriteria?: Array<{ metric: string; op: string; value: number }>; objective?: { metric: string; goal: string } };
  status?: Status<{ run?: number; phase?: string; trials?: TrialView[]; bestTrial?: string; modelVersion?: string; rerunRequest?: string; datasetVersion?: string }>;
}

export interface ModelVersionView {
  metadata?: { name?: string };
  status?: Status<object>;
  spec?: { model?: string; version?: number; artifact?: { uri?: string; sha256?: string }; lineage?: { experiment?: string; run?: number; trial?: string; parameters?: Record<string, string>; dataset?: { name?: string; version?: string }; trainerImage?: string; gitRevision?: string } };
}

export interface DriftMonitorView {
  status?: Status<{
    samples?: number;
    features?: Array<{ name: string; method?: string; score?: number; threshold?: number; drifted?: boolean }>;
    baseline?: { dataset: string; version?: string; configMap: string; from: string; modelVersion?: string };
  }>;
}

export interface DeploymentView {
  metadata?: { name?: string };
  status?: Status<{ phase?: string; message?: string; stable?: { version?: number; weight?: number }; canary?: { version?: number; weight?: number; step?: number } }>;
}

const short = (digest: string | undefined) => (digest ? digest.replace(/^(sha256:)?([0-9a-f]{12})[0-9a-f]+$/, '$1$2') : '-');
const number = (n: number | undefined) => (n === undefined ? '-' : Number.isInteger(n) ? String(n) : n.toPrecision(4));

export function datasetLine(d: DatasetView): string {
  const s = d.status;
  return `Dataset ${d.metadata?.name ?? ''}: ${s?.rows ?? '?'} rows profiled (${s?.profile?.features ?? '?'} columns), version ${short(s?.version)}, profile in ConfigMap ${s?.profile?.configMapRef?.name ?? '-'}`;
}

/** The trials table: one line each, sorted by name, with the gate above it. */
export function trialLines(e: ExperimentView): string[] {
  const gate = (e.spec?.successCriteria ?? []).map((c) => `${c.metric} ${c.op} ${c.value}`).join(' and ') || 'none';
  const lines = [`Experiment ${e.metadata?.name ?? ''} run ${e.status?.run ?? '?'}: ${e.status?.trials?.length ?? 0} trials, objective ${e.spec?.objective?.goal ?? ''} ${e.spec?.objective?.metric ?? ''}, gate ${gate}`];
  const trials = [...(e.status?.trials ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  for (const t of trials) {
    const parameters = Object.entries(t.parameters ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
    const metrics = Object.entries(t.metrics ?? {}).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${number(v)}`).join(', ');
    const verdict = t.phase !== 'Succeeded' ? `${t.phase ?? 'Pending'}${t.message ? `: ${t.message}` : ''}` : t.passed ? 'passed the gate' : `refused: ${t.message ?? 'did not pass'}`;
    lines.push(`  ${t.name === e.status?.bestTrial ? '*' : ' '} ${t.name}  ${parameters}  ${metrics || '-'}  ${verdict}`);
  }
  return lines;
}

export function lineageLines(mv: ModelVersionView): string[] {
  const l = mv.spec?.lineage;
  const parameters = Object.entries(l?.parameters ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
  return [
    `ModelVersion ${mv.metadata?.name ?? ''}: model ${mv.spec?.model ?? ''} version ${mv.spec?.version ?? '?'}, ${mv.spec?.artifact?.uri ?? '-'} (sha256 ${short(mv.spec?.artifact?.sha256)})`,
    `  lineage: experiment ${l?.experiment ?? '-'} run ${l?.run ?? '-'} trial ${l?.trial ?? '-'} (${parameters || 'no parameters'}), dataset ${l?.dataset?.name ?? '-'} ${short(l?.dataset?.version)}, trainer ${l?.trainerImage ?? '-'}`,
  ];
}

/** Where the rollout of `version` is: '' before it started, its weight and step while a canary, promoted at the end. */
export function canaryLine(d: DeploymentView, version: number): string {
  const s = d.status;
  const name = d.metadata?.name ?? '';
  if (s?.stable?.version === version) return `Deployment ${name}: version ${version} promoted, serves all traffic (${s.message ?? ''})`;
  if (s?.canary?.version !== version) return '';
  return `Deployment ${name}: canary version ${version} at ${s.canary.weight ?? 0}%, stable version ${s.stable?.version ?? '-'} (${s.phase ?? '-'}: ${s.message ?? ''})`;
}

export function driftLine(name: string, m: DriftMonitorView): string {
  const drifted = m.status?.conditions?.find((c) => c.type === 'Drifted');
  const ready = m.status?.conditions?.find((c) => c.type === 'Ready');
  const verdict = drifted ? `Drifted=${drifted.status} (${drifted.reason ?? ''}${drifted.message ? `: ${drifted.message}` : ''})` : `Ready=${ready?.status ?? '-'} (${ready?.message ?? ''})`;
  const scores = (m.status?.features ?? []).map((f) => `${f.name} ${f.method ?? ''} ${number(f.score)}/${number(f.threshold)}${f.drifted ? ' DRIFTED' : ''}`).join(', ');
  const samples = m.status?.samples === undefined ? '' : ` over ${m.status.samples} samples`;
  return `DriftMonitor ${name}: ${verdict}${samples}${scores ? `; ${scores}` : ''}`;
}

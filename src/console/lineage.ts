/**
 * The lineage graph the Lineage page draws: Git revision -> Dataset version -> Experiment run -> trials ->
 * ModelVersion -> Deployment (stable / canary) -> DriftMonitor, from the objects' own references:
 *   - a GitSource applied an object when the object carries its `cairn.dev/source` label;
 *   - an Experiment trains on `spec.datasetRef`; its run's trials are a node of their own (status.trialCounts);
 *   - a ModelVersion names its experiment and dataset in `spec.lineage` (or its Experiment names it in
 *     `status.modelVersion`);
 *   - a Deployment serves the ModelVersions of `spec.model` whose version is its status' stable or canary;
 *   - a DriftMonitor watches `spec.deploymentRef`.
 * A reference into a kind the user may not read becomes a node marked `forbidden` ("not permitted"). Pure.
 */
import { conditionOf, type ConsoleKind, type ConsoleObject, type ConsoleState } from './model.js';

export type Stage = 'GitSource' | 'Dataset' | 'Experiment' | 'Trials' | 'ModelVersion' | 'Deployment' | 'DriftMonitor';
export const STAGES: readonly Stage[] = ['GitSource', 'Dataset', 'Experiment', 'Trials', 'ModelVersion', 'Deployment', 'DriftMonitor'];

export interface LineageNode {
  id: string;
  stage: Stage;
  namespace: string;
  name: string;
  /** One line under the name: the revision, the version, the run, the phase. */
  detail: string;
  /** The Ready condition's status, when the object has one. */
  ready?: string;
  readyMessage?: string;
  /** The object is referenced but its kind may not be read. */
  forbidden?: boolean;
  /** The object is referenced but does not exist (or is not seen). */
  missing?: boolean;
  /** The page to open: `#/deployment/ns/name` etc. */
  href?: string;
}

export interface LineageEdge {
  from: string;
  to: string;
  label?: string;
}

export interface LineageGraph {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
const idOf = (stage: Stage, namespace: string, name: string) => `${stage}:${namespace}/${name}`;
const short = (digest: string | undefined) => (digest ? digest.replace(/^(sha256|sha1):/, '').slice(0, 12) : '');

function hrefOf(stage: Stage, namespace: string, name: string): string | undefined {
  switch (stage) {
    case 'Experiment':
    case 'Trials':
      return `#/experiment/${namespace}/${name}`;
    case 'Deployment':
      return `#/deployment/${namespace}/${name}`;
    case 'DriftMonitor':
      return `#/drift/${namespace}/${name}`;
    default:
      return `#/object/${stage}/${namespace}/${name}`;
  }
}

function detailOf(stage: Stage, o: ConsoleObject): string {
  const s = rec(o.status);
  const spec = rec(o.spec);
  switch (stage) {
    case 'GitSource': {
      const revision = str(s.revision);
      return revision ? revision.replace(/@(sha1|sha256):([0-9a-f]{12})[0-9a-f]*$/, '@$2') : 'no revision yet';
    }
    case 'Dataset':
      return s.version ? `version ${short(str(s.version))}${typeof s.rows === 'number' ? `, ${s.rows} rows` : ''}` : 'no version yet';
    case 'Experiment':
      return typeof s.run === 'number' ? `run ${s.run}${s.phase ? `, ${String(s.phase)}` : ''}` : 'not run yet';
    case 'ModelVersion':
      return `${str(spec.model) ?? '?'} v${String(spec.version ?? '?')}`;
    case 'Deployment': {
      const stable = rec(s.stable);
      const canary = rec(s.canary);
      const parts = [str(s.phase) ?? 'no status yet'];
      if (stable.version !== undefined) parts.push(`stable v${String(stable.version)} ${String(stable.weight)}%`);
      if (canary.version !== undefined) parts.push(`canary v${String(canary.version)} ${String(canary.weight)}%`);
      return parts.join(', ');
    }
    case 'DriftMonitor':
      return s.drifted === true ? 'drifted' : s.lastEvaluation ? 'no drift' : 'not evaluated yet';
    default:
      return '';
  }
}

export function lineageGraph(state: ConsoleState): LineageGraph {
  const nodes = new Map<string, LineageNode>();
  const edges = new Map<string, LineageEdge>();
  const items = (kind: ConsoleKind) => state.kinds[kind].items;
  const forbidden = (kind: ConsoleKind) => state.kinds[kind].access === 'forbidden';

  function add(stage: Stage, o: ConsoleObject): string {
    const namespace = o.metadata?.namespace ?? '';
    const name = o.metadata?.name ?? '';
    const id = idOf(stage, namespace, name);
    const ready = conditionOf(o, 'Ready');
    const href = hrefOf(stage, namespace, name);
    nodes.set(id, { id, stage, namespace, name, detail: detailOf(stage, o), ...(ready ? { ready: ready.status, readyMessage: ready.message ?? ready.reason ?? '' } : {}), ...(href ? { href } : {}) });
    return id;
  }
  /** The node of a referenced object, or a placeholder saying why it cannot be shown. */
  function ref(stage: Stage & ConsoleKind, namespace: string, name: string, detail = ''): string {
    const id = idOf(stage, namespace, name);
    if (!nodes.has(id)) {
      const denied = forbidden(stage);
      nodes.set(id, { id, stage, namespace, name, detail: denied ? 'not permitted' : detail || 'not found', ...(denied ? { forbidden: true } : { missing: true }) });
    }
    return id;
  }
  function link(from: string, to: string, label?: string): void {
    edges.set(`${from}->${to}`, { from, to, ...(label ? { label } : {}) });
  }

  for (const kind of ['GitSource', 'Dataset', 'Experiment', 'ModelVersion', 'Deployment', 'DriftMonitor'] as const) for (const o of items(kind)) add(kind, o);

  // Git -> anything it applied.
  for (const kind of ['Dataset', 'Experiment', 'ModelVersion', 'Deployment', 'DriftMonitor'] as const) {
    for (const o of items(kind)) {
      const source = o.metadata?.labels?.['cairn.dev/source'];
      if (source) link(ref('GitSource', o.metadata?.namespace ?? '', source), idOf(kind, o.metadata?.namespace ?? '', o.metadata?.name ?? ''));
    }
  }
  // Dataset -> Experiment -> trials.
  for (const e of items('Experiment')) {
    const ns = e.metadata?.namespace ?? '';
    const name = e.metadata?.name ?? '';
    const id = idOf('Experiment', ns, name);
    const dataset = str(rec(e.spec?.datasetRef).name);
    if (dataset) link(ref('Dataset', ns, dataset), id, str(e.status?.datasetVersion) ? short(str(e.status?.datasetVersion)) : undefined);
    const counts = rec(e.status?.trialCounts);
    const trialsId = idOf('Trials', ns, name);
    if (typeof counts.total === 'number') {
      const passed = typeof counts.passed === 'number' ? `, ${counts.passed} passed` : '';
      const failed = typeof counts.failed === 'number' && counts.failed > 0 ? `, ${counts.failed} failed` : '';
      nodes.set(trialsId, { id: trialsId, stage: 'Trials', namespace: ns, name, detail: `${str(e.status?.progress) ?? '?'} trials${passed}${failed}`, href: hrefOf('Trials', ns, name) ?? '' });
      link(id, trialsId);
    }
    const registered = str(e.status?.modelVersion);
    if (registered) link(nodes.has(trialsId) ? trialsId : id, ref('ModelVersion', ns, registered), str(e.status?.bestTrial));
  }
  // ModelVersion <- its experiment's trials (or dataset).
  for (const mv of items('ModelVersion')) {
    const ns = mv.metadata?.namespace ?? '';
    const id = idOf('ModelVersion', ns, mv.metadata?.name ?? '');
    const lineage = rec(mv.spec?.lineage);
    const experiment = str(lineage.experiment);
    if (experiment) {
      const trials = idOf('Trials', ns, experiment);
      link(nodes.has(trials) ? trials : ref('Experiment', ns, experiment), id, str(lineage.trial));
    } else {
      const dataset = str(rec(lineage.dataset).name);
      if (dataset) link(ref('Dataset', ns, dataset), id);
    }
  }
  // ModelVersion -> Deployment (stable / canary).
  for (const d of items('Deployment')) {
    const ns = d.metadata?.namespace ?? '';
    const id = idOf('Deployment', ns, d.metadata?.name ?? '');
    const model = str(d.spec?.model);
    for (const track of ['stable', 'canary'] as const) {
      const version = rec(d.status?.[track]).version;
      if (typeof version !== 'number' || !model) continue;
      const mv = items('ModelVersion').find((m) => m.metadata?.namespace === ns && m.spec?.model === model && m.spec?.version === version);
      const from = mv ? idOf('ModelVersion', ns, mv.metadata?.name ?? '') : ref('ModelVersion', ns, `${model}-${version}`, `${model} v${version}: not found`);
      link(from, id, track);
    }
  }
  // Deployment -> DriftMonitor.
  for (const m of items('DriftMonitor')) {
    const ns = m.metadata?.namespace ?? '';
    const target = str(rec(m.spec?.deploymentRef).name);
    if (target) link(ref('Deployment', ns, target), idOf('DriftMonitor', ns, m.metadata?.name ?? ''));
  }
  const order = (n: LineageNode) => STAGES.indexOf(n.stage);
  return {
    nodes: [...nodes.values()].sort((a, b) => order(a) - order(b) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)),
    edges: [...edges.values()],
  };
}

/**
 * What the console's server and its page share: the state the page draws (the six kinds as the user's
 * credentials see them, plus the histories the console keeps from its watches) and the events that keep it
 * current over server-sent events. Pure: bundled into the page as well (web/console/).
 */

export const CONSOLE_KINDS = ['GitSource', 'Dataset', 'Experiment', 'ModelVersion', 'Deployment', 'DriftMonitor'] as const;
export type ConsoleKind = (typeof CONSOLE_KINDS)[number];

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** A cairn.dev object as the API server sent it (managedFields removed). Spec and status are read loosely. */
export interface ConsoleObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown> & { conditions?: Condition[] };
}

/**
 * Whether the user may list and watch a kind: `forbidden` is the API server's 403 (the page says "not
 * permitted" for it, never an error page), `error` any other failure, retried.
 */
export type Access = 'loading' | 'permitted' | 'forbidden' | 'error';

export interface KindState {
  access: Access;
  message?: string;
  items: ConsoleObject[];
}

/** One observation of a Deployment's traffic split, kept by the console (status holds only the current one). */
export interface WeightPoint {
  at: string;
  phase?: string;
  stable?: { version: number; weight: number };
  canary?: { version: number; weight: number; step?: number };
}

/** One evaluation of a DriftMonitor (status.lastEvaluation), kept by the console. */
export interface DriftPoint {
  at: string;
  samples?: number;
  features: Array<{ name: string; method?: string; score: number; threshold: number; drifted: boolean }>;
}

/** One trial of a run: a record of the run's trial table, or an entry of status.trials (still running). */
export interface TrialRow {
  index?: number;
  name: string;
  parameters?: Record<string, string | number>;
  phase?: string;
  metrics?: Record<string, number>;
  passed?: boolean;
  reason?: string;
  message?: string;
}

/** A Kubernetes Event about a cairn.dev object (Promoted, AnalysisFailed, RolloutCanceled, DriftDetected...). */
export interface EventRow {
  /** The Event's name: one row per Event, updated as its count grows. */
  name: string;
  at: string;
  type: string;
  reason: string;
  message: string;
  count: number;
}

/** How many Events the console keeps per object (the newest). */
export const EVENTS_LIMIT = 200;

/** An Experiment's full trial table (the ConfigMap `<experiment>-trials`, status.trialsConfigMap). */
export interface TrialTable {
  run: number;
  records: TrialRow[];
}

export interface ConsoleState {
  /** No promote or abort: `cairn console --read-only`, or the console the operator serves. */
  readOnly: boolean;
  /** The namespace the console watches (several: comma-separated, as the operator's --namespaces); undefined for all. */
  namespace?: string;
  kinds: Record<ConsoleKind, KindState>;
  /** Per Deployment `namespace/name`. */
  weights: Record<string, WeightPoint[]>;
  /** Per DriftMonitor `namespace/name`. */
  drift: Record<string, DriftPoint[]>;
  /** Per Experiment `namespace/name`: its full trial table, when the user may read ConfigMaps. */
  trialTables: Record<string, TrialTable>;
  /** Whether the trial tables (ConfigMaps) may be read. */
  trialTablesAccess: Access;
  /** Per object `Kind:namespace/name`: its Events, oldest first. */
  events: Record<string, EventRow[]>;
  eventsAccess: Access;
}

export type ConsoleEvent =
  | { type: 'state'; state: ConsoleState }
  | { type: 'upsert'; kind: ConsoleKind; object: ConsoleObject }
  | { type: 'delete'; kind: ConsoleKind; namespace: string; name: string }
  | { type: 'access'; kind: ConsoleKind; access: Access; message?: string }
  | { type: 'weight'; key: string; point: WeightPoint }
  | { type: 'drift'; key: string; point: DriftPoint }
  | { type: 'trials'; key: string; table: TrialTable | null }
  | { type: 'trials-access'; access: Access; message?: string }
  | { type: 'event'; key: string; event: EventRow }
  | { type: 'events-access'; access: Access; message?: string };

export const keyOfObject = (o: ConsoleObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export function emptyState(readOnly: boolean, namespace?: string): ConsoleState {
  const kinds = {} as Record<ConsoleKind, KindState>;
  for (const k of CONSOLE_KINDS) kinds[k] = { access: 'loading', items: [] };
  return { readOnly, ...(namespace ? { namespace } : {}), kinds, weights: {}, drift: {}, trialTables: {}, trialTablesAccess: 'loading', events: {}, eventsAccess: 'loading' };
}

/** How many points of history the console keeps per object (oldest dropped first). */
export const HISTORY_LIMIT = 1_000;

function appendCapped<T>(list: T[] | undefined, item: T): T[] {
  const next = [...(list ?? []), item];
  return next.length > HISTORY_LIMIT ? next.slice(next.length - HISTORY_LIMIT) : next;
}

/** The state after one event (a new object; the page re-renders from it). */
export function applyEvent(state: ConsoleState, event: ConsoleEvent): ConsoleState {
  switch (event.type) {
    case 'state':
      return event.state;
    case 'upsert': {
      const kind = state.kinds[event.kind];
      const key = keyOfObject(event.object);
      const items = kind.items.filter((o) => keyOfObject(o) !== key);
      items.push(event.object);
      return { ...state, kinds: { ...state.kinds, [event.kind]: { ...kind, items } } };
    }
    case 'delete': {
      const kind = state.kinds[event.kind];
      const key = `${event.namespace}/${event.name}`;
      return { ...state, kinds: { ...state.kinds, [event.kind]: { ...kind, items: kind.items.filter((o) => keyOfObject(o) !== key) } } };
    }
    case 'access': {
      const kind = state.kinds[event.kind];
      const next: KindState = { access: event.access, items: event.access === 'forbidden' ? [] : kind.items, ...(event.message ? { message: event.message } : {}) };
      return { ...state, kinds: { ...state.kinds, [event.kind]: next } };
    }
    case 'weight':
      return { ...state, weights: { ...state.weights, [event.key]: appendCapped(state.weights[event.key], event.point) } };
    case 'drift':
      return { ...state, drift: { ...state.drift, [event.key]: appendCapped(state.drift[event.key], event.point) } };
    case 'trials': {
      const trialTables = { ...state.trialTables };
      if (event.table) trialTables[event.key] = event.table;
      else delete trialTables[event.key];
      return { ...state, trialTables };
    }
    case 'trials-access':
      return { ...state, trialTablesAccess: event.access };
    case 'event': {
      const rows = (state.events[event.key] ?? []).filter((r) => r.name !== event.event.name);
      rows.push(event.event);
      rows.sort((a, b) => a.at.localeCompare(b.at));
      return { ...state, events: { ...state.events, [event.key]: rows.length > EVENTS_LIMIT ? rows.slice(rows.length - EVENTS_LIMIT) : rows } };
    }
    case 'events-access':
      return { ...state, eventsAccess: event.access };
  }
}

export function conditionOf(o: ConsoleObject | undefined, type: string): Condition | undefined {
  return o?.status?.conditions?.find((c) => c.type === type);
}

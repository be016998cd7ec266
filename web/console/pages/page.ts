/** What every page of the console is, and the pieces they share. */
import type { Condition, ConsoleKind, ConsoleObject, ConsoleState } from '../../../src/console/model.js';
import { h, table } from '../dom.js';

export interface Page {
  root: HTMLElement;
  /** Draws the state into `root`; called on each change. */
  update(state: ConsoleState): void;
}

/** The kind's objects are not readable with the user's credentials: said as such, not as an error. */
export function notPermitted(state: ConsoleState, kind: ConsoleKind): HTMLElement | undefined {
  const k = state.kinds[kind];
  if (k.access === 'forbidden') return h('p', { class: 'forbidden', 'data-testid': 'not-permitted' }, `Not permitted: your credentials may not read ${kind} objects${state.namespace ? ` in namespace ${state.namespace}` : ''}.`);
  if (k.access === 'loading') return h('p', { class: 'muted' }, `Loading ${kind} objects…`);
  return undefined;
}

/** A kind that failed to list for another reason: shown above what is known, retried by the console. */
export function listError(state: ConsoleState, kind: ConsoleKind): HTMLElement | undefined {
  const k = state.kinds[kind];
  return k.access === 'error' ? h('p', { class: 'error' }, `Could not list ${kind} objects (retrying): ${k.message ?? ''}`) : undefined;
}

export function find(state: ConsoleState, kind: ConsoleKind, namespace: string, name: string): ConsoleObject | undefined {
  return state.kinds[kind].items.find((o) => o.metadata?.namespace === namespace && o.metadata?.name === name);
}

export function sortedItems(state: ConsoleState, kind: ConsoleKind): ConsoleObject[] {
  return [...state.kinds[kind].items].sort((a, b) => `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`));
}

export function conditionsTable(conditions: Condition[] | undefined): HTMLElement {
  if (!conditions?.length) return h('p', { class: 'muted' }, 'No conditions yet.');
  return table(
    ['type', 'status', 'reason', 'message', 'since'],
    conditions.map((c) => [c.type, h('span', { class: `status-${c.status}` }, c.status), c.reason ?? '', c.message ?? '', c.lastTransitionTime ?? '']),
    { 'data-testid': 'conditions' },
  );
}

/** The page of a missing object: not permitted, still loading, or gone. */
export function absent(state: ConsoleState, kind: ConsoleKind, namespace: string, name: string): HTMLElement {
  return notPermitted(state, kind) ?? h('p', { class: 'muted' }, `${kind} ${namespace}/${name} was not found.`);
}

export const text = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** The object's Events, newest first: the history status does not keep (promotions, rollbacks, failed analyses). */
export function eventsView(state: ConsoleState, kind: ConsoleKind, namespace: string, name: string): HTMLElement {
  if (state.eventsAccess === 'forbidden') return h('p', { class: 'forbidden' }, 'Events are not permitted to your credentials.');
  const rows = [...(state.events[`${kind}:${namespace}/${name}`] ?? [])].reverse();
  if (!rows.length) return h('p', { class: 'muted' }, 'No Events (the API server keeps them for an hour).');
  return table(
    ['time', 'type', 'reason', 'message', 'count'],
    rows.map((e) => [e.at, h('span', { class: e.type === 'Warning' ? 'error' : '' }, e.type), e.reason, e.message, String(e.count)]),
    { 'data-testid': 'events' },
  );
}

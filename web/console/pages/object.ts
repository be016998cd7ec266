/** Any cairn.dev object: its conditions and status as the API server holds them (the lineage links here). */
import { CONSOLE_KINDS, type ConsoleKind } from '../../../src/console/model.js';
import { fill, h } from '../dom.js';
import { absent, conditionsTable, find, type Page } from './page.js';

export function objectPage(kind: string, namespace: string, name: string): Page {
  const body = h('div');
  const root = h('section', {}, h('h1', {}, `${kind} ${namespace}/${name}`), body);
  return {
    root,
    update(state) {
      if (!(CONSOLE_KINDS as readonly string[]).includes(kind)) return fill(body, h('p', { class: 'error' }, `${kind} is not a cairn.dev kind.`));
      const o = find(state, kind as ConsoleKind, namespace, name);
      if (!o) return fill(body, absent(state, kind as ConsoleKind, namespace, name));
      const { conditions: _conditions, ...status } = o.status ?? {};
      fill(body, h('h2', {}, 'Conditions'), conditionsTable(o.status?.conditions), h('h2', {}, 'Spec'), h('pre', { class: 'card' }, JSON.stringify(o.spec ?? {}, null, 2)), h('h2', {}, 'Status'), h('pre', { class: 'card', 'data-testid': 'status' }, JSON.stringify(status, null, 2)));
    },
  };
}

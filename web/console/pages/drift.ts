/** DriftMonitors: the list, and one monitor's scores (its charts arrive in the next step). */
import { conditionOf } from '../../../src/console/model.js';
import { fill, h, table } from '../dom.js';
import { absent, conditionsTable, find, listError, notPermitted, sortedItems, text, type Page } from './page.js';

export function driftListPage(): Page {
  const body = h('div');
  const root = h('section', {}, h('h1', {}, 'Drift'), body);
  return {
    root,
    update(state) {
      const blocked = notPermitted(state, 'DriftMonitor');
      if (blocked) return fill(body, blocked);
      const rows = sortedItems(state, 'DriftMonitor').map((m) => {
        const s = m.status ?? {};
        const ns = m.metadata?.namespace ?? '';
        const name = m.metadata?.name ?? '';
        return [h('a', { href: `#/drift/${ns}/${name}` }, `${ns}/${name}`), text((m.spec?.deploymentRef as { name?: string } | undefined)?.name), text(s.drifted), text(s.samples), text(s.lastEvaluation), text(conditionOf(m, 'Ready')?.status)];
      });
      fill(body, listError(state, 'DriftMonitor'), rows.length ? table(['name', 'deployment', 'drifted', 'samples', 'last evaluation', 'ready'], rows, { 'data-testid': 'monitors' }) : h('p', { class: 'muted' }, 'No DriftMonitors.'));
    },
  };
}

export function driftPage(namespace: string, name: string): Page {
  const body = h('div');
  const root = h('section', {}, h('h1', {}, `DriftMonitor ${namespace}/${name}`), body);
  return {
    root,
    update(state) {
      const m = find(state, 'DriftMonitor', namespace, name);
      if (!m) return fill(body, absent(state, 'DriftMonitor', namespace, name));
      fill(body, h('h2', {}, 'Conditions'), conditionsTable(m.status?.conditions));
    },
  };
}

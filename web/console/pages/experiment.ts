/** Experiments: the list, and one Experiment's run (its trials table and plots arrive in the next step). */
import { conditionOf } from '../../../src/console/model.js';
import { fill, h, table } from '../dom.js';
import { absent, conditionsTable, find, listError, notPermitted, sortedItems, text, type Page } from './page.js';

export function experimentListPage(): Page {
  const body = h('div');
  const root = h('section', {}, h('h1', {}, 'Experiments'), body);
  return {
    root,
    update(state) {
      const blocked = notPermitted(state, 'Experiment');
      if (blocked) return fill(body, blocked);
      const rows = sortedItems(state, 'Experiment').map((e) => {
        const s = e.status ?? {};
        const ns = e.metadata?.namespace ?? '';
        const name = e.metadata?.name ?? '';
        return [h('a', { href: `#/experiment/${ns}/${name}` }, `${ns}/${name}`), text(s.run), text(s.phase), text(s.progress), text(s.bestMetric), text(s.modelVersion), text(conditionOf(e, 'Ready')?.status)];
      });
      fill(body, listError(state, 'Experiment'), rows.length ? table(['name', 'run', 'phase', 'trials', 'best', 'model', 'ready'], rows, { 'data-testid': 'experiments' }) : h('p', { class: 'muted' }, 'No Experiments.'));
    },
  };
}

export function experimentPage(namespace: string, name: string): Page {
  const body = h('div');
  const root = h('section', {}, h('h1', {}, `Experiment ${namespace}/${name}`), body);
  return {
    root,
    update(state) {
      const e = find(state, 'Experiment', namespace, name);
      if (!e) return fill(body, absent(state, 'Experiment', namespace, name));
      fill(body, h('h2', {}, 'Conditions'), conditionsTable(e.status?.conditions));
    },
  };
}

/**
 * DriftMonitors: the list, and one monitor: the last evaluation per feature (score against threshold), and
 * each feature's score over time against its threshold, from the evaluations the console has seen
 * (status holds only the last one, so the console keeps the history from its watch).
 */
import { conditionOf, type ConsoleState, type DriftPoint } from '../../../src/console/model.js';
import { draw } from '../charts.js';
import { fill, h, table } from '../dom.js';
import { absent, conditionsTable, eventsView, find, listError, notPermitted, sortedItems, text, type Page } from './page.js';

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

/** Higher is worse for psi, jensenShannon and wasserstein; ks and chi2 report a p-value, where lower is worse. */
const isPValue = (method: string | undefined) => method === 'ks' || method === 'chi2';

function scoresOption(points: DriftPoint[], feature: string) {
  const series = points.flatMap((p) => p.features.filter((f) => f.name === feature).map((f) => ({ at: p.at, ...f })));
  const last = series.at(-1);
  return {
    animation: false,
    title: { text: `${feature}${last?.method ? ` (${last.method}${isPValue(last.method) ? ', p-value: drifted below' : ', drifted at or above'})` : ''}`, textStyle: { fontSize: 13 } },
    tooltip: { trigger: 'axis' as const },
    grid: { left: 56, right: 90, top: 40, bottom: 36 },
    xAxis: { type: 'time' as const },
    // The threshold stays in view even when every score is far from it.
    yAxis: { type: 'value' as const, scale: true, min: (v: { min: number }) => Math.min(v.min, last?.threshold ?? v.min), max: (v: { max: number }) => Math.max(v.max, last?.threshold ?? v.max) },
    series: [
      {
        name: 'score',
        type: 'line' as const,
        showSymbol: true,
        data: series.map((s) => ({ value: [s.at, s.score], itemStyle: { color: s.drifted ? '#b42318' : '#1b7f4b' } })),
        markLine: last ? { symbol: 'none', lineStyle: { color: '#b42318', type: 'dashed' as const }, label: { formatter: `threshold ${last.threshold}` }, data: [{ yAxis: last.threshold }] } : undefined,
      },
    ],
  };
}

export function driftPage(namespace: string, name: string): Page {
  const header = h('div');
  const features = h('div');
  const charts = h('div', { class: 'grid', style: 'grid-template-columns: repeat(auto-fill, minmax(420px, 1fr))' });
  const note = h('p', { class: 'muted' });
  const conditions = h('div');
  const events = h('div');
  const details = h('div', {}, h('h2', {}, 'Last evaluation'), features, h('h2', {}, 'Score over time'), note, charts, h('h2', {}, 'Events'), events, h('h2', {}, 'Conditions'), conditions);
  const root = h('section', {}, h('h1', {}, `DriftMonitor ${namespace}/${name}`), header, details);
  let chartKeys = '';
  return {
    root,
    update(state: ConsoleState) {
      const m = find(state, 'DriftMonitor', namespace, name);
      details.hidden = !m;
      if (!m) return fill(header, absent(state, 'DriftMonitor', namespace, name));
      const s = m.status ?? {};
      const deployment = text((m.spec?.deploymentRef as { name?: string } | undefined)?.name);
      fill(
        header,
        h(
          'div',
          { class: 'card grid' },
          h('div', {}, h('div', { class: 'muted' }, 'deployment'), h('a', { href: `#/deployment/${namespace}/${deployment}` }, deployment)),
          h('div', {}, h('div', { class: 'muted' }, 'drifted'), h('strong', { 'data-testid': 'drifted', class: s.drifted === true ? 'status-False' : '' }, s.lastEvaluation ? (s.drifted === true ? 'yes' : 'no') : 'not evaluated yet')),
          h('div', {}, h('div', { class: 'muted' }, 'samples'), h('span', { 'data-testid': 'samples' }, text(s.samples))),
          h('div', {}, h('div', { class: 'muted' }, 'last evaluation'), text(s.lastEvaluation)),
          h('div', {}, h('div', { class: 'muted' }, 'window / interval'), `${text(m.spec?.window) || '1h'} / ${text(m.spec?.interval) || '5m'}`),
        ),
      );
      const rows = (Array.isArray(s.features) ? (s.features as Array<Record<string, unknown>>) : []).map((f) => [
        text(f.name),
        text(f.method),
        text(f.score),
        text(f.threshold),
        h('span', { class: f.drifted === true ? 'status-False' : 'status-True' }, f.drifted === true ? 'drifted' : 'ok'),
      ]);
      fill(features, rows.length ? table(['feature', 'method', 'score', 'threshold', 'verdict'], rows, { 'data-testid': 'drift-features' }) : h('p', { class: 'muted' }, 'No evaluation yet.'));
      const points = state.drift[`${namespace}/${name}`] ?? [];
      fill(note, `${points.length} evaluation(s) seen since the console started (status holds only the last; the console keeps the history from its watch).`);
      const names = [...new Set(points.flatMap((p) => p.features.map((f) => f.name)))];
      if (chartKeys !== names.join(',')) {
        chartKeys = names.join(',');
        fill(charts, names.map((f) => h('div', { class: 'chart', 'data-testid': `drift-chart-${f}` })));
      }
      names.forEach((f, i) => void draw(charts.children[i] as HTMLElement, scoresOption(points, f)));
      fill(events, eventsView(state, 'DriftMonitor', namespace, name));
      fill(conditions, conditionsTable(m.status?.conditions));
    },
  };
}

/**
 * Lineage: the path from a Git revision to live traffic and its drift monitor (src/console/lineage.ts builds
 * the graph). An ECharts graph draws it in stage columns; below, the same nodes as links with their Ready
 * condition, so each node opens its object's page.
 */
import { lineageGraph, STAGES, type LineageNode } from '../../../src/console/lineage.js';
import type { ConsoleState } from '../../../src/console/model.js';
import { drawAfterPaint, finished, type ChartOption } from '../charts.js';
import { fill, h } from '../dom.js';
import { afterPaint, markLoaded } from '../load.js';
import type { Page } from './page.js';

const COLOURS: Record<string, string> = { True: '#1b7f4b', False: '#b42318', Unknown: '#b54708' };
const STAGE_TITLES: Record<string, string> = { GitSource: 'Git revision', Dataset: 'Dataset version', Experiment: 'Experiment run', Trials: 'Trials', ModelVersion: 'ModelVersion', Deployment: 'Deployment', DriftMonitor: 'DriftMonitor' };

function nodeColour(n: LineageNode): string {
  if (n.forbidden) return '#b54708';
  if (n.missing) return '#98a2b3';
  return COLOURS[n.ready ?? ''] ?? '#2f5bd3';
}

export function lineagePage(): Page {
  const chart = h('div', { class: 'chart tall', 'data-testid': 'lineage-chart' });
  const columns = h('div', { style: 'display:flex; gap:.8rem; overflow-x:auto', 'data-testid': 'lineage-nodes' });
  const notes = h('div');
  const root = h('section', {}, h('h1', {}, 'Lineage'), notes, chart, h('h2', {}, 'Objects'), columns);
  /** The objects the graph was drawn from: a history point or an Event (most of a live stream) redraws nothing. */
  let drawnKinds: ConsoleState['kinds'] | undefined;
  return {
    root,
    update(state: ConsoleState) {
      if (state.kinds === drawnKinds) return;
      drawnKinds = state.kinds;
      const graph = lineageGraph(state);
      const denied = Object.entries(state.kinds).filter(([, k]) => k.access === 'forbidden').map(([kind]) => kind);
      fill(notes, denied.length ? h('p', { class: 'forbidden', 'data-testid': 'not-permitted' }, `Not permitted to read: ${denied.join(', ')}. References to them are marked "not permitted".`) : null);
      const rows = new Map<string, number>();
      const placed = graph.nodes.map((n) => {
        const column = STAGES.indexOf(n.stage);
        const row = rows.get(n.stage) ?? 0;
        rows.set(n.stage, row + 1);
        return { n, x: column * 230, y: row * 80 };
      });
      // The graph after the nodes below it are painted: with 100 Deployments it is most of the page's work.
      const option: ChartOption = {
        animation: false,
        tooltip: { formatter: (p: unknown) => { const d = (p as { data?: { tip?: string } }).data; return d?.tip ?? ''; } },
        series: [
          {
            type: 'graph',
            layout: 'none',
            roam: true,
            symbol: 'roundRect',
            symbolSize: [170, 44],
            edgeSymbol: ['none', 'arrow'],
            label: { show: true, color: '#fff', fontSize: 11, width: 160, overflow: 'truncate', formatter: (p: unknown) => (p as { data: { label2: string } }).data.label2 },
            edgeLabel: { show: true, fontSize: 10, formatter: (p: unknown) => (p as { data: { text?: string } }).data.text ?? '' },
            data: placed.map(({ n, x, y }) => ({
              id: n.id,
              name: n.id,
              x,
              y,
              label2: `${n.name}\n${n.detail}`.slice(0, 60),
              tip: `${n.stage} ${n.namespace}/${n.name}: ${n.detail}${n.readyMessage ? ` — ${n.readyMessage}` : ''}`,
              href: n.href,
              itemStyle: { color: nodeColour(n) },
            })),
            // A GitSource applies objects of every stage; past the first stages its edges are drawn faint, so the
            // training-to-serving path stays readable.
            links: graph.edges.map((e) => ({ source: e.from, target: e.to, text: e.label, ...(e.from.startsWith('GitSource:') && !/^(Dataset|Experiment):/.test(e.to) ? { lineStyle: { opacity: 0.15, type: 'dashed' as const } } : {}) })),
            lineStyle: { color: '#98a2b3', width: 1.5 },
          },
        ],
      };
      const drawn = drawAfterPaint(chart, option);
      void drawn.then((instance) => {
        instance?.off('click');
        instance?.on('click', (p: unknown) => {
          const href = (p as { data?: { href?: string } }).data?.href;
          if (href) location.hash = href;
        });
      });
      fill(
        columns,
        STAGES.map((stage) =>
          h(
            'div',
            { class: 'lineage-stage', 'data-stage': stage },
            h('h2', {}, STAGE_TITLES[stage] ?? stage),
            graph.nodes
              .filter((n) => n.stage === stage)
              .map((n) =>
                h(
                  'a',
                  { class: `node ready-${n.ready ?? 'none'}${n.forbidden ? ' forbidden' : ''}`, href: n.href ?? '#/lineage', 'data-node': n.id, title: n.readyMessage ?? '' },
                  h('strong', {}, n.name),
                  h('div', { class: n.forbidden ? 'forbidden' : 'muted' }, n.detail),
                  n.ready ? h('div', { class: `status-${n.ready}` }, `Ready ${n.ready}${n.readyMessage ? `: ${n.readyMessage}` : ''}`) : null,
                ),
              ),
          ),
        ),
      );
      // Loaded once every kind is listed (or known forbidden): the nodes painted first, then the graph.
      if (Object.values(state.kinds).some((k) => k.access === 'loading')) return;
      afterPaint(() => markLoaded('usable'));
      void drawn.then(finished).then(() => markLoaded('complete'));
    },
  };
}

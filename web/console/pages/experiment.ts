/**
 * Experiments: the list, and one Experiment's current run: its trials table (sortable by any column,
 * filterable), a parallel-coordinates plot of the parameters against the objective, the objective against
 * each numeric parameter with the gate drawn as a line, and the failed trials with their reason. The trials
 * come from the run's trial table (ConfigMap, every finished trial) and status.trials (the recent ones).
 */
import { conditionOf, type ConsoleObject, type ConsoleState, type TrialRow } from '../../../src/console/model.js';
import { draw, finished, type ChartOption } from '../charts.js';
import { fill, h, table } from '../dom.js';
import { absent, conditionsTable, find, listError, notPermitted, sortedItems, text, type Page } from './page.js';
import { afterPaint, markLoaded } from '../load.js';
import { isNumeric, parameterNames, reasonOf, runTrials, type Criterion } from './trials.js';
import { buildTrialsTable, type TrialSort, type TrialsTable } from './trials-table.js';

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

const PASSED = '#1b7f4b';
const LARGE = { large: true, largeThreshold: 200, symbolSize: 6 };
const NOT_PASSED = '#b54708';

function parallelOption(trials: TrialRow[], parameters: string[], objective: string) {
  const done = trials.filter((t) => t.metrics?.[objective] !== undefined);
  // Decided once per parameter, not per trial (1,000 trials made it quadratic).
  const numeric = parameters.map((p) => isNumeric(done, p));
  const axes = parameters.map((p, i) =>
    numeric[i] ? { dim: i, name: p, type: 'value' as const, scale: true } : { dim: i, name: p, type: 'category' as const, data: [...new Set(done.map((t) => String(t.parameters?.[p] ?? '')))].sort() },
  );
  axes.push({ dim: parameters.length, name: objective, type: 'value' as const, scale: true });
  const row = (t: TrialRow) => [...parameters.map((p, i) => (numeric[i] ? Number(t.parameters?.[p]) : String(t.parameters?.[p] ?? ''))), t.metrics![objective]!];
  return {
    animation: false,
    parallelAxis: axes,
    parallel: { left: 60, right: 80, top: 40, bottom: 30 },
    legend: { top: 0 },
    series: [
      { name: 'passed', type: 'parallel' as const, lineStyle: { color: PASSED, width: 1.5, opacity: 0.7 }, data: done.filter((t) => t.passed).map(row) },
      { name: 'not passed', type: 'parallel' as const, lineStyle: { color: NOT_PASSED, width: 1, opacity: 0.5 }, data: done.filter((t) => !t.passed).map(row) },
    ],
  };
}

function scatterOption(trials: TrialRow[], parameter: string, objective: string, gate: Criterion[]) {
  const point = (t: TrialRow) => [Number(t.parameters?.[parameter]), t.metrics![objective]!];
  const done = trials.filter((t) => t.metrics?.[objective] !== undefined && t.parameters?.[parameter] !== undefined);
  // Per series, the trials in the order of its points: large mode keeps only numbers, so the tooltip finds the
  // trial's name by the point's index.
  const bySeries = [done.filter((t) => t.passed), done.filter((t) => !t.passed)];
  return {
    animation: false,
    title: { text: `${objective} vs ${parameter}`, textStyle: { fontSize: 13 } },
    tooltip: {
      formatter: (p: unknown) => {
        const { seriesIndex, dataIndex } = p as { seriesIndex: number; dataIndex: number };
        const t = bySeries[seriesIndex]?.[dataIndex];
        return t ? `${t.name}: ${parameter}=${text(t.parameters?.[parameter])}, ${objective}=${text(t.metrics?.[objective])}` : '';
      },
    },
    grid: { left: 56, right: 110, top: 40, bottom: 36 },
    xAxis: { type: 'value' as const, name: parameter, scale: true },
    // The gate stays in view even when every trial is on one side of it.
    yAxis: { type: 'value' as const, name: objective, scale: true, min: (v: { min: number }) => Math.min(v.min, ...gate.map((c) => c.value)), max: (v: { max: number }) => Math.max(v.max, ...gate.map((c) => c.value)) },
    series: [
      {
        name: 'passed',
        type: 'scatter' as const,
        // Large mode draws all points as one shape instead of one element each (1,000 trials: most of the page's time).
        ...LARGE,
        itemStyle: { color: PASSED },
        data: bySeries[0]!.map(point),
        // The gate on the objective, drawn where a trial stops passing.
        markLine: { symbol: 'none', lineStyle: { color: '#b42318', type: 'dashed' as const }, label: { formatter: (p: unknown) => (p as { name: string }).name }, data: gate.map((c) => ({ yAxis: c.value, name: `gate: ${c.metric} ${c.op} ${c.value}` })) },
      },
      { name: 'not passed', type: 'scatter' as const, ...LARGE, itemStyle: { color: NOT_PASSED }, data: bySeries[1]!.map(point) },
    ],
  };
}

/** The rows built before the first paint; the rest follow once the charts are drawn. */
const FIRST_ROWS = 50;

export function experimentPage(namespace: string, name: string): Page {
  const header = h('div');
  const filter = h('input', { type: 'search', placeholder: 'filter: name, phase, reason, alpha=0.1…', 'data-testid': 'trial-filter' });
  const count = h('span', { class: 'muted' });
  // Below the fold: the browser lays out and paints the table only when it comes near the viewport.
  const tableBox = h('div', { style: 'max-height: 480px; overflow: auto; content-visibility: auto; contain-intrinsic-size: auto 480px' });
  const parallel = h('div', { class: 'chart', 'data-testid': 'parallel-chart' });
  const scatters = h('div', { class: 'grid', style: 'grid-template-columns: repeat(auto-fill, minmax(420px, 1fr))' });
  const failed = h('div');
  const conditions = h('div');
  const tableNote = h('p', { class: 'muted' });
  const details = h('div', {}, h('h2', {}, 'Parameters against the objective'), parallel, h('h2', {}, 'The objective per parameter, with the gate'), scatters, h('h2', {}, 'Trials'), tableNote, h('div', { class: 'actions' }, filter, count), tableBox, h('h2', {}, 'Failed trials'), failed, h('h2', {}, 'Conditions'), conditions);
  const root = h('section', {}, h('h1', {}, `Experiment ${namespace}/${name}`), header, details);
  let sort: TrialSort = { column: '#', descending: false };
  let scatterKeys = '';
  /** What the last render drew from: a watch event about another object redraws nothing here. */
  let drawn: { e?: ConsoleObject; table?: unknown; access?: string } = {};
  /** The trials the table shows: a new filter or sort order redraws the table only, not the plots. */
  let shownTrials: { e: ConsoleObject; trials: TrialRow[] } | undefined;
  let shownTable: TrialsTable | undefined;
  /** Counts renders: the charts and rows a render deferred are dropped once a newer render has begun. */
  let renders = 0;

  /** Builds the table (its first `firstRows` rows; all of them when absent). */
  function showTable(firstRows?: number): void {
    if (!shownTrials) return;
    const { e, trials } = shownTrials;
    shownTable = buildTrialsTable(
      {
        trials,
        best: text(e.status?.bestTrial),
        filter: filter.value,
        sort,
        onSort: (column) => {
          sort = { column, descending: sort.column === column ? !sort.descending : false };
          showTable();
        },
      },
      firstRows,
    );
    fill(count, `${shownTable.shown} of ${trials.length} trial(s)`);
    fill(tableBox, shownTable.element);
  }
  filter.addEventListener('input', () => showTable());

  /** Draws the charts one after another (each after the page painted), then adds the table's other rows. */
  function drawCharts(render: number, e: ConsoleObject, trials: TrialRow[], metric: string): void {
    const parameters = parameterNames(trials);
    const gate = (Array.isArray(e.spec?.successCriteria) ? (e.spec.successCriteria as Criterion[]) : []).filter((c) => c.metric === metric);
    const numeric = parameters.filter((p) => isNumeric(trials, p));
    // The scatter charts are made again only when the parameters change; otherwise redrawn in place.
    if (scatterKeys !== numeric.join(',')) {
      scatterKeys = numeric.join(',');
      fill(scatters, numeric.map((p) => h('div', { class: 'chart', 'data-testid': `scatter-${p}` })));
    }
    const charts: Array<[HTMLElement, () => ChartOption]> = [
      [parallel, () => parallelOption(trials, parameters, metric)],
      ...numeric.map((p, i): [HTMLElement, () => ChartOption] => [scatters.children[i] as HTMLElement, () => scatterOption(trials, p, metric, gate)]),
    ];
    const next = (i: number): void =>
      afterPaint(() => {
        if (render !== renders) return;
        const chart = charts[i];
        if (!chart) {
          shownTable?.addRest();
          return afterPaint(() => markLoaded('complete'));
        }
        void draw(chart[0], chart[1]()).then(finished).then(() => next(i + 1));
      });
    next(0);
  }

  function render(state: ConsoleState): void {
    const e = find(state, 'Experiment', namespace, name);
    details.hidden = !e;
    if (!e) return fill(header, absent(state, 'Experiment', namespace, name));
    const key = `${namespace}/${name}`;
    const inputs = { e, table: state.trialTables[key], access: state.trialTablesAccess };
    if (Object.entries(inputs).every(([k, v]) => drawn[k as keyof typeof drawn] === v)) return;
    drawn = inputs;
    const s = e.status ?? {};
    const objective = (e.spec?.objective ?? {}) as { metric?: string; goal?: string };
    const trials = runTrials(e, state.trialTables[key]);
    fill(
      header,
      h(
        'div',
        { class: 'card grid' },
        h('div', {}, h('div', { class: 'muted' }, 'run'), h('strong', { 'data-testid': 'run' }, text(s.run) || '—')),
        h('div', {}, h('div', { class: 'muted' }, 'phase'), h('span', { 'data-testid': 'phase' }, text(s.phase) || 'not run yet')),
        h('div', {}, h('div', { class: 'muted' }, 'trials done'), h('span', { 'data-testid': 'progress' }, text(s.progress))),
        h('div', {}, h('div', { class: 'muted' }, 'objective'), `${text(objective.goal)} ${text(objective.metric)}`),
        h('div', {}, h('div', { class: 'muted' }, 'best'), h('span', { 'data-testid': 'best' }, s.bestTrial ? `${text(s.bestTrial)}: ${text(s.bestMetric)}` : '—')),
        h('div', {}, h('div', { class: 'muted' }, 'registered'), s.modelVersion ? h('a', { href: `#/object/ModelVersion/${namespace}/${text(s.modelVersion)}`, 'data-testid': 'model-version' }, text(s.modelVersion)) : '—'),
        h('div', {}, h('div', { class: 'muted' }, 'dataset version'), text(s.datasetVersion).replace(/^sha256:/, '').slice(0, 12)),
      ),
    );
    const trialTable = state.trialTables[key];
    fill(
      tableNote,
      state.trialTablesAccess === 'forbidden'
        ? h('span', { class: 'forbidden' }, 'The full trial table (ConfigMap) is not permitted to your credentials: showing the trials in status (the 50 most recent and the best).')
        : trialTable && trialTable.run === s.run
          ? `${trialTable.records.length} finished trial(s) from ${text(s.trialsConfigMap) || 'the trial table'}, with the recent ones from status.`
          : 'The trials in status (the 50 most recent and the best); the full table appears once the run has one.',
    );
    // First paint: the summary, the first rows of the table (sorting and filtering work on all of them) and the
    // failed trials; the charts and the other rows follow, each after the page painted (web/console/load.ts).
    shownTrials = { e, trials };
    showTable(FIRST_ROWS);
    const failures = trials.filter((t) => t.phase === 'Failed');
    fill(failed, failures.length ? table(['trial', 'reason', 'message'], failures.map((t) => [t.name, reasonOf(t), text(t.message)]), { 'data-testid': 'failed-trials' }) : h('p', { class: 'muted' }, 'No trial failed.'));
    fill(conditions, conditionsTable(e.status?.conditions));
    const thisRender = ++renders;
    afterPaint(() => thisRender === renders && markLoaded('usable'));
    drawCharts(thisRender, e, trials, objective.metric ?? '');
  }

  return { root, update: render };
}

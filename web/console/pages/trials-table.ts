/**
 * The Experiment page's trials table, built fast enough for 1,000 trials: each row is a clone of one prototype
 * row whose cells get their text (textContent, never HTML), instead of an element built per cell, and the rows
 * past the first page can be added later (after the page's first paint and its charts), so the table is usable
 * before all of it is laid out.
 */
import type { TrialRow } from '../../../src/console/model.js';
import { h } from '../dom.js';
import { text } from './page.js';
import { compareBy, matches, metricNames, parameterNames } from './trials.js';

export interface TrialSort {
  column: string;
  descending: boolean;
}

export interface TrialsTableInput {
  trials: TrialRow[];
  best: string;
  filter: string;
  sort: TrialSort;
  /** Called with a column header's name when it is clicked (every column but `message` sorts). */
  onSort: (column: string) => void;
}

export interface TrialsTable {
  element: HTMLTableElement;
  /** How many trials pass the filter (all of them are rows once `addRest` ran). */
  shown: number;
  /** Appends the rows past the ones built at first; does nothing the second time. */
  addRest(): void;
}

/** Builds the table with its first `firstRows` rows (all of them when absent). */
export function buildTrialsTable(input: TrialsTableInput, firstRows = Number.POSITIVE_INFINITY): TrialsTable {
  const { trials, best, sort } = input;
  const parameters = parameterNames(trials);
  const metrics = metricNames(trials);
  const columns = ['#', 'name', 'phase', ...parameters.map((p) => `param:${p}`), ...metrics.map((m) => `metric:${m}`), 'passed', 'message'];
  const shown = trials.filter((t) => matches(t, input.filter)).sort(compareBy(sort.column, sort.descending));
  const head = h(
    'tr',
    {},
    columns.map((c) =>
      h(
        'th',
        {
          class: c === 'message' ? '' : 'sortable',
          'data-column': c,
          onclick: () => {
            if (c !== 'message') input.onSort(c);
          },
        },
        c.replace(/^(param|metric):/, ''),
        sort.column === c ? (sort.descending ? ' ▼' : ' ▲') : '',
      ),
    ),
  );
  const prototype = h('tr', {}, columns.map(() => h('td')));
  const rowOf = (t: TrialRow): HTMLTableRowElement => {
    const tr = prototype.cloneNode(true) as HTMLTableRowElement;
    const cells = tr.cells;
    tr.dataset.trial = t.name;
    cells[0]!.textContent = text(t.index);
    cells[1]!.textContent = t.name;
    if (t.name === best) {
      tr.className = 'best';
      cells[1]!.append(h('strong', {}, ' (best)'));
    }
    cells[2]!.textContent = text(t.phase);
    if (t.phase === 'Failed') cells[2]!.className = 'error';
    let i = 3;
    for (const p of parameters) cells[i++]!.textContent = text(t.parameters?.[p]);
    for (const m of metrics) cells[i++]!.textContent = t.metrics?.[m] === undefined ? '' : String(t.metrics[m]);
    const passed = cells[i++]!;
    passed.textContent = t.passed === undefined ? '' : t.passed ? 'yes' : 'no';
    if (t.passed !== undefined) passed.className = t.passed ? 'status-True' : 'status-False';
    cells[i]!.textContent = text(t.message);
    return tr;
  };
  const body = h('tbody');
  const rows = (from: number, to: number) => {
    const fragment = document.createDocumentFragment();
    for (const t of shown.slice(from, to)) fragment.append(rowOf(t));
    body.append(fragment);
  };
  const first = Math.min(shown.length, firstRows);
  rows(0, first);
  let rest = first < shown.length;
  return {
    element: h('table', { 'data-testid': 'trials' }, h('thead', {}, head), body),
    shown: shown.length,
    addRest() {
      if (!rest) return;
      rest = false;
      rows(first, shown.length);
    },
  };
}

/**
 * Deployments: the list, and one Deployment's rollout: where it stands (phase, versions, weights, message),
 * its steps, its weights over time (kept by the console from its watch: status has only the present), its
 * analysis against the thresholds, the history of phase changes (promotions, rollbacks), and promote / abort
 * behind a confirmation, with the same annotations as `cairn rollout`.
 */
import { conditionOf, type ConsoleObject, type ConsoleState, type WeightPoint } from '../../../src/console/model.js';
import { drawAfterPaint, finished } from '../charts.js';
import { afterPaint, markLoaded } from '../load.js';
import { fill, h, table } from '../dom.js';
import { absent, conditionsTable, eventsView, find, listError, notPermitted, sortedItems, text, type Page } from './page.js';

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v && typeof v === 'object' ? (v as Rec) : {});

export function deploymentListPage(): Page {
  const body = h('div');
  const root = h('section', {}, h('h1', {}, 'Deployments'), body);
  return {
    root,
    update(state) {
      const blocked = notPermitted(state, 'Deployment');
      if (blocked) return fill(body, blocked);
      const rows = sortedItems(state, 'Deployment').map((d) => {
        const s = rec(d.status);
        const ns = d.metadata?.namespace ?? '';
        const name = d.metadata?.name ?? '';
        return [h('a', { href: `#/deployment/${ns}/${name}` }, `${ns}/${name}`), text(d.spec?.model), text(s.phase), text(rec(s.stable).version), text(rec(s.canary).version), text(rec(s.canary).weight), text(conditionOf(d, 'Ready')?.status)];
      });
      fill(body, listError(state, 'Deployment'), rows.length ? table(['name', 'model', 'phase', 'stable', 'canary', 'canary weight', 'ready'], rows, { 'data-testid': 'deployments' }) : h('p', { class: 'muted' }, 'No Deployments.'));
    },
  };
}

function stepText(step: Rec): string {
  if (typeof step.setWeight === 'number') return `set weight ${step.setWeight}%`;
  if (step.pause !== undefined) {
    const duration = rec(step.pause).duration;
    return duration ? `pause ${String(duration)}` : 'pause until promoted';
  }
  if (step.analysis !== undefined) return 'run the analysis';
  return JSON.stringify(step);
}

function stepsView(d: ConsoleObject): HTMLElement {
  const strategy = rec(d.spec?.strategy);
  const type = text(strategy.type) || 'Immediate';
  const canary = rec(d.status?.canary);
  const current = typeof canary.step === 'number' ? canary.step : undefined;
  const steps = Array.isArray(rec(strategy.canary).steps) ? (rec(strategy.canary).steps as Rec[]) : [];
  if (type !== 'Canary') return h('p', { 'data-testid': 'strategy' }, `Strategy ${type}${type === 'Shadow' ? `: ${text(rec(strategy.shadow).percent)}% of requests mirrored` : ''}.`);
  return h(
    'div',
    { 'data-testid': 'steps' },
    steps.map((step, i) => {
      const where = current === undefined ? 'pending' : i < current ? 'done' : i === current ? 'current' : 'pending';
      return h('div', { class: `step ${where}`, 'data-step': i, 'data-state': where }, `${i + 1}. ${stepText(step)}${where === 'current' ? '  ← here' : ''}`);
    }),
  );
}

function analysisView(d: ConsoleObject): HTMLElement {
  const analysis = rec(rec(d.spec?.strategy).analysis);
  const metrics = Array.isArray(analysis.metrics) ? (analysis.metrics as Rec[]) : [];
  const tally = rec(rec(d.status?.rollout).analysis);
  if (!metrics.length) return h('p', { class: 'muted' }, 'No analysis configured.');
  return h(
    'div',
    {},
    h('p', {}, `Every ${text(analysis.interval) || '30s'}; up to ${text(analysis.failureLimit) || '0'} failed measurement(s) tolerated.`),
    table(
      ['metric', 'threshold', 'query'],
      metrics.map((m) => [text(m.name), [m.max !== undefined ? `max ${text(m.max)}` : '', m.min !== undefined ? `min ${text(m.min)}` : ''].filter(Boolean).join(', '), text(m.query)]),
      { 'data-testid': 'analysis-metrics' },
    ),
    tally.passed === undefined
      ? h('p', { class: 'muted' }, 'No measurement in this rollout yet.')
      : table(
          ['passed', 'failed', 'inconclusive', 'last measured', 'last failure'],
          [[text(tally.passed), text(tally.failed), text(tally.inconclusive), text(tally.lastAt), text(tally.lastFailure)]],
          { 'data-testid': 'analysis-tally' },
        ),
  );
}

/** The points where the phase or a version changed: promotions, rollbacks, new rollouts. */
function historyRows(points: WeightPoint[]): string[][] {
  const rows: string[][] = [];
  let last: WeightPoint | undefined;
  for (const p of points) {
    if (!last || last.phase !== p.phase || last.stable?.version !== p.stable?.version || last.canary?.version !== p.canary?.version) {
      rows.push([p.at, p.phase ?? '', p.stable ? `v${p.stable.version} (${p.stable.weight}%)` : '', p.canary ? `v${p.canary.version} (${p.canary.weight}%)` : '']);
    }
    last = p;
  }
  return rows.reverse();
}

function weightsOption(points: WeightPoint[]) {
  const series = (name: string, pick: (p: WeightPoint) => number | undefined) => ({
    name,
    type: 'line' as const,
    step: 'end' as const,
    showSymbol: true,
    data: points.map((p) => [p.at, pick(p) ?? 0]),
  });
  return {
    animation: false,
    tooltip: { trigger: 'axis' as const },
    legend: { top: 0 },
    grid: { left: 48, right: 24, top: 32, bottom: 40 },
    xAxis: { type: 'time' as const },
    yAxis: { type: 'value' as const, min: 0, max: 100, name: '% of traffic' },
    series: [series('stable', (p) => p.stable?.weight), series('canary', (p) => p.canary?.weight)],
  };
}

async function act(namespace: string, name: string, action: 'promote' | 'abort', out: HTMLElement): Promise<void> {
  const question = action === 'promote' ? `Promote the rollout of ${namespace}/${name}? Its new version takes all traffic now.` : `Abort the rollout of ${namespace}/${name}? All traffic goes back to the stable version.`;
  if (!window.confirm(question)) return;
  fill(out, `${action}…`);
  try {
    const res = await fetch(`/api/namespaces/${encodeURIComponent(namespace)}/deployments/${encodeURIComponent(name)}/${action}`, { method: 'POST', headers: { 'x-cairn-console': '1' } });
    const body = (await res.json()) as { message?: string };
    out.className = res.ok ? 'status-True' : res.status === 403 ? 'forbidden' : 'error';
    fill(out, body.message ?? `HTTP ${res.status}`);
  } catch (err) {
    out.className = 'error';
    fill(out, `the console did not answer: ${(err as Error).message}`);
  }
}

export function deploymentPage(namespace: string, name: string): Page {
  const header = h('div');
  const actions = h('div', { class: 'actions' });
  const result = h('span', { 'data-testid': 'action-result' });
  const steps = h('div');
  const chart = h('div', { class: 'chart', 'data-testid': 'weights-chart' });
  const weightsNote = h('p', { class: 'muted' });
  const analysis = h('div');
  const history = h('div');
  const conditions = h('div');
  const events = h('div');
  const details = h('div', {}, h('h2', {}, 'Steps'), steps, h('h2', {}, 'Weights over time'), weightsNote, chart, h('h2', {}, 'Analysis'), analysis, h('h2', {}, 'History'), history, h('h2', {}, 'Events'), events, h('h2', {}, 'Conditions'), conditions);
  const root = h('section', {}, h('h1', {}, `Deployment ${namespace}/${name}`), header, actions, details);
  const promote = h('button', { class: 'primary', 'data-testid': 'promote', onclick: () => void act(namespace, name, 'promote', result) }, 'Promote');
  const abort = h('button', { class: 'danger', 'data-testid': 'abort', onclick: () => void act(namespace, name, 'abort', result) }, 'Abort');
  let actionsShown = false;
  return {
    root,
    update(state: ConsoleState) {
      const d = find(state, 'Deployment', namespace, name);
      details.hidden = !d;
      if (!d) {
        fill(actions);
        actionsShown = false;
        return fill(header, absent(state, 'Deployment', namespace, name));
      }
      const s = rec(d.status);
      const stable = rec(s.stable);
      const canary = rec(s.canary);
      fill(
        header,
        h(
          'div',
          { class: 'card grid' },
          h('div', {}, h('div', { class: 'muted' }, 'phase'), h('strong', { 'data-testid': 'phase' }, text(s.phase) || 'no status yet')),
          h('div', {}, h('div', { class: 'muted' }, 'model'), h('span', { 'data-testid': 'model' }, text(d.spec?.model))),
          h('div', {}, h('div', { class: 'muted' }, 'stable'), h('span', { 'data-testid': 'stable' }, stable.version === undefined ? '—' : `v${text(stable.version)} at ${text(stable.weight)}%`)),
          h('div', {}, h('div', { class: 'muted' }, 'canary'), h('span', { 'data-testid': 'canary' }, canary.version === undefined ? '—' : `v${text(canary.version)} at ${text(canary.weight)}%`)),
          h('div', {}, h('div', { class: 'muted' }, 'url'), text(s.url)),
        ),
        s.message ? h('p', { 'data-testid': 'message' }, text(s.message)) : null,
      );
      if (!actionsShown) {
        // A read-only console (--read-only, or the operator's) has no write route: no buttons, and a word why.
        if (state.readOnly) fill(actions, h('span', { class: 'muted', 'data-testid': 'read-only' }, 'This console is read-only: promote or abort with `cairn rollout promote|abort` or `cairn console`.'));
        else fill(actions, promote, abort, result);
        actionsShown = true;
      }
      promote.disabled = canary.version === undefined;
      fill(steps, stepsView(d));
      const points = state.weights[`${namespace}/${name}`] ?? [];
      fill(weightsNote, `${points.length} observation(s) since the console started (the console keeps this history from its watch; status holds only the present split).`);
      const drawn = drawAfterPaint(chart, weightsOption(points));
      fill(analysis, analysisView(d));
      const rollout = rec(s.rollout);
      fill(
        history,
        table(['since', 'phase', 'stable', 'canary'], historyRows(points), { 'data-testid': 'history' }),
        h('p', { class: 'muted' }, [rollout.promoteHandled ? `Last promote acted on: ${text(rollout.promoteHandled)}. ` : '', rollout.abortHandled ? `Last abort acted on: ${text(rollout.abortHandled)}. ` : '', rollout.rolledBack ? `Version ${text(rollout.rolledBack)} was rolled back.` : ''].join('')),
      );
      fill(events, eventsView(state, 'Deployment', namespace, name));
      fill(conditions, conditionsTable(d.status?.conditions));
      afterPaint(() => markLoaded('usable'));
      void drawn.then(finished).then(() => markLoaded('complete'));
    },
  };
}

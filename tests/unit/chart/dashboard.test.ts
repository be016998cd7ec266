/**
 * The Grafana dashboard of the chart (charts/cairn/dashboards/cairn.json) reads only what Cairn exports: every
 * PromQL query names metrics that src/ registers (prom-client and Cairn's own collectors), with `controller` values
 * that are controllers' names; and every metric src/ exports is documented in docs/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONTROLLER_NAMES } from '../../../src/operator/options.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, ext) : path.endsWith(ext) ? [path] : [];
  });
}

/** Metric names registered in `source`: `name: 'cairn_…'` (prom-client) or `new Collector('cairn_…'` (Cairn's own). */
export function registeredMetrics(source: string): string[] {
  return [...source.matchAll(/(?:\bname:\s*|\bnew\s+\w+\(\s*)'(cairn_[a-z0-9_]+)'/g)].map((m) => m[1]!);
}

/** The cairn_ series a PromQL expression reads, with a histogram's _bucket/_sum/_count folded to its name. */
export function metricsIn(expr: string, exported: ReadonlySet<string>): string[] {
  return [...expr.matchAll(/\bcairn_[a-z0-9_]+/g)].map(([name]) => {
    const base = name.replace(/_(bucket|sum|count)$/, '');
    return !exported.has(name) && exported.has(base) ? base : name;
  });
}

interface Panel {
  title?: string;
  targets?: Array<{ expr: string }>;
  panels?: Panel[];
}
const dashboard = JSON.parse(readFileSync(join(root, 'charts', 'cairn', 'dashboards', 'cairn.json'), 'utf8')) as { panels: Panel[]; templating: { list: Array<{ name: string; definition?: string }> } };
const exported = new Set(files(join(root, 'src'), '.ts').flatMap((f) => registeredMetrics(readFileSync(f, 'utf8'))));
const queries: Array<[string, string]> = [
  ...dashboard.panels.flatMap(function walk(p: Panel): Array<[string, string]> {
    return [...(p.targets ?? []).map((t): [string, string] => [p.title ?? '', t.expr]), ...(p.panels ?? []).flatMap(walk)];
  }),
  ...dashboard.templating.list.filter((v) => v.definition).map((v): [string, string] => [`variable ${v.name}`, v.definition!]),
];

describe('the Grafana dashboard', () => {
  it('finds the metrics src/ exports (the collector reads every way Cairn registers one)', () => {
    expect(registeredMetrics(`new Counter({ name: 'cairn_a_total', help: 'x' }); new RequestHistogram('cairn_b_seconds', 'y'); const n = 'cairn_c';`)).toEqual(['cairn_a_total', 'cairn_b_seconds']);
    for (const name of ['cairn_inference_requests_total', 'cairn_inference_duration_seconds', 'cairn_reconcile_total', 'cairn_drift_score', 'cairn_prediction_values']) expect(exported).toContain(name);
  });

  it.each([
    ['a histogram bucket', 'rate(cairn_reconcile_duration_seconds_bucket[5m])', ['cairn_reconcile_duration_seconds']],
    ['a counter', 'sum(rate(cairn_reconcile_total[1m]))', ['cairn_reconcile_total']],
    ['a misspelt metric', 'rate(cairn_reconciles_total[1m])', ['cairn_reconciles_total']],
  ])('reads %s from a query', (_what, expr, names) => {
    expect(metricsIn(expr, exported)).toEqual(names);
  });

  it('has panels for serving, rollouts, drift and training', () => {
    expect(queries.length).toBeGreaterThan(10);
    const all = queries.map(([, e]) => e).join('\n');
    for (const name of ['cairn_inference_requests_total', 'cairn_inference_duration_seconds_bucket', 'cairn_drift_score', 'cairn_condition_transitions_total{controller="deployment"}', 'cairn_condition_transitions_total{controller="experiment"}']) expect(all).toContain(name);
  });

  it.each(queries)('%s: every query names metrics Cairn exports', (_title, expr) => {
    const names = metricsIn(expr, exported);
    expect(names.length, `no cairn_ metric in ${expr}`).toBeGreaterThan(0);
    expect(names.filter((n) => !exported.has(n)), `not exported by src/: ${expr}`).toEqual([]);
    const controllers = [...expr.matchAll(/controller="([^"]+)"/g)].map((m) => m[1]);
    for (const c of controllers) expect(CONTROLLER_NAMES as readonly string[]).toContain(c);
  });

  it('every metric src/ exports is documented in docs/', () => {
    const docs = files(join(root, 'docs'), '.md').map((f) => readFileSync(f, 'utf8')).join('\n');
    expect([...exported].filter((name) => !docs.includes(`\`${name}`)).sort()).toEqual([]);
  });
});

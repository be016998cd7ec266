/**
 * The Prometheus metrics provider of the rollout analysis (src/rollout/prometheus.ts) against a real
 * Prometheus (built from its Go module, src/testenv/prometheus.ts) scraping two real `cairn serve` processes of
 * the driver model: version 1 answers everything, version 2 (the canary) answers a third of its requests with
 * 503, while a slow client holds its body budget. The PromQL error rate passes for one and fails the other; a
 * latency quantile by histogram_quantile equals Cairn's own computation from the pod's /metrics, and decides
 * both ways around it. Then the bad cases: a PromQL syntax error, a query of several series, an empty result
 * (Inconclusive), and a Prometheus that is gone (Unreachable), which also shows stop() leaves nothing behind.
 *
 * The queries read the cumulative counters rather than rate(): the traffic is known exactly, so the value
 * Prometheus computes can be compared with the exact number, not a range. (rate() and increase() also miss
 * a series' first sample: the canary's code="503" series appears with all its errors at once, and
 * increase() over it is 0.)
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition } from '../../../src/metrics/exposition.js';
import { histogramQuantile, judge, servingCounters } from '../../../src/rollout/analysis.js';
import { PrometheusError, queryPrometheus } from '../../../src/rollout/prometheus.js';
import { consoleLogger, isPortClosed, isRunning, startPrometheus, type Prometheus } from '../../../src/testenv/index.js';
import { eventually } from '../../harness/eventually.js';
import { ensureModels } from '../../unit/serving/models.js';
import { MODEL, holdBudget, infer, startServers, type Servers } from './serve.js';

const AT = '2026-01-01T00:00:00Z';
const STABLE_REQUESTS = 30;
const CANARY_OK = 20;
const CANARY_ERRORS = 10;

let prometheus: Prometheus | undefined;
let servers: Servers | undefined;

const requests = (version: string, code = '.*') => `cairn_inference_requests_total{job="cairn-test",model="${MODEL}",version="${version}",code=~"${code}"}`;
/** The share of 5xx answers; `or vector(0)` makes "no 5xx series" a 0, not an empty result. */
const errorRate = (version: string) => `(sum(${requests(version, '5..')}) or vector(0)) / sum(${requests(version)})`;
const p99Ms = (version: string) => `histogram_quantile(0.99, sum by (le) (cairn_inference_duration_seconds_bucket{job="cairn-test",version="${version}"})) * 1000`;

// The first test run on a machine builds Prometheus from source (minutes, cached afterwards), hence the bound.
beforeAll(async () => {
  ensureModels();
  prometheus = await startPrometheus({ logger: consoleLogger('prometheus') });
  servers = await startServers(['1', '2'], ['2']);
  await prometheus.setTargets([{ targets: [servers.address['1']!, servers.address['2']!] }]);
  await eventually('Prometheus scrapes both cairn serve processes', async () => {
    const targets = await prometheus!.activeTargets();
    if (targets.length !== 2 || targets.some((t) => t.health !== 'up')) throw new Error(`targets: ${JSON.stringify(targets)}`);
    return true;
  });
}, 60 * 60_000);

afterAll(async () => {
  await servers?.close();
  await prometheus?.stop();
});

describe('the Prometheus provider against a real Prometheus scraping cairn serve', () => {
  it('traffic: version 1 answers all, the canary answers a third with 503 while its body budget is held', async () => {
    for (let i = 0; i < STABLE_REQUESTS; i++) expect(await infer(servers!.address['1']!)).toBe(200);
    const canary = servers!.address['2']!;
    const held = holdBudget(canary);
    // The held request is admitted once its headers are read; until then a request may still pass.
    await eventually('the canary sheds load while its budget is held', async () => ((await infer(canary)) === 503 ? true : undefined));
    for (let i = 1; i < CANARY_ERRORS; i++) expect(await infer(canary)).toBe(503);
    expect(await held.finish()).toBe(200);
    const before = await countOk(canary);
    for (let i = before; i < CANARY_OK; i++) expect(await infer(canary)).toBe(200);
    // Wait on Prometheus' own count: once it has scraped all of the traffic, every query below is exact.
    for (const [version, total] of [['1', STABLE_REQUESTS], ['2', CANARY_OK + CANARY_ERRORS]] as const) {
      await eventually(`Prometheus has scraped the ${total} requests of version ${version}`, async () => {
        const seen = await queryPrometheus(prometheus!.address, `sum(${requests(version)})`);
        if (seen !== total) throw new Error(`Prometheus counts ${seen} requests`);
        return true;
      });
    }
  });

  it('the PromQL error rate is under its max for version 1 (Passed) and over it for the canary (Failed)', async () => {
    const metrics = [{ name: 'error-rate', max: 0.05 }];
    const stable = await queryPrometheus(prometheus!.address, errorRate('1'));
    expect(stable).toBe(0);
    expect(judge(metrics, { 'error-rate': stable }, AT)).toEqual({ verdict: 'Passed', at: AT });
    const canary = await queryPrometheus(prometheus!.address, errorRate('2'));
    expect(canary).toBeCloseTo(CANARY_ERRORS / (CANARY_OK + CANARY_ERRORS), 12);
    expect(judge(metrics, { 'error-rate': canary }, AT)).toEqual({ verdict: 'Failed', at: AT, detail: 'error-rate = 0.3333, above the max 0.05' });
  });

  it("histogram_quantile's p99 equals Cairn's own from the pod's /metrics, and decides both ways around it", async () => {
    const value = await queryPrometheus(prometheus!.address, p99Ms('1'));
    const own = await fetch(`http://${servers!.address['1']!}/metrics`).then((r) => r.text());
    const expected = histogramQuantile(0.99, servingCounters(parseExposition(own), MODEL, '1').latency)! * 1000;
    expect(value).toBeGreaterThan(0);
    expect(value).toBeCloseTo(expected, 9);
    const verdict = (max: number) => judge([{ name: 'latency-p99-ms', max }], { 'latency-p99-ms': value }, AT).verdict;
    expect(verdict(expected * 1.5)).toBe('Passed');
    expect(verdict(expected / 2)).toBe('Failed');
  });

  it('an empty result is no value: the metric is Inconclusive', async () => {
    const value = await queryPrometheus(prometheus!.address, `sum(${requests('3')})`);
    expect(value).toBeUndefined();
    expect(judge([{ name: 'error-rate', max: 0.05 }], { 'error-rate': value }, AT)).toEqual({ verdict: 'Inconclusive', at: AT, detail: 'error-rate: not enough traffic to measure' });
  });

  it("a PromQL syntax error is QueryFailed with Prometheus' own reason", async () => {
    const error = await queryPrometheus(prometheus!.address, `sum(${requests('1')}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrometheusError);
    expect(error).toMatchObject({ reason: 'QueryFailed' });
    expect((error as Error).message).toMatch(/failed: bad_data: .*parse error/);
  });

  it('a query of several series is NotOneSeries', async () => {
    const error = await queryPrometheus(prometheus!.address, 'cairn_inference_requests_total').catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'NotOneSeries' });
    expect((error as Error).message).toContain('wrap it in sum(), max() or avg()');
  });

  it('a stopped Prometheus is Unreachable, and stop() leaves no process, port or directory behind', async () => {
    const { address, port, dir, proc } = prometheus!;
    await prometheus!.stop();
    expect(await isRunning(proc.pid)).toBe(false);
    expect(await isPortClosed(port)).toBe(true);
    expect(existsSync(dir)).toBe(false);
    const error = await queryPrometheus(address, 'up', { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'Unreachable' });
    expect((error as Error).message).toContain(`Prometheus at ${address} cannot be reached`);
  });
});

/** The canary's answered requests so far, from its own /metrics. */
async function countOk(address: string): Promise<number> {
  const samples = parseExposition(await fetch(`http://${address}/metrics`).then((r) => r.text()));
  return samples.filter((s) => s.name === 'cairn_inference_requests_total' && s.labels.version === '2' && s.labels.code === '200').reduce((n, s) => n + s.value, 0);
}

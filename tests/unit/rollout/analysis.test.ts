import { describe, expect, test } from 'vitest';
import { parseExposition } from '../../../src/metrics/exposition.js';
import { builtinValues, histogramQuantile, increase, judge, servingCounters, sum, type ServingCounters } from '../../../src/rollout/analysis.js';

const INF = Number.POSITIVE_INFINITY;

/** /metrics of one pod as cairn serve writes it (two protocols, one model version). */
function podMetrics(ok: number, errors: number, buckets: [string, number][], version = '2'): string {
  const lines = [
    '# TYPE cairn_inference_requests_total counter',
    `cairn_inference_requests_total{model="eta",version="${version}",protocol="v2",code="200"} ${ok}`,
    `cairn_inference_requests_total{model="eta",version="${version}",protocol="v2",code="503"} ${errors}`,
    `cairn_inference_requests_total{model="eta",version="${version}",protocol="v1",code="400"} 1`,
    `cairn_inference_requests_total{model="other",version="${version}",protocol="v2",code="500"} 1000`,
    '# TYPE cairn_inference_duration_seconds histogram',
    ...buckets.map(([le, n]) => `cairn_inference_duration_seconds_bucket{model="eta",version="${version}",protocol="v2",le="${le}"} ${n}`),
  ];
  return lines.join('\n');
}

describe('counters from /metrics', () => {
  test('one version of one model; 5xx are errors, 4xx are not', () => {
    const c = servingCounters(parseExposition(podMetrics(90, 10, [['0.001', 50], ['0.01', 95], ['+Inf', 101]])), 'eta', '2');
    expect(c).toEqual({ requests: 101, errors: 10, latency: [[0.001, 50], [0.01, 95], [INF, 101]] });
    expect(servingCounters(parseExposition(podMetrics(90, 10, [], '1')), 'eta', '2')).toEqual({ requests: 0, errors: 0, latency: [] });
  });

  test.each<[string, ServingCounters | undefined, ServingCounters, ServingCounters]>([
    ['first scrape: nothing known of the interval', undefined, { requests: 50, errors: 5, latency: [[INF, 50]] }, { requests: 0, errors: 0, latency: [] }],
    ['growth', { requests: 50, errors: 5, latency: [[0.1, 40], [INF, 50]] }, { requests: 80, errors: 6, latency: [[0.1, 60], [INF, 80]] }, { requests: 30, errors: 1, latency: [[0.1, 20], [INF, 30]] }],
    ['a restarted pod counts from zero', { requests: 500, errors: 5, latency: [[INF, 500]] }, { requests: 12, errors: 2, latency: [[INF, 12]] }, { requests: 12, errors: 2, latency: [[INF, 12]] }],
  ])('increase: %s', (_, previous, current, expected) => {
    expect(increase(previous, current)).toEqual(expected);
  });

  test('replicas add up', () => {
    expect(sum([{ requests: 10, errors: 1, latency: [[0.1, 8], [INF, 10]] }, { requests: 30, errors: 0, latency: [[0.05, 5], [0.1, 29], [INF, 30]] }])).toEqual({
      requests: 40,
      errors: 1,
      latency: [[0.05, 5], [0.1, 37], [INF, 40]],
    });
  });
});

describe('histogramQuantile (Prometheus semantics, hand-computed)', () => {
  const buckets: [number, number][] = [[0.1, 10], [0.5, 60], [1, 90], [INF, 100]];
  test.each([
    [0.05, 0.05], // rank 5 in the first bucket, from 0
    [0.5, 0.42], // rank 50: 0.1 + 0.4 * 40/50
    [0.9, 1], // rank 90: the top of the 1 s bucket
    [0.99, 1], // rank 99 in +Inf: the highest finite bound
  ])('q=%s -> %s', (q, expected) => {
    expect(histogramQuantile(q, buckets)).toBeCloseTo(expected, 12);
  });
  test('no observations', () => {
    expect(histogramQuantile(0.99, [])).toBeUndefined();
    expect(histogramQuantile(0.99, [[0.1, 0], [INF, 0]])).toBeUndefined();
  });
});

describe('values and verdicts', () => {
  test('thin traffic has no value; enough gives error rate and p99 in ms', () => {
    expect(builtinValues({ requests: 5, errors: 5, latency: [[INF, 5]] })).toEqual({ 'error-rate': undefined, 'latency-p99-ms': undefined });
    const v = builtinValues({ requests: 100, errors: 3, latency: [[0.001, 50], [0.01, 100], [INF, 100]] });
    expect(v['error-rate']).toBeCloseTo(0.03, 12);
    expect(v['latency-p99-ms']).toBeCloseTo(1 + (9 * 49) / 50, 9); // rank 99 in (1 ms, 10 ms]
  });

  const metrics = [{ name: 'error-rate', max: 0.01 }, { name: 'latency-p99-ms', max: 50 }, { name: 'accuracy', min: 0.9 }];
  test.each([
    [{ 'error-rate': 0, 'latency-p99-ms': 3, accuracy: 0.95 }, { verdict: 'Passed' }],
    [{ 'error-rate': 0.25, 'latency-p99-ms': 3, accuracy: 0.95 }, { verdict: 'Failed', detail: 'error-rate = 0.25, above the max 0.01' }],
    [{ 'error-rate': 0, 'latency-p99-ms': 3, accuracy: 0.5 }, { verdict: 'Failed', detail: 'accuracy = 0.5, below the min 0.9' }],
    [{ 'error-rate': undefined, 'latency-p99-ms': 80, accuracy: 0.95 }, { verdict: 'Failed', detail: 'latency-p99-ms = 80, above the max 50' }],
    [{ 'error-rate': undefined, 'latency-p99-ms': 3, accuracy: 0.95 }, { verdict: 'Inconclusive', detail: 'error-rate: not enough traffic to measure' }],
  ])('%j -> %j', (values, expected) => {
    expect(judge(metrics, values, '2026-11-29T12:00:00.000Z')).toEqual({ at: '2026-11-29T12:00:00.000Z', ...expected });
  });
});

describe('live metrics from the feedback counters', () => {
  const feedbackMetrics = (rows: number, squared: number, absolute: number, correct?: number) =>
    [
      podMetrics(50, 0, [['+Inf', 50]]),
      `cairn_feedback_rows_total{model="eta",version="2"} ${rows}`,
      `cairn_feedback_squared_error_sum{model="eta",version="2"} ${squared}`,
      `cairn_feedback_absolute_error_sum{model="eta",version="2"} ${absolute}`,
      ...(correct === undefined ? [] : [`cairn_feedback_correct_total{model="eta",version="2"} ${correct}`]),
      `cairn_feedback_rows_total{model="eta",version="1"} 1000`,
    ].join('\n');

  test('read for the version; increases and replicas add up; a pod restart counts from zero', () => {
    const a1 = servingCounters(parseExposition(feedbackMetrics(10, 40, 12)), 'eta', '2');
    expect(a1.feedback).toEqual({ rows: 10, squaredError: 40, absoluteError: 12 });
    const a2 = servingCounters(parseExposition(feedbackMetrics(30, 140, 42)), 'eta', '2');
    const b1 = servingCounters(parseExposition(feedbackMetrics(500, 900, 700)), 'eta', '2');
    const b2 = servingCounters(parseExposition(feedbackMetrics(20, 80, 30)), 'eta', '2'); // restarted
    const interval = sum([increase(a1, a2), increase(b1, b2)]);
    expect(interval.feedback).toEqual({ rows: 40, squaredError: 180, absoluteError: 60 });
    // rmse = sqrt(180 / 40), mae = 60 / 40: by hand
    expect(builtinValues(interval)).toMatchObject({ 'live-rmse': Math.sqrt(4.5), 'live-mae': 1.5, 'live-accuracy': undefined });
  });

  test('a classification has accuracy only; too few labels, or none, have no value', () => {
    const c = servingCounters(parseExposition(feedbackMetrics(25, 0, 0, 20)), 'eta', '2');
    expect(builtinValues(increase({ requests: 0, errors: 0, latency: [] }, c))).toMatchObject({ 'live-accuracy': 0.8, 'live-rmse': undefined, 'live-mae': undefined });
    expect(builtinValues({ requests: 100, errors: 0, latency: [[INF, 100]], feedback: { rows: 19, squaredError: 1, absoluteError: 1 } })['live-rmse']).toBeUndefined();
    expect(builtinValues({ requests: 100, errors: 0, latency: [[INF, 100]] })['live-rmse']).toBeUndefined();
    // Thin request traffic does not hide labels that arrived (labels come late, for earlier requests).
    expect(builtinValues({ requests: 0, errors: 0, latency: [], feedback: { rows: 20, squaredError: 80, absoluteError: 40 } })['live-rmse']).toBe(2);
  });

  test('a live metric without labels is Inconclusive, saying so', () => {
    expect(judge([{ name: 'live-rmse', max: 3 }], { 'live-rmse': undefined }, 'now')).toEqual({ verdict: 'Inconclusive', at: 'now', detail: 'live-rmse: not enough labels to measure' });
    expect(judge([{ name: 'live-rmse', max: 3 }], { 'live-rmse': 7.25 }, 'now')).toEqual({ verdict: 'Failed', at: 'now', detail: 'live-rmse = 7.25, above the max 3' });
  });
});

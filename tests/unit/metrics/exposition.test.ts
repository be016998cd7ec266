import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { ExpositionError, parseExposition } from '../../../src/metrics/exposition.js';

describe('parseExposition', () => {
  test('reads what prom-client writes: labelled histograms keep their labels, sum and count', async () => {
    const registry = new Registry();
    const requests = new Counter({ name: 'cairn_inference_requests_total', help: 'x', labelNames: ['model', 'version', 'code'], registers: [registry] });
    const duration = new Histogram({ name: 'cairn_inference_duration_seconds', help: 'x', labelNames: ['model', 'version'], buckets: [0.001, 0.01], registers: [registry] });
    requests.inc({ model: 'eta', version: '1', code: '200' }, 3);
    requests.inc({ model: 'eta', version: '2', code: '500' });
    duration.observe({ model: 'eta', version: '1' }, 0.005);
    duration.observe({ model: 'eta', version: '2' }, 0.5);
    const samples = parseExposition(await registry.metrics());
    expect(samples).toContainEqual({ name: 'cairn_inference_requests_total', labels: { model: 'eta', version: '1', code: '200' }, value: 3 });
    expect(samples).toContainEqual({ name: 'cairn_inference_duration_seconds_bucket', labels: { le: '0.01', model: 'eta', version: '1' }, value: 1 });
    expect(samples).toContainEqual({ name: 'cairn_inference_duration_seconds_bucket', labels: { le: '0.01', model: 'eta', version: '2' }, value: 0 });
    expect(samples).toContainEqual({ name: 'cairn_inference_duration_seconds_bucket', labels: { le: '+Inf', model: 'eta', version: '2' }, value: 1 });
    expect(samples).toContainEqual({ name: 'cairn_inference_duration_seconds_count', labels: { model: 'eta', version: '2' }, value: 1 });
  });

  test.each([
    ['plain 12.5', { name: 'plain', labels: {}, value: 12.5 }],
    ['with_ts{a="b"} 3 1700000000000', { name: 'with_ts', labels: { a: 'b' }, value: 3 }],
    ['esc{path="C:\\\\DIR",msg="say \\"hi\\"\\n"} 1', { name: 'esc', labels: { path: 'C:\\DIR', msg: 'say "hi"\n' }, value: 1 }],
    ['spaces{ a = "1" , b="2", } -Inf', { name: 'spaces', labels: { a: '1', b: '2' }, value: Number.NEGATIVE_INFINITY }],
    ['inf +Inf', { name: 'inf', labels: {}, value: Number.POSITIVE_INFINITY }],
    ['exp 1.5e-3', { name: 'exp', labels: {}, value: 0.0015 }],
    ['colon:name{x="{}"} 0', { name: 'colon:name', labels: { x: '{}' }, value: 0 }],
  ])('%s', (line, sample) => {
    expect(parseExposition(`# HELP x y\n\n${line}\n`)).toEqual([sample]);
  });

  test('NaN is a value', () => {
    expect(parseExposition('n NaN')[0]!.value).toBeNaN();
  });

  // As Prometheus reads them (Go's strconv.ParseFloat): prom-client writes NaN as "Nan" (an event-loop lag mean
  // with no samples, when two scrapes come within its 10 ms resolution).
  test.each([
    ['Nan', Number.NaN],
    ['nan', Number.NaN],
    ['NAN', Number.NaN],
    ['inf', Number.POSITIVE_INFINITY],
    ['+infinity', Number.POSITIVE_INFINITY],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-INF', Number.NEGATIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('the special value %s in any case', (text, value) => {
    expect(parseExposition(`m ${text}`)[0]!.value).toBe(value);
  });

  test.each(['+nan', '-NaN', 'infin', 'nanx'])('%s is not a sample value', (text) => {
    expect(() => parseExposition(`m ${text}`)).toThrow(`"${text}" is not a sample value`);
  });

  test.each([
    ['9starts_with_digit 1', /line 2: expected a metric name/],
    ['m{a="1"', /line 2: unterminated label value|expected/],
    ['m{a=1} 2', /line 2: expected a quoted label value/],
    ['m{a="\\t"} 2', /line 2: unknown escape/],
    ['m abc', /line 2: "abc" is not a sample value/],
    ['m', /line 2: "" is not a sample value/],
    ['m 1 2 3', /line 2: expected "value \[timestamp\]"/],
    ['m 1 soon', /line 2: expected "value \[timestamp\]"/],
  ])('%s is refused, naming the line', (line, message) => {
    expect(() => parseExposition(`ok 1\n${line}`)).toThrow(ExpositionError);
    expect(() => parseExposition(`ok 1\n${line}`)).toThrow(message);
  });
});

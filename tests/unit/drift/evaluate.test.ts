/**
 * From a serving pod's /metrics text to a verdict (src/drift/live-counts.ts, checks.ts, evaluate.ts): the drift
 * series keyed without model and version, histogram buckets back to the profile's bins, categories with
 * __other__, predictions against the target, the default checks, every spec that cannot be scored, and the
 * columns that cannot be scored this time beside those that can.
 */
import { describe, expect, it } from 'vitest';
import { driftCounters, evaluateWindow, liveBinCounts, parseBaselineProfile, planChecks, type CheckSpec, type ColumnCheck } from '../../../src/drift/index.js';
import { parseExposition } from '../../../src/metrics/exposition.js';
import type { DatasetProfile } from '../../../src/profile/types.js';

const profile: DatasetProfile = {
  dataset: 'driver-stats',
  version: 'sha256:00',
  rows: 1000,
  features: [
    { name: 'conv_rate', type: 'number', nulls: 0, min: 0, max: 1, mean: 0.5, std: 0.2, bins: { edges: [0, 0.25, 0.5, 0.75, 1], counts: [250, 250, 250, 250] } },
    { name: 'city', type: 'categorical', nulls: 0, categories: { hanoi: 400, hcm: 500 }, otherCount: 100 },
  ],
  target: { name: 'trip_minutes', type: 'number', nulls: 0, min: 0, max: 40, mean: 20, std: 5, bins: { edges: [0, 10, 20, 30, 40], counts: [250, 250, 250, 250] } },
};

/** The text cairn serve answers: cumulative buckets at the interior edges, then +Inf. */
function exposition(conv: number[], city: Record<string, number>, predictions: number[], version = '1'): string {
  const cumulative = (counts: number[]) => counts.map((_, i) => counts.slice(0, i + 1).reduce((a, b) => a + b, 0));
  const lines = ['# HELP cairn_feature_values Live feature values.', '# TYPE cairn_feature_values histogram'];
  const bounds = ['0.25', '0.5', '0.75', '+Inf'];
  cumulative(conv).forEach((count, i) => lines.push(`cairn_feature_values_bucket{le="${bounds[i]}",model="eta",version="${version}",feature="conv_rate"} ${count}`));
  for (const [category, count] of Object.entries(city)) lines.push(`cairn_feature_category_total{model="eta",version="${version}",feature="city",category="${category}"} ${count}`);
  const targetBounds = ['10', '20', '30', '+Inf'];
  cumulative(predictions).forEach((count, i) => lines.push(`cairn_prediction_values_bucket{le="${targetBounds[i]}",model="eta",version="${version}",output="variable"} ${count}`));
  lines.push('process_start_time_seconds 1700000000');
  return lines.join('\n') + '\n';
}

const counts = (text: string) => driftCounters(parseExposition(text)).counters;

describe('live counts', () => {
  it('reads the buckets back into the profile bins, and the process start', () => {
    const read = driftCounters(parseExposition(exposition([10, 20, 30, 40], { hanoi: 1 }, [1, 2, 3, 4])));
    expect(read.processStartedAt).toBe(1_700_000_000_000);
    expect(liveBinCounts(read.counters, 'feature', 'conv_rate', [0, 0.25, 0.5, 0.75, 1])).toEqual([10, 20, 30, 40]);
    expect(liveBinCounts(read.counters, 'prediction', 'variable', [0, 10, 20, 30, 40])).toEqual([1, 2, 3, 4]);
    expect(liveBinCounts(read.counters, 'feature', 'acc_rate', [0, 1])).toBeUndefined();
  });

  it('keeps only the series of the model asked for', () => {
    const text = exposition([10, 20, 30, 40], {}, [1, 1, 1, 1]);
    expect(driftCounters(parseExposition(text), 'eta').counters.size).toBeGreaterThan(0);
    expect(driftCounters(parseExposition(text), 'other').counters.size).toBe(0);
  });

  it('a bin edge the pods have no bucket at is MismatchedBins (another profile)', () => {
    const read = counts(exposition([10, 20, 30, 40], {}, [1, 1, 1, 1]));
    expect(() => liveBinCounts(read, 'feature', 'conv_rate', [0, 0.2, 0.5, 0.75, 1])).toThrow(/MismatchedBins|without a bucket at 0.2/);
  });

  it('duplicate edges give an empty bin, not a mismatch', () => {
    const read = counts(exposition([10, 20, 30, 40], {}, [1, 1, 1, 1]));
    expect(liveBinCounts(read, 'feature', 'conv_rate', [0, 0.25, 0.25, 0.5, 0.75, 1])).toEqual([10, 0, 20, 30, 40]);
  });
});

describe('planChecks', () => {
  it('defaults to psi for numeric and chi2 for categorical features; the output against the target', () => {
    const checks = planChecks(profile, undefined, { method: 'psi', threshold: 0.2 });
    expect(checks.map((c) => [c.name, c.method, c.threshold, c.source])).toEqual([
      ['conv_rate', 'psi', 0.04, 'feature'],
      ['city', 'chi2', 0.01, 'feature'],
      ['trip_minutes', 'psi', 0.2, 'output'],
    ]);
  });

  it.each<[string, CheckSpec[] | undefined, { method: CheckSpec['method']; threshold: number } | undefined, RegExp]>([
    ['an unknown feature', [{ name: 'speed', method: 'psi', threshold: 0.1 }], undefined, /spec.features\[0\].name: the baseline profile has no feature speed/],
    ['chi2 on a numeric column', [{ name: 'conv_rate', method: 'chi2', threshold: 0.01 }], undefined, /spec.features\[0\]: chi2 does not apply to the numeric column conv_rate/],
    ['psi on a categorical column', [{ name: 'city', method: 'psi', threshold: 0.1 }], undefined, /psi does not apply to the categorical column city/],
    ['a p-value threshold above 1', [{ name: 'conv_rate', method: 'ks', threshold: 5 }], undefined, /a p-value, so it must be in \(0, 1\]; got 5/],
    ['a p-value threshold of 0', [{ name: 'city', method: 'chi2', threshold: 0 }], undefined, /must be in \(0, 1\]; got 0/],
    ['output drift without a numeric target', [], { method: 'psi', threshold: 0.1 }, /spec.output: prediction drift needs the profile of a numeric target/],
  ])('refuses %s', (_name, features, output, message) => {
    const withoutTarget = output && features?.length === 0 ? { ...profile, target: undefined } : profile;
    expect(() => planChecks(withoutTarget as DatasetProfile, features, output)).toThrow(message);
  });
});

describe('evaluateWindow', () => {
  const checks: ColumnCheck[] = planChecks(profile, undefined, { method: 'psi', threshold: 0.2 });

  it('no verdict below minSamples', () => {
    expect(evaluateWindow(checks, counts(exposition([10, 10, 10, 10], { hanoi: 16, hcm: 20, __other__: 4 }, [10, 10, 10, 10])), 500)).toEqual({ kind: 'notEnoughSamples', samples: 40 });
  });

  it('the baseline shares are no drift; a shifted conv_rate is, named with its score and threshold', () => {
    const steady = evaluateWindow(checks, counts(exposition([250, 250, 250, 250], { hanoi: 400, hcm: 500, __other__: 100 }, [250, 250, 250, 250])), 500);
    expect(steady.kind).toBe('scored');
    if (steady.kind !== 'scored') return;
    expect(steady.samples).toBe(1000);
    expect(steady.results.map((r) => [r.name, r.drifted, r.score])).toEqual([
      ['conv_rate', false, 0],
      ['city', false, 1],
      ['trip_minutes', false, 0],
    ]);
    const shifted = evaluateWindow(checks, counts(exposition([50, 100, 350, 500], { hanoi: 400, hcm: 500, __other__: 100 }, [250, 250, 250, 250])), 500);
    if (shifted.kind !== 'scored') throw new Error('expected a verdict');
    const conv = shifted.results.find((r) => r.name === 'conv_rate')!;
    expect(conv.drifted).toBe(true);
    expect(conv.score).toBeCloseTo(conv.test.statistic, 12);
    expect(conv.threshold).toBe(Math.max(0.04, conv.test.criticalValue!));
    expect(shifted.results.filter((r) => r.drifted).map((r) => r.name)).toEqual(['conv_rate']);
    // chi2's score is its p-value and its threshold alpha
    const city = shifted.results.find((r) => r.name === 'city')!;
    expect([city.score, city.threshold]).toEqual([1, 0.01]);
  });

  it('a column the pods do not count, or count on other bins, is a problem beside the others', () => {
    const text = exposition([250, 250, 250, 250], { hanoi: 400, hcm: 500, __other__: 100 }, [250, 250, 250, 250]).replace(/^cairn_prediction_values_bucket\{le="10".*\n/m, '');
    const verdict = evaluateWindow(checks, counts(text.replace(/feature="city"/g, 'feature="town"')), 500);
    if (verdict.kind !== 'scored') throw new Error('expected a verdict');
    expect(verdict.results.map((r) => r.name)).toEqual(['conv_rate']);
    expect(verdict.problems.map((p) => [p.name, p.reason])).toEqual([
      ['city', 'NotCounted'],
      ['trip_minutes', 'MismatchedBins'],
    ]);
  });
});

describe('parseBaselineProfile', () => {
  it('reads the committed example profile', async () => {
    const { readFileSync } = await import('node:fs');
    const parsed = parseBaselineProfile(readFileSync('tests/models/driver_profile.json', 'utf8'));
    expect(parsed.features.map((f) => f.name)).toEqual(['conv_rate', 'acc_rate', 'avg_daily_trips']);
    expect(parsed.target?.name).toBe('trip_minutes');
  });

  it.each([
    ['not JSON', '{', /profile profile.json: not JSON/],
    ['no features', '{"dataset":"d"}', /profile features: expected an array of columns/],
    ['a numeric column without bins', '{"features":[{"name":"a","type":"number"}]}', /profile features\[0\].bins: a numeric column needs bins/],
    ['a category count that is not a number', '{"features":[{"name":"c","type":"categorical","categories":{"x":"1"},"otherCount":0}]}', /features\[0\].categories.x: expected a count/],
    ['an unknown type', '{"features":[{"name":"c","type":"integer"}]}', /features\[0\].type: expected "number" or "categorical", got "integer"/],
  ])('refuses %s, naming the field', (_name, text, message) => {
    expect(() => parseBaselineProfile(text)).toThrow(message);
  });
});

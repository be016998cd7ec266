/**
 * The drift tap: profile parsing, feature binding, and the live histograms and counters over real HTTP, with
 * bucket counts computed independently from the profile's edges (Prometheus `le`: value <= bound).
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { bindFeatures } from '../../../src/serving/feature-tap.js';
import { interiorEdges, parseProfile, type DatasetProfile } from '../../../src/serving/profile.js';
import type { ModelSignature } from '../../../src/serving/signature.js';
import { post, sample, startServer, type TestServer } from './harness.js';
import { ensureModels, expected, modelsDir } from './models.js';

const driverProfile = (): DatasetProfile => {
  ensureModels();
  return parseProfile(JSON.parse(readFileSync(`${modelsDir}/driver_profile.json`, 'utf8')));
};

describe('profile', () => {
  it('uses the interior edges as buckets, duplicates merged', () => {
    expect(interiorEdges([0, 0.11, 0.23, 0.34, 1])).toEqual([0.11, 0.23, 0.34]);
    expect(interiorEdges([0, 1, 1, 1, 2, 3])).toEqual([1, 2]);
    expect(interiorEdges([0, 1])).toEqual([]);
  });

  it.each<[unknown, string]>([
    [[], 'profile features: expected an array'],
    [{ features: [{ type: 'number' }] }, 'profile features[0].name: expected a string'],
    [{ features: [{ name: 'a', type: 'number', bins: { edges: [1] } }] }, 'profile features[0].bins.edges: expected at least two finite numbers'],
    [{ features: [{ name: 'a', type: 'number', bins: { edges: [0, 2, 1] } }] }, 'profile features[0].bins.edges: must be non-decreasing'],
    [{ features: [{ name: 'a', type: 'categorical', categories: ['x'] }] }, 'profile features[0].categories: expected an object'],
    [{ features: [{ name: 'a', type: 'text' }] }, 'profile features[0].type: expected "number" or "categorical", got "text"'],
  ])('rejects %j', (json, error) => {
    expect(() => parseProfile(json)).toThrow(error);
  });
});

describe('bindFeatures', () => {
  const sig = (inputs: [string, number[]][]): ModelSignature => ({
    inputs: inputs.map(([name, shape]) => ({ name, type: 'float32', datatype: 'FP32', shape })),
    outputs: [],
  });

  it('binds the columns of a single 2-D input in profile order', () => {
    const { bindings, unbound } = bindFeatures(driverProfile(), sig([['input', [-1, 3]]]));
    expect(bindings.map((b) => [b.feature.name, b.input, b.column])).toEqual([
      ['conv_rate', 'input', 0],
      ['acc_rate', 'input', 1],
      ['avg_daily_trips', 'input', 2],
    ]);
    expect(unbound).toEqual([]);
  });

  it('takes an explicit column mapping, and inputs named like features', () => {
    const profile = driverProfile();
    const explicit = bindFeatures(profile, sig([['input', [-1, 3]]]), { input: ['avg_daily_trips', 'conv_rate', 'acc_rate'] });
    expect(explicit.bindings.map((b) => [b.feature.name, b.column])).toEqual([
      ['avg_daily_trips', 0],
      ['conv_rate', 1],
      ['acc_rate', 2],
    ]);
    const named = bindFeatures(profile, sig([['conv_rate', [-1, 1]], ['other', [-1, 4]]]));
    expect(named.bindings.map((b) => [b.feature.name, b.input, b.column])).toEqual([['conv_rate', 'conv_rate', null]]);
    expect(named.unbound).toEqual(['acc_rate', 'avg_daily_trips']);
  });

  it.each<[Record<string, string[]>, string]>([
    [{ nope: ['conv_rate'] }, '--feature-columns: the model has no input "nope"'],
    [{ input: ['conv_rate'] }, '--feature-columns: input "input" has 3 columns, 1 features given'],
    [{ input: ['conv_rate', 'acc_rate', 'city'] }, '--feature-columns: feature "city" is not in the profile'],
  ])('rejects the mapping %j', (explicit, error) => {
    expect(() => bindFeatures(driverProfile(), sig([['input', [-1, 3]]]), explicit)).toThrow(error);
  });
});

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Cumulative count of values <= each bound. */
const cumulative = (values: number[], bounds: number[]) => bounds.map((b) => values.filter((v) => v <= b).length);

describe('live feature and prediction histograms', () => {
  it('count each feature column into buckets at the profile edges, and predictions at the target edges', async () => {
    const profile = driverProfile();
    server = await startServer('driver_elasticnet', { name: 'driver', profile });
    const want = expected().driver_elasticnet;
    const reply = await post(`${server.url}/v1/models/driver:predict`, { instances: want.inputs });
    expect(reply.status).toBe(200);
    const metrics = await server.metrics();
    profile.features.forEach((feature, column) => {
      if (feature.type !== 'number') throw new Error('numeric features expected');
      const values = want.inputs.map((row) => Math.fround(row[column]!));
      const bounds = interiorEdges(feature.edges);
      const counts = bounds.map((le) => sample(metrics, 'cairn_feature_values_bucket', { model: 'driver', version: '1', feature: feature.name, le: String(le) }));
      expect(counts, feature.name).toEqual(cumulative(values, bounds));
      expect(sample(metrics, 'cairn_feature_values_bucket', { feature: feature.name, le: '+Inf' })).toBe(values.length);
      expect(sample(metrics, 'cairn_feature_values_count', { feature: feature.name })).toBe(values.length);
      expect(sample(metrics, 'cairn_feature_values_sum', { feature: feature.name })).toBeCloseTo(values.reduce((a, b) => a + b, 0), 4);
    });
    const predictions = want.outputs.flat();
    const targetBounds = interiorEdges(profile.targetEdges!);
    const predicted = targetBounds.map((le) => sample(metrics, 'cairn_prediction_values_bucket', { model: 'driver', output: 'variable', le: String(le) }));
    expect(predicted).toEqual(cumulative(predictions, targetBounds));
  });

  it('count categories seen in the profile by name and the rest as __other__', async () => {
    const profile = parseProfile({
      dataset: 'multi',
      version: 'v1',
      features: [
        { name: 'city', type: 'categorical', categories: { hanoi: 10, hcm: 12 }, otherCount: 1 },
        { name: 'count', type: 'number', bins: { edges: [-10, 0, 5, 10] } },
      ],
    });
    server = await startServer('multi_io', { profile });
    const category = (metrics: string, c: string) => sample(metrics, 'cairn_feature_category_total', { feature: 'city', category: c });
    const before = await server.metrics();
    expect([category(before, 'hanoi'), category(before, 'hcm'), category(before, '__other__')]).toEqual([0, 0, 0]);
    const inputs = expected().multi_io.inputs;
    const instances = inputs.x!.map((_, row) => Object.fromEntries(Object.keys(inputs).map((n) => [n, inputs[n]![row]])));
    expect((await post(`${server.url}/v1/models/multi_io:predict`, { instances })).status).toBe(200);
    const after = await server.metrics();
    expect([category(after, 'hanoi'), category(after, 'hcm'), category(after, '__other__')]).toEqual([1, 1, 1]);
    // count = 3, 2^40 + 1, -7 against interior edges [0, 5]
    expect(sample(after, 'cairn_feature_values_bucket', { feature: 'count', le: '0' })).toBe(1);
    expect(sample(after, 'cairn_feature_values_bucket', { feature: 'count', le: '5' })).toBe(2);
    expect(sample(after, 'cairn_feature_values_bucket', { feature: 'count', le: '+Inf' })).toBe(3);
  });

  it('records predictions for every numeric output without a profile', async () => {
    server = await startServer('driver_elasticnet', { name: 'driver' });
    await post(`${server.url}/v1/models/driver:predict`, { instances: [[0.5, 0.9, 280]] });
    const metrics = await server.metrics();
    expect(sample(metrics, 'cairn_prediction_values_count', { output: 'variable' })).toBe(1);
    expect(sample(metrics, 'cairn_prediction_values_bucket', { output: 'variable', le: '100' })).toBe(1);
    expect(sample(metrics, 'cairn_prediction_values_bucket', { output: 'variable', le: '10' })).toBe(0);
    expect(metrics).not.toContain('cairn_feature_values');
  });
});

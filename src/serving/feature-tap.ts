/**
 * The drift tap: live feature values and predictions counted into histograms whose buckets are the baseline
 * profile's bin edges, and categories into counters bounded by the profile's categories (plus __other__), so
 * drift is computed from counters alone and no raw request data leaves the pod (docs/contracts.md §2).
 */
import { Counter, type Registry } from 'prom-client';
import type { TensorData, TensorMap } from './datatypes.js';
import { interiorEdges, type DatasetProfile, type FeatureProfile } from './profile.js';
import type { ModelSignature, TensorSpec } from './signature.js';
import { VariableHistogram, type HistogramSeries } from './variable-histogram.js';

/** Which elements of which input carry a profiled feature. */
export interface FeatureBinding {
  feature: FeatureProfile;
  input: string;
  /** Column of the input's last dimension, or null when every element of the input is this feature. */
  column: number | null;
}

/** Prediction buckets when the profile gives no target bins: a symmetric log scale. */
const PREDICTION_BUCKETS = [-1000, -100, -10, -1, -0.1, 0, 0.1, 1, 10, 100, 1000];

const lastDim = (spec: TensorSpec) => spec.shape[spec.shape.length - 1];

/**
 * Binds profile features to model inputs: `explicit` (input name -> feature per column) first; then an input
 * named like a feature; then a single 2-D input with one column per remaining feature, in profile order (how
 * the example trainer lays out its features). Returns the features it could not bind.
 */
export function bindFeatures(
  profile: DatasetProfile,
  signature: ModelSignature,
  explicit: Record<string, string[]> = {},
): { bindings: FeatureBinding[]; unbound: string[] } {
  const byName = new Map(profile.features.map((f) => [f.name, f]));
  const bindings: FeatureBinding[] = [];
  for (const [input, columns] of Object.entries(explicit)) {
    const spec = signature.inputs.find((s) => s.name === input);
    if (!spec) throw new Error(`--feature-columns: the model has no input "${input}"`);
    const width = lastDim(spec);
    if (width !== undefined && width !== -1 && width !== columns.length) {
      throw new Error(`--feature-columns: input "${input}" has ${width} columns, ${columns.length} features given`);
    }
    columns.forEach((name, column) => {
      const feature = byName.get(name);
      if (!feature) throw new Error(`--feature-columns: feature "${name}" is not in the profile`);
      bindings.push({ feature, input, column });
    });
  }
  const bound = () => new Set(bindings.map((b) => b.feature.name));
  for (const feature of profile.features) {
    if (bound().has(feature.name)) continue;
    if (signature.inputs.some((s) => s.name === feature.name)) bindings.push({ feature, input: feature.name, column: null });
  }
  const remaining = profile.features.filter((f) => !bound().has(f.name));
  const free = signature.inputs.filter((s) => !bindings.some((b) => b.input === s.name));
  if (remaining.length > 0 && free.length === 1 && free[0]!.shape.length === 2 && lastDim(free[0]!) === remaining.length) {
    remaining.forEach((feature, column) => bindings.push({ feature, input: free[0]!.name, column }));
  }
  return { bindings, unbound: profile.features.filter((f) => !bound().has(f.name)).map((f) => f.name) };
}

function numberAt(data: TensorData, i: number): number {
  const v = data[i];
  return typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number.parseFloat(v) : (v as number);
}

/** Data whose elements are numbers already: a typed array other than the 64-bit integer ones (bigints). */
function isNumeric(data: TensorData): data is Exclude<TensorData, BigInt64Array | BigUint64Array | string[]> {
  return ArrayBuffer.isView(data) && !(data instanceof BigInt64Array) && !(data instanceof BigUint64Array);
}

function categoryAt(data: TensorData, i: number, type: string): string {
  const v = data[i];
  if (type === 'bool') return v ? 'true' : 'false';
  return String(v);
}

export interface FeatureTap {
  observeInputs(feeds: TensorMap): void;
  observeOutputs(outputs: TensorMap): void;
}

export interface FeatureTapOptions {
  model: string;
  version: string;
  signature: ModelSignature;
  profile?: DatasetProfile;
  bindings?: FeatureBinding[];
}

/** Registers cairn_prediction_values (always) and, with a profile, cairn_feature_values and cairn_feature_category_total. */
export function createFeatureTap(registry: Registry, options: FeatureTapOptions): FeatureTap {
  const { model, version, signature, profile } = options;
  const predictions = new VariableHistogram('cairn_prediction_values', 'Predicted values by output.', registry);
  const numericOutputs = signature.outputs.filter((s) => s.type !== 'string');
  const targetBuckets = profile?.targetEdges && numericOutputs.length === 1 ? interiorEdges(profile.targetEdges) : undefined;
  const outputSeries = numericOutputs.map((spec) => ({
    name: spec.name,
    series: predictions.addSeries({ model, version, output: spec.name }, targetBuckets ?? PREDICTION_BUCKETS),
  }));

  const numeric: { binding: FeatureBinding; series: HistogramSeries }[] = [];
  const categorical: { binding: FeatureBinding; counters: Map<string, { inc(): void }>; other: { inc(): void } }[] = [];
  if (profile) {
    const values = new VariableHistogram('cairn_feature_values', 'Live feature values, bucketed by the baseline profile bin edges.', registry);
    const categories = new Counter({
      name: 'cairn_feature_category_total',
      help: 'Live categorical feature values; categories not in the baseline profile count as __other__.',
      labelNames: ['model', 'version', 'feature', 'category'] as const,
      registers: [registry],
    });
    for (const binding of options.bindings ?? []) {
      const f = binding.feature;
      if (f.type === 'number') {
        numeric.push({ binding, series: values.addSeries({ model, version, feature: f.name }, interiorEdges(f.edges)) });
      } else {
        const counters = new Map(f.categories.map((c) => [c, categories.labels(model, version, f.name, c)]));
        const other = categories.labels(model, version, f.name, '__other__');
        for (const counter of [...counters.values(), other]) counter.inc(0);
        categorical.push({ binding, counters, other });
      }
    }
  }

  const eachElement = (feeds: TensorMap, binding: FeatureBinding, visit: (data: TensorData, i: number, type: string) => void) => {
    const value = feeds[binding.input];
    if (!value) return;
    const { data, dims } = value;
    if (binding.column === null) {
      for (let i = 0; i < data.length; i++) visit(data, i, value.type);
      return;
    }
    const width = dims[dims.length - 1] ?? 1;
    for (let i = binding.column; i < data.length; i += width) visit(data, i, value.type);
  };

  /** One column (or every element) of an input into its histogram: a typed array's numbers in one loop, else each converted. */
  const observeColumn = (feeds: TensorMap, binding: FeatureBinding, series: HistogramSeries) => {
    const value = feeds[binding.input];
    if (!value) return;
    const { data, dims } = value;
    if (isNumeric(data)) {
      if (binding.column === null) series.observeEvery(data, 0, 1);
      else series.observeEvery(data, binding.column, dims[dims.length - 1] ?? 1);
    } else eachElement(feeds, binding, (d, i) => series.observe(numberAt(d, i)));
  };

  return {
    observeInputs(feeds) {
      for (const { binding, series } of numeric) observeColumn(feeds, binding, series);
      for (const { binding, counters, other } of categorical) {
        eachElement(feeds, binding, (data, i, type) => (counters.get(categoryAt(data, i, type)) ?? other).inc());
      }
    },
    observeOutputs(outputs) {
      for (const { name, series } of outputSeries) {
        const value = outputs[name];
        if (!value) continue;
        if (isNumeric(value.data)) series.observeEvery(value.data, 0, 1);
        else for (let i = 0; i < value.data.length; i++) series.observe(numberAt(value.data, i));
      }
    },
  };
}

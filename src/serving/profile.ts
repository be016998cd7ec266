/**
 * The Dataset profile (docs/contracts.md §4): the drift baseline whose bin edges become the buckets of the
 * live feature histograms, and whose categories bound the category counters.
 */

export interface NumericFeature {
  name: string;
  type: 'number';
  edges: number[];
}

export interface CategoricalFeature {
  name: string;
  type: 'categorical';
  categories: string[];
}

export type FeatureProfile = NumericFeature | CategoricalFeature;

export interface DatasetProfile {
  dataset: string;
  version: string;
  features: FeatureProfile[];
  /** Bin edges of the training target, for the prediction histogram. */
  targetEdges?: number[];
}

function fail(field: string, message: string): never {
  throw new Error(`profile ${field}: ${message}`);
}

function parseEdges(value: unknown, field: string): number[] {
  const edges = (value as { edges?: unknown } | undefined)?.edges;
  if (!Array.isArray(edges) || edges.length < 2 || !edges.every((e) => typeof e === 'number' && Number.isFinite(e))) {
    fail(`${field}.bins.edges`, 'expected at least two finite numbers');
  }
  for (let i = 1; i < edges.length; i++) {
    if ((edges[i] as number) < (edges[i - 1] as number)) fail(`${field}.bins.edges`, 'must be non-decreasing');
  }
  return edges as number[];
}

/** Parses and checks a profile; errors name the field (`features[2].bins.edges`). */
export function parseProfile(json: unknown): DatasetProfile {
  if (typeof json !== 'object' || json === null) fail('', 'expected a JSON object');
  const doc = json as Record<string, unknown>;
  if (!Array.isArray(doc.features)) fail('features', 'expected an array');
  const features = doc.features.map((f: unknown, i): FeatureProfile => {
    const field = `features[${i}]`;
    const feature = f as Record<string, unknown> | null;
    if (typeof feature?.name !== 'string') fail(`${field}.name`, 'expected a string');
    if (feature.type === 'number') return { name: feature.name, type: 'number', edges: parseEdges(feature.bins, field) };
    if (feature.type === 'categorical') {
      const categories = feature.categories;
      if (typeof categories !== 'object' || categories === null || Array.isArray(categories)) fail(`${field}.categories`, 'expected an object');
      return { name: feature.name, type: 'categorical', categories: Object.keys(categories) };
    }
    return fail(`${field}.type`, `expected "number" or "categorical", got ${JSON.stringify(feature.type)}`);
  });
  const profile: DatasetProfile = { dataset: String(doc.dataset ?? ''), version: String(doc.version ?? ''), features };
  const target = doc.target as Record<string, unknown> | undefined;
  if (target?.type === 'number' && target.bins !== undefined) profile.targetEdges = parseEdges(target.bins, 'target');
  return profile;
}

/**
 * Prometheus `le` buckets of a profiled feature: the interior edges edges[1..n-1] (n bins = n+1 edges), so bin 0
 * is (-inf, edges[1]] and the last bin is (edges[n-1], +inf). Duplicates are merged.
 */
export function interiorEdges(edges: readonly number[]): number[] {
  const interior = edges.slice(1, -1);
  return interior.filter((e, i) => i === 0 || e !== interior[i - 1]);
}

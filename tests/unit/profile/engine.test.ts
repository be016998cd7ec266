import { describe, expect, it } from 'vitest';
import { csvSource } from '../../../src/profile/csv.js';
import { DEFAULT_LIMITS, profileSource, type EngineLimits } from '../../../src/profile/engine.js';
import { jsonlSource } from '../../../src/profile/jsonl.js';
import { countAtMost, quantileEdges, rightClosedCounts } from '../../../src/profile/quantile.js';
import type { NumericProfile, ProfileSpec } from '../../../src/profile/types.js';
import { bool, bytes, cat, int, jsonl, num, rng, spec } from './helpers.js';

const target = { dataset: 'd', version: 'sha256:' + '0'.repeat(64) };

async function run(rows: Record<string, unknown>[], s: ProfileSpec, limits?: EngineLimits) {
  return profileSource(jsonlSource(bytes(jsonl(rows), 4096)), s, target, limits);
}

/** What a profile of these values must be: the edges and counts from every value, sorted. */
function brute(values: number[], bins: number) {
  const sorted = Float64Array.from(values).sort();
  const edges = quantileEdges(sorted.length, bins, (r) => sorted[r]!);
  return { edges, counts: rightClosedCounts(edges, sorted.length, (e) => countAtMost(sorted, e)) };
}

/** Tiny limits, so that even small columns need windows, buckets and several passes. */
const tiny: EngineLimits = { ...DEFAULT_LIMITS, values: 64, whole: 64, buckets: 64, distinct: 16, categories: 4, categoryChars: 1 << 16 };

describe('numeric columns', () => {
  it('rows, nulls, min, max, mean, population std, edges and counts', async () => {
    const rows = [1, 2, 3, 4, null, 5].map((x) => ({ x }));
    const outcome = await run(rows, spec([num('x')], { bins: 4, maxNullFraction: 0.2 }));
    expect(outcome).toMatchObject({ ok: true, passes: 1 });
    if (!outcome.ok) return;
    expect(outcome.profile).toEqual({
      ...target,
      rows: 6,
      features: [{ name: 'x', type: 'number', nulls: 1, min: 1, max: 5, mean: 3, std: Math.sqrt(2), bins: { edges: [1, 2, 3, 4, 5], counts: [2, 1, 1, 1] } }],
    });
    expect(outcome.validation).toEqual({ nullFraction: { x: 1 / 6 }, outOfRange: {} });
  });

  it('integers are profiled as numbers; a constant column has one bin', async () => {
    const outcome = await run([7, 7, 7].map((k) => ({ k })), spec([int('k')]));
    expect(outcome.ok && outcome.profile.features[0]).toMatchObject({ type: 'number', std: 0, bins: { edges: [7, 7], counts: [3] } });
  });

  it.each([
    ['uniform', (r: () => number) => r()],
    ['few distinct values', (r: () => number) => Math.floor(r() * 5)],
    ['heavy duplicates and a far outlier', (r: () => number) => (r() < 0.6 ? 1 : r() < 0.999 ? r() * 10 : 1e12)],
    ['clustered', (r: () => number) => 1000 + Math.floor(r() * 1e6) * 1e-9],
    ['negative and tiny', (r: () => number) => (r() - 0.5) * 1e-300],
  ])('in bounded memory the edges and counts are exact: %s', async (_, draw) => {
    const random = rng(42);
    for (const [n, bins] of [[1, 10], [2, 10], [3, 2], [1000, 10], [5000, 7], [20000, 100]] as const) {
      const values = Array.from({ length: n }, () => draw(random));
      const outcome = await run(values.map((x) => ({ x })), spec([num('x')], { bins }), tiny);
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      const f = outcome.profile.features[0] as NumericProfile;
      expect(f.bins, `n=${n} bins=${bins}`).toEqual(brute(values, bins));
      expect(f.min).toBe(Math.min(...values));
      expect(f.max).toBe(Math.max(...values));
    }
  });

  it('resolves a column larger than its share in one pass through windows placed by its first values', async () => {
    const random = rng(1);
    const values = Array.from({ length: 600_000 }, () => random() * 100);
    const text = 'x\n' + values.map((v) => String(v)).join('\n') + '\n';
    const outcome = await profileSource(csvSource(bytes(text, 1 << 20)), spec([num('x')]), target);
    expect(outcome.ok && outcome.passes).toBe(1);
    expect(outcome.ok && (outcome.profile.features[0] as NumericProfile).bins).toEqual(brute(values, 10));
  });

  it('a sorted column, whose first values say nothing of the rest, takes more passes and stays exact', async () => {
    const values = Array.from({ length: 50_000 }, (_, i) => i / 7);
    const text = 'x\n' + values.map((v) => String(v)).join('\n') + '\n';
    const outcome = await profileSource(csvSource(bytes(text, 1 << 16)), spec([num('x')]), target, { ...DEFAULT_LIMITS, whole: 1000, values: 20_000, distinct: 100 });
    expect(outcome.ok && outcome.passes).toBeGreaterThan(1);
    expect(outcome.ok && (outcome.profile.features[0] as NumericProfile).bins).toEqual(brute(values, 10));
  });
});

describe('categorical columns', () => {
  it('lists the 100 most frequent categories, ties by name, the rest in otherCount', async () => {
    const rows: Record<string, unknown>[] = [];
    // c000..c149: c000 has 300 rows, then counts fall by 2 every ten categories, so ties come in tens
    for (let i = 0; i < 150; i++) for (let k = 0; k < 300 - 2 * Math.floor(i / 10); k++) rows.push({ c: `c${String(149 - i).padStart(3, '0')}` });
    rows.push({ c: null }, { c: '__other__' });
    for (const limits of [DEFAULT_LIMITS, { ...tiny, categories: 200 }]) {
      const outcome = await run(rows, spec([cat('c')], { maxNullFraction: 0.01 }), limits);
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      const f = outcome.profile.features[0]!;
      if (f.type !== 'categorical') throw new Error('not categorical');
      const names = Object.keys(f.categories);
      expect(names).toHaveLength(100);
      expect(names.slice(0, 3)).toEqual(['c140', 'c141', 'c142']);
      expect(names[99]).toBe('c059');
      const listed = Object.values(f.categories).reduce((a, b) => a + b, 0);
      expect(f.nulls).toBe(1);
      expect(listed + f.otherCount).toBe(rows.length - 1);
      expect(names).not.toContain('__other__');
    }
  });

  it('counts exactly past the exact-count limit when the top categories are frequent (Misra–Gries and a recount)', async () => {
    const random = rng(3);
    const rows = Array.from({ length: 5000 }, () => ({ c: random() < 0.5 ? `top${Math.floor(random() * 3)}` : `rare${Math.floor(random() * 4000)}` }));
    const exact = new Map<string, number>();
    for (const { c } of rows) exact.set(c, (exact.get(c) ?? 0) + 1);
    const outcome = await run(rows, spec([cat('c')]), { ...tiny, categories: 1000 });
    expect(outcome.ok && outcome.passes).toBe(2);
    if (!outcome.ok || outcome.profile.features[0]!.type !== 'categorical') return;
    for (const k of ['top0', 'top1', 'top2']) expect(outcome.profile.features[0]!.categories[k]).toBe(exact.get(k));
  });

  it('booleans are categories "true" and "false", both always listed', async () => {
    const outcome = await run([{ b: true }, { b: true }], spec([bool('b')]));
    expect(outcome.ok && outcome.profile.features[0]).toEqual({ name: 'b', type: 'categorical', nulls: 0, categories: { true: 2, false: 0 }, otherCount: 0 });
  });

  it('the target comes in the same form', async () => {
    const outcome = await run([{ x: 1, y: 'a' }, { x: 2, y: 'b' }], { ...spec([num('x')]), target: cat('y') });
    expect(outcome.ok && outcome.profile.target).toMatchObject({ name: 'y', type: 'categorical', categories: { a: 1, b: 1 } });
  });
});

describe('validation', () => {
  it('a missing column is SchemaMismatch naming it (csv header)', async () => {
    const outcome = await profileSource(csvSource(bytes('a,b\n1,2\n')), spec([num('a'), num('c'), num('d')]), target);
    expect(outcome).toMatchObject({ ok: false, reason: 'SchemaMismatch', message: '2 columns are missing from the data: c, d' });
  });

  it('a column no jsonl line has is SchemaMismatch naming it', async () => {
    const outcome = await run([{ a: 1 }, { a: 2 }], spec([num('a'), num('zz')]));
    expect(outcome).toMatchObject({ ok: false, reason: 'SchemaMismatch', message: 'column zz is missing' });
  });

  it('values of another type are SchemaMismatch with the first line', async () => {
    const outcome = await run([{ a: 1 }, { a: 'x' }, { a: 1.5 }], spec([int('a')]));
    expect(outcome).toMatchObject({ ok: false, reason: 'SchemaMismatch', message: 'column a has 2 values that are not integers (first on line 2)' });
  });

  it('nulls over the limit are NullsOverLimit with the fraction', async () => {
    const rows = [{ a: 1, b: 'x' }, { a: null, b: 'y' }, { a: 2, b: null }, { a: 3, b: 'z' }];
    const outcome = await run(rows, spec([num('a'), cat('b')], { maxNullFraction: 0.2 }));
    expect(outcome).toMatchObject({
      ok: false,
      reason: 'NullsOverLimit',
      message: 'column a has 25% nulls (1 of 4 rows), over the limit of 20%; column b has 25% nulls (1 of 4 rows), over the limit of 20%',
      validation: { nullFraction: { a: 0.25, b: 0.25 }, outOfRange: {} },
    });
  });

  it('values outside [min, max] over the limit are OutOfRange; the share is of non-null values', async () => {
    const rows = [0.5, 1.5, null, -1, 0.2].map((a) => ({ a }));
    const outcome = await run(rows, spec([num('a', { min: 0, max: 1 })], { maxNullFraction: 1, maxOutOfRangeFraction: 0.25 }));
    expect(outcome).toMatchObject({ ok: false, reason: 'OutOfRange', validation: { outOfRange: { a: 0.5 } } });
    const ok = await run(rows, spec([num('a', { min: 0, max: 1 })], { maxNullFraction: 1, maxOutOfRangeFraction: 0.5 }));
    expect(ok.ok).toBe(true);
  });

  it('a numeric column without values, or no rows at all, is EmptyColumn', async () => {
    expect(await run([{ a: null }], spec([num('a')], { maxNullFraction: 1 }))).toMatchObject({ ok: false, reason: 'EmptyColumn' });
    const none = await profileSource(csvSource(bytes('a\n')), spec([num('a')]), target);
    expect(none).toMatchObject({ ok: false, reason: 'EmptyColumn', message: 'the data set has no rows' });
  });
});

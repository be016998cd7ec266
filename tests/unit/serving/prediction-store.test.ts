/**
 * The prediction store's bounds: rows (oldest out first), age, and what a lookup says of an id no longer held
 * (expired for a generated id, unknown for a client's own or one never given).
 */
import { describe, expect, it } from 'vitest';
import { MAX_ID_LENGTH, PredictionStore } from '../../../src/serving/prediction-store.js';

function store(maxRows: number, maxAgeMs = 60_000) {
  const clock = { t: 0 };
  const s = new PredictionStore({ maxRows, maxAgeMs }, () => clock.t, 'abcd');
  return { s, clock };
}
const rows = (...v: number[]) => Float64Array.from(v);

describe('PredictionStore', () => {
  it('gives distinct ids of its prefix, in sequence', () => {
    const { s } = store(10);
    expect([s.putNew(rows(1)), s.putNew(rows(2)), s.putNew(rows(3))]).toEqual(['abcd-0', 'abcd-1', 'abcd-2']);
    for (let i = 0; i < 40; i++) s.putNew(rows(i));
    expect(s.putNew(rows(0))).toBe(`abcd-${(43).toString(36)}`);
  });

  it('keeps at most maxRows rows, evicting the oldest predictions first', () => {
    const { s } = store(5);
    const a = s.putNew(rows(1, 2))!;
    const b = s.putNew(rows(3, 4))!;
    expect(s.rows).toBe(4);
    const c = s.putNew(rows(5, 6))!;
    expect(s.rows).toBe(4);
    expect(s.size).toBe(2);
    expect(s.get(a)).toEqual({ kind: 'expired' });
    expect(s.get(b)).toMatchObject({ kind: 'found', prediction: { values: rows(3, 4), labelled: false } });
    expect(s.get(c)).toMatchObject({ kind: 'found' });
  });

  it('drops predictions older than maxAgeMs, at the next put or lookup', () => {
    const { s, clock } = store(100, 1000);
    const a = s.putNew(rows(1))!;
    clock.t = 600;
    s.put('client-1', rows(2));
    clock.t = 1000;
    expect(s.get(a)).toMatchObject({ kind: 'found' }); // exactly maxAgeMs old: still kept
    clock.t = 1001;
    expect(s.get(a)).toEqual({ kind: 'expired' });
    expect(s.get('client-1')).toMatchObject({ kind: 'found' });
    clock.t = 1601;
    expect(s.get('client-1')).toEqual({ kind: 'unknown' }); // a client's own id cannot be told apart once gone
    expect(s.rows).toBe(0);
  });

  it('a client id given again replaces its prediction and counts its rows once', () => {
    const { s, clock } = store(4);
    s.put('x', rows(1, 2, 3));
    clock.t = 5;
    s.put('x', rows(9));
    expect(s.rows).toBe(1);
    expect(s.get('x')).toMatchObject({ kind: 'found', prediction: { values: rows(9), at: 5 } });
  });

  it.each([
    ['no rows', 'a', rows()],
    ['more rows than the store', 'b', rows(1, 2, 3, 4, 5, 6)],
    ['an id longer than MAX_ID_LENGTH', 'c'.repeat(MAX_ID_LENGTH + 1), rows(1)],
  ])('does not keep a prediction of %s', (_what, id, values) => {
    const { s } = store(5);
    s.put('keep', rows(1));
    s.put(id, values);
    expect(s.get(id).kind).toBe('unknown');
    expect(s.get('keep').kind).toBe('found'); // nothing evicted for it
  });

  it('ids it never gave are unknown: another prefix, a sequence not reached, not base 36', () => {
    const { s } = store(1);
    const a = s.putNew(rows(1))!;
    s.putNew(rows(2)); // evicts a
    expect(s.get(a).kind).toBe('expired');
    for (const id of ['ffff-0', 'abcd-zz', 'abcd-', 'abcd_0', 'abcd-A', 'nope']) expect(s.get(id).kind).toBe('unknown');
  });

  it('keeps nothing with maxRows 0', () => {
    const { s } = store(0);
    expect(s.enabled).toBe(false);
    s.put('a', rows(1));
    expect(s.get('a').kind).toBe('unknown');
  });
});

describe('PredictionStore under churn', () => {
  it('keeps its bounds and finds the newest predictions after many evictions and reused ids', () => {
    const clock = { t: 0 };
    const s = new PredictionStore({ maxRows: 1000, maxAgeMs: 10_000 }, () => clock.t, 'beef');
    const ids: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      clock.t = i;
      ids.push(s.putNew(Float64Array.from([i, i]))!);
      s.put(`client-${i % 7}`, Float64Array.from([i])); // seven ids used again and again
      expect(s.rows).toBeLessThanOrEqual(1000);
    }
    expect(s.get(ids.at(-1)!)).toMatchObject({ kind: 'found', prediction: { values: Float64Array.from([19_999, 19_999]) } });
    expect(s.get(ids[0]!).kind).toBe('expired');
    expect(s.get('client-3')).toMatchObject({ kind: 'found' });
    expect(s.rows).toBe(s.size * 2 - 7);
  });

  it('putNew does not keep what put would not', () => {
    const s = new PredictionStore({ maxRows: 2, maxAgeMs: 1000 }, () => 0, 'beef');
    expect(s.putNew(Float64Array.from([1, 2, 3]))).toBeUndefined();
    expect(s.putNew(Float64Array.from([]))).toBeUndefined();
    expect(s.putNew(Float64Array.from([1]))).toBe('beef-0');
  });
});

describe('PredictionStore, generated ids in typed arrays', () => {
  it('finds every prediction held while its arrays grow and wrap around', () => {
    const clock = { t: 0 };
    const s = new PredictionStore({ maxRows: 3000, maxAgeMs: 1e9 }, () => clock.t, 'f00d');
    const kept: Array<[string, number[]]> = [];
    for (let i = 0; i < 10_000; i++) {
      clock.t = i;
      const values = Array.from({ length: 1 + (i % 3) }, (_, r) => i * 10 + r);
      kept.push([s.putNew(values)!, values]);
    }
    expect(s.rows).toBeLessThanOrEqual(3000);
    expect(s.rows).toBeGreaterThan(3000 - 3);
    const held = kept.slice(-s.size);
    for (const [id, values] of held) expect(s.get(id)).toMatchObject({ kind: 'found', prediction: { values: Float64Array.from(values) } });
    expect(s.get(kept[kept.length - s.size - 1]![0]).kind).toBe('expired');
  });

  it('keeps string classes as strings, bigints as numbers, and marks a label once', () => {
    const { s } = store(10);
    const text = s.putNew(['cat', 'dog'])!;
    const ints = s.putNew(BigInt64Array.from([3n, 4n]))!;
    const found = s.get(text);
    expect(found).toMatchObject({ kind: 'found', prediction: { values: ['cat', 'dog'], labelled: false } });
    if (found.kind === 'found') found.markLabelled();
    expect(s.get(text)).toMatchObject({ prediction: { labelled: true } });
    expect(s.get(ints)).toMatchObject({ kind: 'found', prediction: { values: Float64Array.from([3, 4]), labelled: false } });
  });
});

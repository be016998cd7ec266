/**
 * The drift statistics against an independent implementation: tests/reference/drift.py computes each case with
 * scipy (chi2_contingency, ks_2samp, wasserstein_distance, jensenshannon, chi2, kolmogorov) or, for PSI, a direct
 * numpy formula, into tests/unit/drift/fixtures/reference.json. Statistics and p-values agree within 1e-9
 * relative (p-values also within 1e-12 absolute, where scipy and Cairn take 1 - P by different routes).
 *
 * Regenerate the fixture with `UPDATE_GOLDEN=1 npx vitest run tests/unit/drift/reference.test.ts` (it builds the
 * pinned Python environment of tests/reference/requirements.txt, as the profile's reference test does).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { chiSquareIsf, chiSquareSf, jensenShannonTest, kolmogorovIsf, kolmogorovSf, ksBinnedTest, ksSamplesTest, psiTest, scoreCategorical, wassersteinBinnedTest, wassersteinSamplesTest, type DriftTest } from '../../../src/drift/index.js';
import { ensurePythonEnv } from '../../../src/testenv/python-env.js';

const root = resolve(import.meta.dirname, '../../..');
const fixturePath = join(import.meta.dirname, 'fixtures/reference.json');

interface Expected {
  statistic: number;
  pValue?: number;
  criticalValue?: number | null;
  degreesOfFreedom?: number;
  pValueKind?: string;
}
interface Reference {
  alpha: number;
  distributions: {
    chi2: { x: number; df: number; sf: number }[];
    chi2Isf: { p: number; df: number; x: number }[];
    kolmogorov: { x: number; sf: number }[];
    kolmogorovIsf: { p: number; x: number }[];
  };
  binned: { name: string; edges: number[]; baseline: number[]; live: number[]; psi: Expected; jensenShannon: Expected; ks: Expected; wasserstein: Expected }[];
  categorical: { name: string; categories: Record<string, number>; other: number; live: Record<string, number>; chi2: Expected }[];
  samples: { name: string; baseline: number[]; live: number[]; ks: Expected; wasserstein: Expected }[];
}

let ref: Reference;

beforeAll(async () => {
  if (process.env.UPDATE_GOLDEN === '1') {
    const { python } = await ensurePythonEnv({ requirements: ['tests/reference/requirements.txt'], root });
    await promisify(execFile)(python, [join(root, 'tests/reference/drift.py'), fixturePath]);
  }
  ref = JSON.parse(readFileSync(fixturePath, 'utf8')) as Reference;
}, 900_000);

function close(actual: number, expected: number, what: string, absolute = 0): void {
  const ok = actual === expected || Math.abs(actual - expected) <= 1e-9 * Math.abs(expected) || Math.abs(actual - expected) <= absolute;
  expect(ok, `${what}: ${actual} vs scipy ${expected}`).toBe(true);
}

function compare(test: DriftTest, expected: Expected, what: string): void {
  close(test.statistic, expected.statistic, `${what} statistic`, 1e-15);
  if (test.pValueKind === 'simulated') {
    // A window too small for the chi-square approximation (psi, jensenShannon): its p-value is simulated
    // (src/drift/simulated-null.ts), so scipy's asymptotic one is no reference; false-alarms.test.ts checks it.
    if (expected.degreesOfFreedom !== undefined) expect(test.degreesOfFreedom, `${what} df`).toBe(expected.degreesOfFreedom);
    expect(test.pValue, `${what} simulated p-value`).toBeGreaterThan(0);
    expect(test.pValue, `${what} simulated p-value`).toBeLessThanOrEqual(1);
    return;
  }
  if (expected.pValue !== undefined) close(test.pValue, expected.pValue, `${what} p-value`, 1e-12);
  if (expected.degreesOfFreedom !== undefined) expect(test.degreesOfFreedom, `${what} df`).toBe(expected.degreesOfFreedom);
  if (expected.pValueKind !== undefined) expect(test.pValueKind, `${what} p-value kind`).toBe(expected.pValueKind);
  if (expected.criticalValue === null) expect(test.criticalValue, `${what} critical value`).toBeNull();
  else if (expected.criticalValue !== undefined) close(test.criticalValue!, expected.criticalValue, `${what} critical value`);
}

describe('distributions against scipy', () => {
  it('chi-square survival function and its inverse', () => {
    for (const { x, df, sf } of ref.distributions.chi2) close(chiSquareSf(x, df), sf, `chi2.sf(${x}, ${df})`, 1e-15);
    for (const { p, df, x } of ref.distributions.chi2Isf) close(chiSquareIsf(p, df), x, `chi2.isf(${p}, ${df})`);
  });

  it("Kolmogorov's limit and its inverse", () => {
    for (const { x, sf } of ref.distributions.kolmogorov) close(kolmogorovSf(x), sf, `kolmogorov(${x})`, 1e-15);
    for (const { p, x } of ref.distributions.kolmogorovIsf) close(kolmogorovIsf(p), x, `kolmogi(${p})`);
  });
});

describe('statistics on a profile and live histograms against scipy and numpy', () => {
  it('has cases', () => expect(ref.binned.length).toBeGreaterThanOrEqual(5));

  it.each([0, 1, 2, 3, 4, 5, 6])('binned case %i', (i) => {
    const c = ref.binned[i]!;
    const bins = { edges: c.edges, counts: c.baseline };
    const criteria = { alpha: ref.alpha };
    compare(psiTest(c.baseline, c.live, criteria), c.psi, `${c.name}: psi`);
    compare(jensenShannonTest(c.baseline, c.live, criteria), c.jensenShannon, `${c.name}: jensenShannon`);
    compare(ksBinnedTest(bins, c.live, criteria), c.ks, `${c.name}: ks`);
    compare(wassersteinBinnedTest(bins, c.live, criteria), c.wasserstein, `${c.name}: wasserstein`);
  });
});

describe('chi-square on categories against chi2_contingency', () => {
  it.each([0, 1, 2, 3, 4])('categorical case %i', (i) => {
    const c = ref.categorical[i]!;
    const test = scoreCategorical('chi2', { categories: c.categories, otherCount: c.other }, c.live, { alpha: ref.alpha });
    compare(test, c.chi2, `${c.name}: chi2`);
  });
});

describe('statistics on raw samples against ks_2samp and wasserstein_distance', () => {
  it.each([0, 1, 2, 3, 4])('samples case %i', (i) => {
    const c = ref.samples[i]!;
    compare(ksSamplesTest(c.baseline, c.live, { alpha: ref.alpha }), c.ks, `${c.name}: ks`);
    compare(wassersteinSamplesTest(c.baseline, c.live), c.wasserstein, `${c.name}: wasserstein`);
  });
});

/**
 * `cairn profile`'s engine against an independent implementation: tests/reference/profile.py generates driver-stats
 * data with numpy, writes it as csv, jsonl and parquet (pyarrow), and computes the profile of the generated values
 * with numpy. Edges and statistics must agree within 1e-9 relative, counts and categories exactly, for every format,
 * with the default limits and with limits so small that every column takes several passes.
 */
import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { asyncBufferFromFile } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvSource, DEFAULT_LIMITS, jsonlSource, parquetSource, profileSource, profileSpecOf, type DataSource, type EngineLimits } from '../../../src/profile/index.js';
import type { ColumnProfile, DatasetProfile } from '../../../src/profile/types.js';
import { ensurePythonEnv } from '../../../src/testenv/python-env.js';

const root = resolve(import.meta.dirname, '../../..');
const run = promisify(execFile);
let python = '';
let dir = '';

const datasets = {
  // 20,000 rows with nulls in three columns, 10 bins
  nulls: ['--rows', '20000', '--nulls', '0.005', '--seed', '11'],
  // 6,000 rows, more numeric columns (lognormal, normal, few distinct values), 7 bins, parquet in row groups of
  // 1,000 rows with a page index (read by page windows)
  extra: ['--rows', '6000', '--extra', '3', '--bins', '7', '--seed', '5', '--row-group', '1000', '--page-index'],
};
const bins = { nulls: 10, extra: 7 };

beforeAll(async () => {
  const env = await ensurePythonEnv({ requirements: ['tests/reference/requirements.txt'], root });
  python = env.python;
  dir = await mkdtemp(join(tmpdir(), 'cairn-profile-ref-'));
  for (const [name, args] of Object.entries(datasets)) {
    await run(python, [join(root, 'tests/reference/profile.py'), join(dir, name), ...args]);
  }
}, 900_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function open(path: string, format: string): Promise<DataSource> | DataSource {
  if (format === 'parquet') return asyncBufferFromFile(path).then((file) => parquetSource(file, { windowRows: 700 }));
  const bytes = () => createReadStream(path, { highWaterMark: 1 << 16 });
  return format === 'csv' ? csvSource(bytes) : jsonlSource(bytes);
}

const close = (actual: number, expected: number): boolean => actual === expected || Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(expected), 1e-300) || Math.abs(actual - expected) < 1e-12;

function compare(actual: ColumnProfile, expected: ColumnProfile): void {
  const where = `column ${expected.name}`;
  expect(actual.type, where).toBe(expected.type);
  expect(actual.nulls, where).toBe(expected.nulls);
  if (actual.type === 'number' && expected.type === 'number') {
    expect([actual.min, actual.max], where).toEqual([expected.min, expected.max]);
    for (const key of ['mean', 'std'] as const) expect(close(actual[key], expected[key]), `${where} ${key}: ${actual[key]} vs ${expected[key]}`).toBe(true);
    expect(actual.bins.edges.length, `${where} edges ${actual.bins.edges} vs ${expected.bins.edges}`).toBe(expected.bins.edges.length);
    actual.bins.edges.forEach((e, i) => expect(close(e, expected.bins.edges[i]!), `${where} edge ${i}: ${e} vs ${expected.bins.edges[i]}`).toBe(true));
    expect(actual.bins.counts, where).toEqual(expected.bins.counts);
  } else if (actual.type === 'categorical' && expected.type === 'categorical') {
    expect(Object.entries(actual.categories), where).toEqual(Object.entries(expected.categories));
    expect(actual.otherCount, where).toBe(expected.otherCount);
  }
}

const small: EngineLimits = { ...DEFAULT_LIMITS, values: 2000, whole: 2000, buckets: 512, distinct: 64, categories: 50 };

describe.each(Object.keys(datasets) as (keyof typeof datasets)[])('profile of the %s data set equals numpy', (name) => {
  it.each([
    ['csv', 'default'],
    ['jsonl', 'default'],
    ['parquet', 'default'],
    ['csv', 'small'],
    ['parquet', 'small'],
  ])('%s, %s limits', async (format, limits) => {
    const base = join(dir, name);
    const reference = JSON.parse(await readFile(join(base, 'reference.json'), 'utf8')) as Pick<DatasetProfile, 'rows' | 'features' | 'target'>;
    const schema = JSON.parse(await readFile(join(base, 'schema.json'), 'utf8'));
    const spec = profileSpecOf({ schema, validation: { maxNullFraction: 0.01 }, profile: { bins: bins[name] } });
    const outcome = await profileSource(await open(join(base, `data.${format}`), format), spec, { dataset: name, version: 'v' }, limits === 'small' ? small : DEFAULT_LIMITS);
    if (!outcome.ok) throw new Error(`${outcome.reason}: ${outcome.message}`);
    if (limits === 'small') expect(outcome.passes).toBeGreaterThan(2);
    expect(outcome.profile.rows).toBe(reference.rows);
    expect(outcome.profile.features.map((f) => f.name)).toEqual(reference.features.map((f) => f.name));
    outcome.profile.features.forEach((f, i) => compare(f, reference.features[i]!));
    compare(outcome.profile.target!, reference.target!);
  });
});

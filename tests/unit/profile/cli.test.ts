import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/command.js';
import { parseProfileArgs, prestartReader } from '../../../src/cli/profile.js';
import { runProfile } from '../../../src/cli/profile-run.js';
import { profileToConfigMapData } from '../../../src/profile/configmap.js';
import { ProfileError } from '../../../src/profile/errors.js';
import { terminationMessage } from '../../../src/profile/termination.js';
import type { DatasetProfile } from '../../../src/profile/types.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-profile-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const dataset = (validation: object) => `apiVersion: cairn.dev/v1alpha1
kind: Dataset
metadata: {name: driver-stats}
spec:
  source: {uri: 'file:///data.csv', format: csv, sha256: ${'a'.repeat(64)}}
  schema:
    features:
      - {name: conv_rate, type: number, min: 0, max: 1}
      - {name: city, type: categorical}
    target: {name: trip_minutes, type: number}
  validation: ${JSON.stringify(validation)}
  profile: {bins: 2}
`;

async function profile(csv: string, validation: object = {}): Promise<{ code: number; out: string; termination: unknown }> {
  await writeFile(join(dir, 'data.csv'), csv);
  await writeFile(join(dir, 'dataset.yaml'), dataset(validation));
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const log = join(dir, 'termination-log');
  const options = parseProfileArgs(['--data', join(dir, 'data.csv'), '--format', 'csv', '--dataset', join(dir, 'dataset.yaml')]);
  if (options === 'help') throw new Error('help');
  const code = await runProfile(options, { CAIRN_TERMINATION_LOG: log }, out);
  return { code, out: text, termination: JSON.parse(await readFile(log, 'utf8')) };
}

describe('cairn profile', () => {
  it('prints the profile and leaves the validation figures in the termination message', async () => {
    const { code, out, termination } = await profile('conv_rate,city,trip_minutes\n0.5,hanoi,10\n0.25,hcm,12\n');
    expect(code).toBe(0);
    const p = JSON.parse(out) as DatasetProfile;
    expect(p).toMatchObject({ dataset: 'driver-stats', rows: 2, features: [{ name: 'conv_rate', bins: { edges: [0.25, 0.375, 0.5] } }, { name: 'city' }], target: { name: 'trip_minutes' } });
    expect(p.version).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(termination).toEqual({ reason: 'Succeeded', message: 'Profiled 2 rows', rows: 2, version: p.version, validation: { nullFraction: { conv_rate: 0, city: 0, trip_minutes: 0 }, outOfRange: { conv_rate: 0 } } });
  });

  it('exits 1 on a failed gate with {reason, message, validation}', async () => {
    const { code, out, termination } = await profile('conv_rate,city,trip_minutes\n,hanoi,10\n0.25,hcm,12\n', { maxNullFraction: 0.1 });
    expect([code, out]).toEqual([1, '']);
    expect(termination).toEqual({
      reason: 'NullsOverLimit',
      message: 'column conv_rate has 50% nulls (1 of 2 rows), over the limit of 10%',
      validation: { nullFraction: { conv_rate: 0.5, city: 0, trip_minutes: 0 }, outOfRange: { conv_rate: 0 } },
    });
  });

  it('exits 1 on a malformed row, naming its line', async () => {
    const { code, termination } = await profile('conv_rate,city,trip_minutes\n0.5,hanoi,10\n0.5,"hcm\n');
    expect(code).toBe(1);
    expect(termination).toEqual({ reason: 'MalformedData', message: 'csv line 3: a quoted field is not closed before the end of the file' });
  });

  it('refuses bad arguments as usage errors', () => {
    expect(() => parseProfileArgs(['--data', 'x', '--format', 'xlsx', '--schema', 's'])).toThrow(UsageError);
    expect(() => parseProfileArgs(['--data', 'x', '--format', 'csv'])).toThrow('give exactly one of --schema, --dataset and --dataset-json');
    expect(() => parseProfileArgs(['--data', 'x', '--format', 'csv', '--schema', 's', '--version', 'sha256:12'])).toThrow(UsageError);
  });
});

describe('cairn profile with its reader thread started before the engine loads', () => {
  const options = (data: string) => {
    const parsed = parseProfileArgs(['--data', data, '--format', 'csv', '--dataset', join(dir, 'dataset.yaml')]);
    if (parsed === 'help') throw new Error('help');
    return parsed;
  };
  const started = async (csv: string) => {
    await writeFile(join(dir, 'data.csv'), csv);
    await writeFile(join(dir, 'dataset.yaml'), dataset({}));
    const o = options(join(dir, 'data.csv'));
    const reader = prestartReader(o)!;
    const exited = new Promise<number>((resolve) => reader.once('exit', resolve));
    return { o, reader, exited };
  };

  it('reads the first pass on the thread already started, and the thread ends with the command', async () => {
    const { o, reader, exited } = await started('conv_rate,city,trip_minutes\n0.5,hanoi,10\n0.25,hcm,12\n');
    let rowsSeen = 0;
    reader.on('message', (m: { type: string; wire?: { length: number }[] }) => {
      if (m.type === 'batch') rowsSeen += m.wire![0]!.length;
    });
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    expect(await runProfile(o, {}, out, undefined, reader)).toBe(0);
    expect(JSON.parse(text)).toMatchObject({ rows: 2 });
    expect(rowsSeen).toBe(2);
    await exited;
  });

  it('ends the thread when no pass was read: a missing column, a usage error', async () => {
    const missing = await started('conv_rate,trip_minutes\n0.5,10\n');
    expect(await runProfile(missing.o, {}, new PassThrough(), undefined, missing.reader)).toBe(1);
    await missing.exited;
    const unusable = await started('conv_rate,city,trip_minutes\n0.5,hanoi,10\n');
    await writeFile(join(dir, 'dataset.yaml'), 'kind: Dataset\nspec: 3\n');
    await expect(runProfile(unusable.o, {}, new PassThrough(), undefined, unusable.reader)).rejects.toThrow(UsageError);
    await unusable.exited;
  });

  it('starts no thread for parquet, which is read on the main thread', () => {
    const parsed = parseProfileArgs(['--data', 'x.parquet', '--format', 'parquet', '--schema', 's.yaml']);
    expect(parsed !== 'help' && prestartReader(parsed)).toBeUndefined();
  });
});

describe('cairn profile --dataset-json (the Job mode)', () => {
  const spec = { source: { uri: 'file:///data.csv', format: 'csv', sha256: 'a'.repeat(64) }, schema: { features: [{ name: 'conv_rate', type: 'number' }] }, profile: { bins: 2 } };
  const run = async (json: string): Promise<{ code: number; out: string }> => {
    await writeFile(join(dir, 'data.csv'), 'conv_rate\n0.5\n0.25\n');
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const options = parseProfileArgs(['--data', join(dir, 'data.csv'), '--format', 'csv', '--dataset-json', json]);
    if (options === 'help') throw new Error('help');
    return { code: await runProfile(options, {}, out), out: text };
  };

  it('profiles with the Dataset the controller passes, named after it', async () => {
    const { code, out } = await run(JSON.stringify({ apiVersion: 'cairn.dev/v1alpha1', kind: 'Dataset', metadata: { name: 'driver-stats' }, spec }));
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ dataset: 'driver-stats', rows: 2, features: [{ name: 'conv_rate', bins: { edges: [0.25, 0.375, 0.5] } }] });
  });

  it('explains a document without the profiled fields with the API validator\'s messages', async () => {
    const bad = { apiVersion: 'cairn.dev/v1alpha1', kind: 'Dataset', metadata: { name: 'd' }, spec: { ...spec, schema: { features: [{ name: 'conv_rate', type: 'float' }] } } };
    await expect(run(JSON.stringify(bad))).rejects.toThrow(/^--dataset-json is not a valid Dataset:\n {2}spec\.schema\.features\[0\]\.type: Unsupported value: "float"/);
    await expect(run('{"kind":')).rejects.toThrow(/^cannot read --dataset-json: /);
  });
});

describe('limits of what the profile leaves', () => {
  it('a profile that cannot fit a ConfigMap is ProfileTooLarge with its size', () => {
    const categories = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`${i}-${'x'.repeat(20_000)}`, 1]));
    const big: DatasetProfile = { dataset: 'd', version: 'v', rows: 1, features: [{ name: 'c', type: 'categorical', nulls: 0, categories, otherCount: 0 }] };
    expect(() => profileToConfigMapData(big)).toThrow(ProfileError);
    expect(() => profileToConfigMapData(big)).toThrow(/^the profile is \d+ bytes, over the 983040 bytes/);
    const small: DatasetProfile = { ...big, features: [] };
    expect(profileToConfigMapData(small)).toEqual({ 'profile.json': JSON.stringify(small) });
  });

  it('a termination message stays within 4 KiB: figures of the named columns only, then a cut message', () => {
    const names = Array.from({ length: 300 }, (_, i) => `column_${i}`);
    const validation = { nullFraction: Object.fromEntries(names.map((n) => [n, 0.5])), outOfRange: {} };
    const text = terminationMessage({ reason: 'NullsOverLimit', message: 'column column_7 has 50% nulls', validation });
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
    expect(JSON.parse(text).validation).toEqual({ nullFraction: { column_7: 0.5 }, outOfRange: {} });
    const long = terminationMessage({ reason: 'NullsOverLimit', message: 'x'.repeat(10_000), validation });
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(4096);
    expect(JSON.parse(long).reason).toBe('NullsOverLimit');
  });
});

/**
 * Bad data on the real control plane: every way a Dataset can be wrong ends in a condition whose reason and
 * message say what is wrong (the column, the fraction, the line), an Event a person can read, and no profile.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createNamespace, deleteNamespace } from '../../harness/kube.js';
import { installCrds } from '../gitsource/support.js';
import { conditionOf, createDataset, createStorageSecret, datasetWhere, eventWhere, kube, putObject, startDatasetOperator } from './support.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';

const good = 'conv_rate,city,trip_minutes\n0.5,hanoi,10\n0.25,hcm,12\n0.75,hanoi,14\n0.1,danang,9\n';
const schema = { features: [{ name: 'conv_rate', type: 'number', min: 0, max: 1 }, { name: 'city', type: 'categorical' }], target: { name: 'trip_minutes', type: 'number' } };

describe('Dataset: bad data', () => {
  let namespace = '';
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    await installCrds();
    namespace = await createNamespace('dataset-bad');
    await createStorageSecret(namespace);
    const spec = (source: { uri: string; sha256: string }, extra: Record<string, unknown> = {}) => ({ source: { ...source, format: 'csv' }, schema, profile: { bins: 2 }, ...extra });
    const clean = await putObject(`${namespace}/good.csv`, good);
    // A version that is not the pinned one.
    await createDataset('mismatch', namespace, spec({ uri: clean.uri, sha256: 'f'.repeat(64) }));
    // A column the schema asks for and the file lacks.
    await createDataset('missing-column', namespace, spec(clean, { schema: { ...schema, features: [...schema.features, { name: 'surge', type: 'number' }] } }));
    // One conv_rate in four is empty; at most 10 % allowed.
    await createDataset('nulls', namespace, spec(await putObject(`${namespace}/nulls.csv`, good.replace('0.25,hcm', ',hcm')), { validation: { maxNullFraction: 0.1 } }));
    // Line 4 opens a quote that never closes.
    await createDataset('malformed', namespace, spec(await putObject(`${namespace}/malformed.csv`, 'conv_rate,city,trip_minutes\n0.5,hanoi,10\n0.25,hcm,12\n0.75,"hanoi,14\n')));
    // Ten categorical columns of 100 distinct 1,100-character values: a profile of about 1.1 MB, over what a ConfigMap holds.
    const wide = Array.from({ length: 10 }, (_, c) => `c${c}`);
    const rows = Array.from({ length: 100 }, (_, r) => wide.map((_, c) => `${String.fromCharCode(97 + c)}${r}-${'x'.repeat(1100)}`).join(','));
    await createDataset('too-large', namespace, {
      source: { ...(await putObject(`${namespace}/wide.csv`, `${wide.join(',')}\n${rows.join('\n')}\n`)), format: 'csv' },
      schema: { features: wide.map((name) => ({ name, type: 'categorical' })) },
    });
    // A store nobody answers at (a closed loopback port).
    await createDataset('unreachable', namespace, spec({ uri: 'https://127.0.0.1:9/drivers.csv', sha256: 'a'.repeat(64) }));
    // No such object on the server.
    await createDataset('not-found', namespace, spec({ uri: `s3://cairn-test/${namespace}/nothing.csv`, sha256: 'a'.repeat(64) }));
    ({ stop } = await startDatasetOperator(namespace));
  }, 300_000);

  afterAll(async () => {
    await stop?.();
    if (namespace) await deleteNamespace(namespace);
  });

  test('sha256 mismatch: Verified=False ChecksumMismatch, a Warning Event, no version, nothing profiled', async () => {
    const dataset = await datasetWhere(namespace, 'mismatch', 'Verified', 'False');
    const verified = conditionOf(dataset, 'Verified')!;
    expect(verified.reason).toBe('ChecksumMismatch');
    expect(verified.message).toContain('f'.repeat(64));
    expect(conditionOf(dataset, 'Ready')).toMatchObject({ status: 'False', reason: 'ChecksumMismatch' });
    expect(dataset.status?.version).toBeUndefined();
    const cm = await kube.get<KubeObject & { data?: Record<string, string> }>(builtin.configMap, 'mismatch-profile', namespace);
    expect(cm?.data).toBeUndefined();
    await eventWhere(namespace, 'mismatch', 'Warning/ChecksumMismatch: ', 'f'.repeat(64));
  });

  test('a missing column: Validated=False SchemaMismatch naming it', async () => {
    const dataset = await datasetWhere(namespace, 'missing-column', 'Validated', 'False');
    const validated = conditionOf(dataset, 'Validated')!;
    expect(validated.reason).toBe('SchemaMismatch');
    expect(validated.message).toContain('surge');
    expect(conditionOf(dataset, 'Verified')).toMatchObject({ status: 'True', reason: 'ChecksumMatched' });
    await eventWhere(namespace, 'missing-column', 'Warning/SchemaMismatch: ', 'surge');
  });

  test('nulls over the limit: Validated=False NullsOverLimit with the fraction, the figures in status', async () => {
    const dataset = await datasetWhere(namespace, 'nulls', 'Validated', 'False');
    const validated = conditionOf(dataset, 'Validated')!;
    expect(validated.reason).toBe('NullsOverLimit');
    expect(validated.message).toMatch(/conv_rate.*25%/);
    expect(dataset.status?.validation?.nullFraction?.conv_rate).toBe(0.25);
    await eventWhere(namespace, 'nulls', 'Warning/NullsOverLimit: ', '25%');
  });

  test('a malformed csv row: Validated=False MalformedData naming its line', async () => {
    const dataset = await datasetWhere(namespace, 'malformed', 'Validated', 'False');
    const validated = conditionOf(dataset, 'Validated')!;
    expect(validated.reason).toBe('MalformedData');
    expect(validated.message).toMatch(/^csv line 4: /);
    await eventWhere(namespace, 'malformed', 'Warning/MalformedData: ', 'csv line 4');
  });

  test('a profile too large for a ConfigMap: Validated=False ProfileTooLarge with its size, and nothing written', async () => {
    const dataset = await datasetWhere(namespace, 'too-large', 'Validated', 'False');
    const validated = conditionOf(dataset, 'Validated')!;
    expect(validated.reason).toBe('ProfileTooLarge');
    expect(validated.message).toMatch(/\d+ bytes, over the 983040 bytes/);
    const cm = await kube.get<KubeObject & { data?: Record<string, string> }>(builtin.configMap, 'too-large-profile', namespace);
    expect(cm).toBeDefined();
    expect(cm?.data).toBeUndefined();
    expect(cm?.metadata?.annotations?.['cairn.dev/profile-version']).toBeUndefined();
  });

  test('unreachable storage: Verified=False SourceUnreachable, retried (Reconciling), a Warning Event', async () => {
    const dataset = await datasetWhere(namespace, 'unreachable', 'Verified', 'False');
    expect(conditionOf(dataset, 'Verified')?.reason).toBe('SourceUnreachable');
    expect(conditionOf(dataset, 'Verified')?.message).toContain('127.0.0.1:9');
    expect(conditionOf(dataset, 'Reconciling')).toMatchObject({ status: 'True', reason: 'ProgressingWithRetry' });
    await eventWhere(namespace, 'unreachable', 'Warning/SourceUnreachable: ', '127.0.0.1:9');
  });

  test('an object the store does not have: Verified=False SourceNotFound, retried (Reconciling)', async () => {
    const dataset = await datasetWhere(namespace, 'not-found', 'Verified', 'False');
    expect(conditionOf(dataset, 'Verified')?.reason).toBe('SourceNotFound');
    expect(conditionOf(dataset, 'Reconciling')).toMatchObject({ status: 'True', reason: 'ProgressingWithRetry' });
  });
});

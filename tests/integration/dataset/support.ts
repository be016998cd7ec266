/**
 * Helpers for the Dataset integration tests: the operator in-process with the Dataset controller (its profile
 * Jobs run on the local node as the real `cairn profile`), data on the real S3 server, Datasets and what became
 * of them.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { datasetController, datasetResource } from '../../../src/controllers/dataset/index.js';
import { startOperator, type RunningOperator } from '../../../src/operator/operator.js';
import type { ColumnProfile, DatasetProfile } from '../../../src/profile/types.js';
import type { KubeClient } from '../../../src/runtime/kube/client.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { ensurePythonEnv } from '../../../src/testenv/python-env.js';
import { adminKubeConfig, eventually, testenv } from '../../harness/kube.js';
import { memoryLogger } from '../runtime/support.js';
import { BUCKET, s3Env, s3Storage } from '../storage/support.js';

const run = promisify(execFile);

export const kube: KubeClient = new HttpKubeClient(adminKubeConfig());
export const sha256 = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
export type DatasetObject = KubeObject & {
  spec: Record<string, unknown>;
  status?: { version?: string; rows?: number; profile?: { configMapRef: { name: string }; features: number }; validation?: { nullFraction?: Record<string, number>; outOfRange?: Record<string, number> }; conditions?: Condition[] };
};

/** The operator with only the Dataset controller, admin credentials, for `namespace`. */
export async function startDatasetOperator(namespace: string): Promise<{ operator: RunningOperator; stop(): Promise<void> }> {
  const { log } = memoryLogger('info');
  const cacheDir = mkdtempSync(join(tmpdir(), 'cairn-dataset-op-'));
  const operator = await startOperator(
    { namespaces: [namespace], host: '127.0.0.1', port: 0, leaderElect: false, leaseNamespace: namespace, leaseName: 'cairn-operator', allowFileUrls: false, gitCacheDir: cacheDir, logLevel: 'info', drainTimeoutMs: 5_000 },
    { log, kube, components: { controllers: [datasetController()] } },
  );
  return {
    operator,
    stop: async () => {
      await operator.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/** The Secret cairn-storage the profile Job's fetch reads: the S3 server's endpoint and key pair. */
export async function createStorageSecret(namespace: string): Promise<void> {
  await kube.create(builtin.secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cairn-storage', namespace }, stringData: s3Env() } as KubeObject);
}

/** Puts `bytes` at s3://cairn-test/<key>; returns the URI and sha256. */
export async function putObject(key: string, bytes: Buffer | string): Promise<{ uri: string; sha256: string }> {
  const uri = `s3://${BUCKET}/${key}`;
  const storage = s3Storage();
  try {
    await storage.write(uri, Readable.from([Buffer.from(bytes)]));
  } finally {
    storage.close();
  }
  return { uri, sha256: sha256(bytes) };
}

/** tests/reference/profile.py's data (csv, jsonl, parquet), schema and numpy profile in a fresh folder. */
export async function referenceData(args: string[]): Promise<{ dir: string; schema: unknown; reference: Pick<DatasetProfile, 'rows' | 'features' | 'target'> }> {
  const root = testenv().root;
  const { python } = await ensurePythonEnv({ requirements: ['tests/reference/requirements.txt'], root });
  const dir = mkdtempSync(join(tmpdir(), 'cairn-dataset-ref-'));
  await run(python, [join(root, 'tests/reference/profile.py'), dir, ...args]);
  return { dir, schema: JSON.parse(readFileSync(join(dir, 'schema.json'), 'utf8')), reference: JSON.parse(readFileSync(join(dir, 'reference.json'), 'utf8')) };
}

export function datasetObject(name: string, namespace: string, spec: Record<string, unknown>): DatasetObject {
  return { apiVersion: 'cairn.dev/v1alpha1', kind: 'Dataset', metadata: { name, namespace }, spec };
}

export async function createDataset(name: string, namespace: string, spec: Record<string, unknown>): Promise<void> {
  await kube.create(datasetResource, datasetObject(name, namespace, spec));
}

export const conditionOf = (dataset: DatasetObject | undefined, type: string): Condition | undefined => dataset?.status?.conditions?.find((c) => c.type === type);

/** Waits until the Dataset's condition `type` has status `status` for its current generation, and returns the Dataset. */
export async function datasetWhere(namespace: string, name: string, type: string, status: string): Promise<DatasetObject> {
  return eventually(
    `Dataset ${name} ${type}=${status}`,
    async () => {
      const dataset = await kube.get<DatasetObject>(datasetResource, name, namespace);
      const c = conditionOf(dataset, type);
      if (c?.status !== status || (dataset?.status as { observedGeneration?: number } | undefined)?.observedGeneration !== dataset?.metadata?.generation) {
        throw new Error(`${type} is ${c ? `${c.status}/${c.reason}: ${c.message}` : 'absent'}`);
      }
      return dataset!;
    },
    { timeoutMs: 170_000 },
  );
}

/** The Events recorded for Dataset `name`, as `type/reason: note`. */
export async function eventsOf(namespace: string, name: string): Promise<string[]> {
  const { items } = await kube.list<KubeObject & { type?: string; reason?: string; note?: string; regarding?: { name?: string; kind?: string } }>(builtin.event, { namespace });
  return items.filter((e) => e.regarding?.kind === 'Dataset' && e.regarding.name === name).map((e) => `${e.type}/${e.reason}: ${e.note}`);
}

/** Waits for an Event of Dataset `name` that starts with `prefix` (`Warning/SchemaMismatch: `) and contains `text`. */
export async function eventWhere(namespace: string, name: string, prefix: string, text = ''): Promise<string> {
  return eventually(`an Event "${prefix}...${text}" for Dataset ${name}`, async () => {
    const events = await eventsOf(namespace, name);
    const found = events.find((e) => e.startsWith(prefix) && e.includes(text));
    if (!found) throw new Error(`Events: ${JSON.stringify(events)}`);
    return found;
  });
}

/** Waits until Dataset `name` has no Job left (pruned once its result is recorded). */
export async function jobsPruned(namespace: string, name: string): Promise<void> {
  await eventually(`the profile Jobs of Dataset ${name} pruned`, async () => {
    const { items } = await kube.list(builtin.job, { namespace, labelSelector: `cairn.dev/owner-name=${name}` });
    if (items.length > 0) throw new Error(`Jobs left: ${items.map((j) => j.metadata?.name).join(', ')}`);
    return 'pruned'; // eventually takes undefined for "not yet"
  });
}

export async function profileOf(namespace: string, configMap: string): Promise<DatasetProfile> {
  const cm = await kube.get<KubeObject & { data?: Record<string, string> }>(builtin.configMap, configMap, namespace);
  return JSON.parse(cm?.data?.['profile.json'] ?? 'null') as DatasetProfile;
}

const close = (actual: number, expected: number): boolean => actual === expected || Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(expected), 1e-300) || Math.abs(actual - expected) < 1e-12;

/** Column profiles equal numpy's: edges and statistics within 1e-9 relative, counts and categories exactly. */
export function expectColumn(actual: ColumnProfile, expected: ColumnProfile): void {
  const where = `column ${expected.name}`;
  expect(actual.type, where).toBe(expected.type);
  expect(actual.nulls, where).toBe(expected.nulls);
  if (actual.type === 'number' && expected.type === 'number') {
    expect([actual.min, actual.max], where).toEqual([expected.min, expected.max]);
    for (const key of ['mean', 'std'] as const) expect(close(actual[key], expected[key]), `${where} ${key}: ${actual[key]} vs ${expected[key]}`).toBe(true);
    expect(actual.bins.edges.length, where).toBe(expected.bins.edges.length);
    actual.bins.edges.forEach((e, i) => expect(close(e, expected.bins.edges[i]!), `${where} edge ${i}: ${e} vs ${expected.bins.edges[i]}`).toBe(true));
    expect(actual.bins.counts, where).toEqual(expected.bins.counts);
  } else if (actual.type === 'categorical' && expected.type === 'categorical') {
    expect(Object.entries(actual.categories), where).toEqual(Object.entries(expected.categories));
    expect(actual.otherCount, where).toBe(expected.otherCount);
  }
}

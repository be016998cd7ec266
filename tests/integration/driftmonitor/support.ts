/**
 * Helpers for the DriftMonitor integration tests: the operator in-process with only the DriftMonitor
 * controller, real serving pods of the driver model (renderServingDeployment with the profile mounted, on the
 * local node), and traffic drawn from the profile's own bins.
 */
import { mulberry32 } from '../../../src/drift/simulated-null.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driftMonitorController, driftMonitorResource } from '../../../src/controllers/driftmonitor/index.js';
import { cairnResource } from '../../../src/controllers/resources.js';
import { startOperator, type RunningOperator } from '../../../src/operator/operator.js';
import type { DatasetProfile, NumericProfile } from '../../../src/profile/types.js';
import { renderServingDeployment, servingSelector, SERVING_PORT, type ServingOwner } from '../../../src/render/serving.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { httpRequest } from '../../harness/http.js';
import { eventually } from '../../harness/kube.js';
import { modelPath } from '../../unit/serving/models.js';
import { kube, putObject, type Condition } from '../dataset/support.js';
import { memoryLogger } from '../runtime/support.js';

export { kube };
/** The served model's name: one no other test serves, so a request that reaches another run's pod is a 404, not an answer. */
export const MODEL = 'driftcheck';
export const PROFILE_PATH = 'tests/models/driver_profile.json';
export const profile = JSON.parse(readFileSync(PROFILE_PATH, 'utf8')) as DatasetProfile;

export type DriftMonitorObject = KubeObject & {
  spec: Record<string, unknown>;
  status?: { lastEvaluation?: string; samples?: number; drifted?: boolean; features?: Array<{ name: string; method: string; score: number; threshold: number; drifted: boolean }>; conditions?: Condition[] };
};

/** The operator with only the DriftMonitor controller, admin credentials, for `namespace`. */
export async function startDriftOperator(namespace: string): Promise<{ operator: RunningOperator; stop(): Promise<void> }> {
  const { log } = memoryLogger('info');
  const cacheDir = mkdtempSync(join(tmpdir(), 'cairn-drift-op-'));
  const operator = await startOperator(
    { namespaces: [namespace], host: '127.0.0.1', port: 0, leaderElect: false, leaseNamespace: namespace, leaseName: 'cairn-operator', allowFileUrls: false, gitCacheDir: cacheDir, logLevel: 'info', drainTimeoutMs: 5_000 },
    { log, kube, components: { controllers: [driftMonitorController()] } },
  );
  return {
    operator,
    stop: async () => {
      await operator.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/** A Dataset (no controller runs it) and its profile ConfigMap as the Dataset controller leaves it (docs/contracts.md §4). */
export async function createBaseline(namespace: string, name: string): Promise<void> {
  await kube.create(cairnResource('Dataset'), {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'Dataset',
    metadata: { name, namespace },
    spec: {
      source: { uri: 's3://cairn-test/driver.csv', format: 'csv', sha256: profile.version.slice('sha256:'.length) },
      schema: { features: profile.features.map((f) => ({ name: f.name, type: 'number' })), target: { name: 'trip_minutes', type: 'number' } },
    },
  } as KubeObject);
  await kube.create(builtin.configMap, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${name}-profile`, namespace, labels: { 'app.kubernetes.io/managed-by': 'cairn' } },
    data: { 'profile.json': readFileSync(PROFILE_PATH, 'utf8') },
  } as KubeObject);
}

/** The cairn.dev Deployment `eta` (no controller runs it) and the serving Deployment of its version 1, with the profile mounted. */
export async function startServing(namespace: string, replicas: number, profileConfigMap: string): Promise<KubeObject & ServingOwner> {
  const model = await putObject(`driftmonitor/${namespace}/model.onnx`, readFileSync(modelPath('driver_elasticnet')));
  const owner = (await kube.create<KubeObject>(cairnResource('Deployment'), {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'Deployment',
    metadata: { name: 'eta', namespace },
    spec: { model: MODEL, version: { pinned: 1 }, serving: { replicas } },
  } as KubeObject)) as KubeObject & ServingOwner;
  const serving = renderServingDeployment({ deployment: owner, version: { number: 1, ...model }, replicas, cairnImage: 'cairn', profile: { configMap: profileConfigMap, key: 'profile.json' } });
  await kube.apply(builtin.deployment, serving as unknown as KubeObject, { fieldManager: 'cairn-test', force: true });
  return owner;
}

type Pod = KubeObject & { status?: { podIP?: string; conditions?: Array<{ type: string; status: string }>; containerStatuses?: Array<{ restartCount?: number }> } };

/** The Ready serving pods' inference URLs, once `replicas` of them are Ready (pods of `excluded` uids left out). */
export async function servingUrls(namespace: string, owner: KubeObject & ServingOwner, replicas: number, excluded: readonly string[] = []): Promise<string[]> {
  const selector = Object.entries(servingSelector(owner))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return eventually(
    `${replicas} serving pods Ready`,
    async () => {
      const { items } = await kube.list<Pod>(builtin.pod, { namespace, labelSelector: selector });
      const ready = items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.podIP && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      // Another test run's local node on the same machine hands out the same 127.0.1.N addresses: a pod whose
      // address answers for another server (our model unknown there) or whose server keeps failing to listen
      // is replaced, and its successor gets the next address.
      const ours: Pod[] = [];
      for (const p of items) {
        if (p.metadata?.deletionTimestamp || excluded.includes(p.metadata?.uid ?? '')) continue;
        const answers = ready.includes(p) && (await httpRequest(`http://${p.status!.podIP}:${SERVING_PORT}/v2/models/${MODEL}/ready`).catch(() => undefined))?.status === 200;
        if (answers) ours.push(p);
        else if (ready.includes(p) || (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2) await kube.delete(builtin.pod, p.metadata!.name!, namespace);
      }
      if (ours.length < replicas) throw new Error(`${ours.length} of ${replicas} Ready and answering for ${MODEL}`);
      return ours.map((p) => `http://${p.status!.podIP}:${SERVING_PORT}/v2/models/${MODEL}/infer`);
    },
    { timeoutMs: 150_000 },
  );
}


/**
 * `rows` rows from the training distribution as the profile bins it: each feature's values spread over its bins in
 * proportion to the bin counts (stratified, uniform within a bin), the rows shuffled. `shift` moves a feature's
 * values by that much afterwards.
 */
export function trainingRows(rows: number, seed: number, shift: Record<string, number> = {}): number[][] {
  const random = mulberry32(seed);
  const columns = profile.features.map((f) => {
    const { bins } = f as NumericProfile;
    const total = bins.counts.reduce((a, b) => a + b, 0);
    const values: number[] = [];
    let carried = 0;
    bins.counts.forEach((count, k) => {
      carried += (count / total) * rows;
      const n = Math.round(carried) - values.length;
      for (let i = 0; i < n; i++) values.push(bins.edges[k]! + (bins.edges[k + 1]! - bins.edges[k]!) * (0.001 + 0.998 * random()));
    });
    for (let i = values.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [values[i], values[j]] = [values[j]!, values[i]!];
    }
    return values.map((v) => v + (shift[f.name] ?? 0));
  });
  return Array.from({ length: rows }, (_, i) => columns.map((c) => c[i]!));
}

/** Sends the rows to the pods in V2 requests of 50 rows, spread over the pods in turn. */
export async function sendTraffic(urls: readonly string[], rows: readonly number[][]): Promise<void> {
  const batch = 50;
  for (let start = 0, n = 0; start < rows.length; start += batch, n++) {
    const data = rows.slice(start, start + batch);
    const body = JSON.stringify({ inputs: [{ name: 'input', shape: [data.length, 3], datatype: 'FP32', data }] });
    const answer = await httpRequest(urls[n % urls.length]!, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    if (answer.status !== 200) throw new Error(`${urls[n % urls.length]} answered ${answer.status}: ${answer.body}`);
  }
}

export async function createMonitor(namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await kube.create(driftMonitorResource, { apiVersion: 'cairn.dev/v1alpha1', kind: 'DriftMonitor', metadata: { name, namespace }, spec } as KubeObject);
}

export const conditionOf = (monitor: DriftMonitorObject | undefined, type: string): Condition | undefined => monitor?.status?.conditions?.find((c) => c.type === type);

/** Waits until `check` accepts the DriftMonitor (it throws to say why not yet; the monitor's Warning Events are added), and returns it. */
export async function monitorWhere(namespace: string, name: string, what: string, check: (m: DriftMonitorObject) => void, timeoutMs = 120_000): Promise<DriftMonitorObject> {
  return eventually(
    `DriftMonitor ${name}: ${what}`,
    async () => {
      const monitor = await kube.get<DriftMonitorObject>(driftMonitorResource, name, namespace);
      if (!monitor) throw new Error('not found');
      try {
        check(monitor);
      } catch (err) {
        const warnings = (await monitorEvents(namespace, name)).filter((e) => e.startsWith('Warning/'));
        throw new Error(`${(err as Error).message}${warnings.length > 0 ? `; Warning Events: ${warnings.join(' | ')}` : ''}`, { cause: err });
      }
      return monitor;
    },
    { timeoutMs },
  );
}

/** The Events recorded for DriftMonitor `name`, as `type/reason: note`. */
export async function monitorEvents(namespace: string, name: string): Promise<string[]> {
  const { items } = await kube.list<KubeObject & { type?: string; reason?: string; note?: string; regarding?: { name?: string; kind?: string } }>(builtin.event, { namespace });
  return items.filter((e) => e.regarding?.kind === 'DriftMonitor' && e.regarding.name === name).map((e) => `${e.type}/${e.reason}: ${e.note}`);
}

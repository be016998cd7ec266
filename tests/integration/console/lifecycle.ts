/**
 * The demo's lifecycle as objects with realistic status, for the console tests: a GitSource applied a Dataset,
 * an Experiment whose run registered fare-3, a Deployment rolling fare-3 out over fare-2 as a canary paused at
 * 20%, and a DriftMonitor on it. Status is written through the status subresource, as the operator would;
 * no controller runs, so what the page shows is exactly what these objects say.
 */
import { cairnResource } from '../../../src/controllers/resources.js';
import type { TrialRow } from '../../../src/console/model.js';
import type { KubeClient } from '../../../src/runtime/kube/client.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';

const T0 = '2026-11-29T10:00:00Z';
const cond = (type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string) => ({ type, status, reason, message, lastTransitionTime: T0 });
const DATASET_VERSION = 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
export const REVISION = 'main@sha1:3f2a9c4e5d6b7a8091a2b3c4d5e6f708192a3b4c';

type Obj = KubeObject & { spec: Record<string, unknown>; status?: Record<string, unknown> };

function object(kind: string, name: string, namespace: string, spec: Record<string, unknown>, status: Record<string, unknown>, labels: Record<string, string> = { 'cairn.dev/source': 'ml-config' }): Obj {
  return { apiVersion: 'cairn.dev/v1alpha1', kind, metadata: { name, namespace, labels }, spec, status };
}

/** The trials of run 1: every 97th (from t2) failed, the others pass when mae < 2.5; the best is t0 (mae 1.8). */
export function trialsOf(count: number): Array<TrialRow & { index: number }> {
  return Array.from({ length: count }, (_, i) => {
    const failed = i % 97 === 2;
    const mae = Math.round((1.8 + ((i * 37) % 10) / 10) * 10) / 10;
    return {
      index: i,
      name: `fare-gbm-1-t${i}`,
      parameters: { learning_rate: String(Math.round(1000 * 0.001 * (1 + (i % 30))) / 1000), max_depth: String([3, 5, 8][i % 3]) },
      phase: failed ? 'Failed' : 'Succeeded',
      ...(failed ? { reason: 'OOMKilled', message: 'OOMKilled: the trainer ran out of memory' } : { metrics: { mae, r2: Math.round((0.8 - (i % 10) / 100) * 100) / 100 }, passed: mae < 2.5 }),
    };
  });
}

export function lifecycle(namespace: string, trialCount = 6): Obj[] {
  const all = trialsOf(trialCount);
  // status.trials: the 50 most recent and the best (docs/api.md); the table has them all.
  const trials = [...new Set([all[0]!, ...all.slice(-50)])].map(({ index: _index, reason: _reason, ...t }) => ({ ...t, job: t.name }));
  return [
    object('GitSource', 'ml-config', namespace, { url: 'https://git.example.com/platform/ml-config.git', ref: { branch: 'main' }, interval: '1m' }, {
      revision: REVISION,
      lastAttemptedRevision: REVISION,
      conditions: [cond('Ready', 'True', 'Succeeded', `Applied revision ${REVISION}: 5 object(s)`)],
    }, {}),
    object('Dataset', 'rides', namespace, {
      source: { uri: 's3://ml-data/rides/2026-10.csv', format: 'csv', sha256: DATASET_VERSION.slice(7) },
      schema: { features: [{ name: 'distance_km', type: 'number', min: 0, max: 500 }, { name: 'city', type: 'categorical' }], target: { name: 'fare', type: 'number' } },
    }, { version: DATASET_VERSION, rows: 12000, conditions: [cond('Ready', 'True', 'Profiled', 'Profiled 12000 rows'), cond('Verified', 'True', 'ChecksumMatched', 'sha256 matched'), cond('Validated', 'True', 'GatesPassed', 'gates passed')] }),
    object('Experiment', 'fare-gbm', namespace, {
      datasetRef: { name: 'rides' },
      trainer: { image: 'cairn-example-trainer' },
      parameters: { learning_rate: { min: 0.001, max: 0.3, scale: 'log' }, max_depth: { values: [3, 5, 8] } },
      search: { algorithm: 'random', maxTrials: trialCount, seed: 42 },
      objective: { metric: 'mae', goal: 'minimize' },
      successCriteria: [{ metric: 'mae', op: '<', value: 2.5 }],
      artifacts: { uri: 's3://ml-artifacts/fare' },
      register: { model: 'fare', policy: 'best' },
    }, {
      run: 1,
      runGeneration: 1,
      datasetVersion: DATASET_VERSION,
      phase: 'Succeeded',
      progress: `${trialCount}/${trialCount}`,
      trialCounts: { total: trialCount, pending: 0, running: 0, succeeded: all.filter((t) => t.phase === 'Succeeded').length, failed: all.filter((t) => t.phase === 'Failed').length, passed: all.filter((t) => t.passed).length },
      trialsConfigMap: 'fare-gbm-trials',
      trials,
      bestTrial: 'fare-gbm-1-t0',
      bestMetric: 1.8,
      modelVersion: 'fare-3',
      conditions: [cond('Ready', 'True', 'Registered', 'Registered ModelVersion fare-3 from trial fare-gbm-1-t0 (mae 1.8)'), cond('Succeeded', 'True', 'Registered', `run 1: ${trialCount}/${trialCount} trials done`)],
    }),
    ...[2, 3].map((version) =>
      object('ModelVersion', `fare-${version}`, namespace, {
        model: 'fare',
        version,
        artifact: { uri: `s3://ml-artifacts/fare/fare-gbm/1/t${version}/model.onnx`, sha256: DATASET_VERSION.slice(7), format: 'onnx' },
        metrics: { mae: 2.1 - version / 10 },
        lineage: { experiment: 'fare-gbm', run: 1, trial: version === 3 ? 'fare-gbm-1-t0' : 'fare-gbm-1-t4', dataset: { name: 'rides', version: DATASET_VERSION }, gitRevision: REVISION },
      }, { conditions: [cond('Ready', 'True', 'Verified', `Model fare version ${version}: sha256 matched and ONNX Runtime loaded the model`), cond('Verified', 'True', 'Verified', 'sha256 matched')] }),
    ),
    object('Deployment', 'fare', namespace, {
      model: 'fare',
      version: { policy: 'latestReady' },
      strategy: {
        type: 'Canary',
        canary: { steps: [{ setWeight: 20 }, { pause: {} }, { analysis: {} }, { setWeight: 50 }] },
        analysis: { interval: '30s', failureLimit: 1, metrics: [{ name: 'error-rate', max: 0.01 }, { name: 'latency-p99-ms', max: 50 }] },
      },
    }, {
      phase: 'Paused',
      stable: { version: 2, weight: 80 },
      canary: { version: 3, weight: 20, step: 1 },
      url: `http://fare.${namespace}.svc.cluster.local`,
      message: 'Waiting for a promote at step 2 (pause)',
      rollout: { stepStartedAt: T0, analysis: { passed: 3, failed: 0, inconclusive: 1, lastAt: T0 } },
      conditions: [cond('Ready', 'True', 'RolloutPaused', 'Serving version 2; canary 3 at 20%'), cond('Reconciling', 'True', 'RolloutPaused', 'Waiting for cairn.dev/promote'), cond('Available', 'True', 'Available', 'all serving pods are available')],
    }),
    object('DriftMonitor', 'fare-drift', namespace, {
      deploymentRef: { name: 'fare' },
      baseline: { datasetRef: { name: 'rides' } },
      features: [{ name: 'distance_km', method: 'psi', threshold: 0.2 }, { name: 'city', method: 'chi2', threshold: 0.01 }],
    }, {
      lastEvaluation: T0,
      samples: 1800,
      drifted: true,
      features: [{ name: 'distance_km', method: 'psi', score: 0.31, threshold: 0.2, drifted: true }, { name: 'city', method: 'chi2', score: 0.42, threshold: 0.01, drifted: false }],
      conditions: [cond('Ready', 'True', 'DriftDetected', 'distance_km: psi 0.31 >= 0.2'), cond('Drifted', 'True', 'DriftDetected', 'distance_km: psi 0.31 >= 0.2')],
    }),
  ];
}

/**
 * Creates the objects, then writes their status through the status subresource, and the Experiment's trial
 * table (the ConfigMap the Experiment controller keeps, owned by the Experiment).
 */
export async function createLifecycle(kube: KubeClient, namespace: string, trialCount = 6): Promise<void> {
  for (const { status, ...obj } of lifecycle(namespace, trialCount)) {
    const res = cairnResource(obj.kind!);
    const created = await kube.create(res, obj as Obj);
    if (status) await writeStatus(kube, { ...obj, status } as Obj);
    if (obj.kind === 'Experiment') await kube.create(builtin.configMap, trialTable(created, trialCount));
  }
}

function trialTable(experiment: KubeObject, trialCount: number): KubeObject & { data: Record<string, string> } {
  const { name, namespace, uid } = experiment.metadata!;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `${name}-trials`,
      namespace,
      labels: { 'app.kubernetes.io/component': 'trial-table', 'app.kubernetes.io/managed-by': 'cairn', 'app.kubernetes.io/instance': name!, 'cairn.dev/owner-name': name!, 'cairn.dev/run': '1' },
      ownerReferences: [{ apiVersion: 'cairn.dev/v1alpha1', kind: 'Experiment', name: name!, uid: uid!, controller: true }],
    },
    data: { run: '1', 'trials.jsonl': trialsOf(trialCount).map((t) => JSON.stringify(t)).join('\n') },
  };
}

export async function writeStatus(kube: KubeClient, obj: Obj): Promise<void> {
  await kube.applyStatus(cairnResource(obj.kind!), { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: obj.metadata?.name, namespace: obj.metadata?.namespace }, status: obj.status } as Obj, { fieldManager: 'cairn', force: true });
}

/** An Event about a cairn.dev object, as the operator records it (events.k8s.io/v1, src/runtime/events.ts). */
export async function recordEvent(kube: KubeClient, regarding: { kind: string; name: string; namespace: string; apiVersion?: string }, type: 'Normal' | 'Warning', reason: string, note: string, at: string): Promise<void> {
  await kube.create(builtin.event, {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: `${regarding.name}.${reason.toLowerCase()}${Date.parse(at)}`, namespace: regarding.namespace },
    eventTime: at.replace(/(\.\d+)?Z$/, '.000000Z'),
    reportingController: 'cairn.dev/operator',
    reportingInstance: 'cairn-test',
    action: reason,
    reason,
    note,
    type,
    regarding: { apiVersion: regarding.apiVersion ?? 'cairn.dev/v1alpha1', ...regarding },
  } as KubeObject);
}

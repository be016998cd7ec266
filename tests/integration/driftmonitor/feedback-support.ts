/**
 * Helpers for the feedback integration test: the operator in-process with the ModelVersion, Deployment and
 * DriftMonitor controllers, the serving pods of one version of a Deployment found by their labels, and a
 * prediction answered then labelled on the same pod (its store holds the prediction).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deploymentController, deploymentResource } from '../../../src/controllers/deployment/index.js';
import { driftMonitorController } from '../../../src/controllers/driftmonitor/index.js';
import { modelVersionController } from '../../../src/controllers/modelversion/index.js';
import { startOperator, type RunningOperator } from '../../../src/operator/operator.js';
import { servingSelector, SERVING_PORT, type ServingOwner } from '../../../src/render/serving.js';
import type { FeedbackAnswer } from '../../../src/serving/feedback.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { httpRequest } from '../../harness/http.js';
import { kube } from '../dataset/support.js';
import { memoryLogger } from '../runtime/support.js';

/** The operator with the ModelVersion, Deployment and DriftMonitor controllers, admin credentials, for `namespace`. */
export async function startRolloutOperator(namespace: string): Promise<{ operator: RunningOperator; stop(): Promise<void> }> {
  const { log } = memoryLogger('info');
  const cacheDir = mkdtempSync(join(tmpdir(), 'cairn-feedback-op-'));
  const operator = await startOperator(
    { namespaces: [namespace], host: '127.0.0.1', port: 0, leaderElect: false, leaseNamespace: namespace, leaseName: 'cairn-operator', allowFileUrls: false, gitCacheDir: cacheDir, logLevel: 'info', drainTimeoutMs: 5_000 },
    { log, kube, components: { controllers: [modelVersionController(), deploymentController(), driftMonitorController()] } },
  );
  return {
    operator,
    stop: async () => {
      await operator.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

type Pod = KubeObject & { status?: { podIP?: string; conditions?: Array<{ type: string; status: string }> } };

/** Base URLs (http://<podIP>:8080) of the Ready pods of `version` that answer for `model` (another test run's pod may hold the same address). */
export async function versionPods(namespace: string, deployment: string, model: string, version: number): Promise<string[]> {
  const owner = await kube.get<KubeObject & ServingOwner>(deploymentResource, deployment, namespace);
  if (!owner) throw new Error(`Deployment ${deployment} not found`);
  const selector = Object.entries(servingSelector(owner, version))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const { items } = await kube.list<Pod>(builtin.pod, { namespace, labelSelector: selector });
  const urls: string[] = [];
  for (const p of items) {
    if (p.metadata?.deletionTimestamp || !p.status?.podIP || !p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
    const base = `http://${p.status.podIP}:${SERVING_PORT}`;
    const ready = await httpRequest(`${base}/v2/models/${model}/versions/${version}/ready`, { timeoutMs: 3_000 }).catch(() => undefined);
    if (ready?.status === 200) urls.push(base);
  }
  return urls;
}

/**
 * One V2 prediction of `rows` on the pod at `base`, then its labels on the same pod: each the prediction plus
 * `error` (so every row is off by exactly that much). Returns the feedback answer.
 */
export async function predictThenLabel(base: string, model: string, rows: readonly number[][], error: number): Promise<FeedbackAnswer> {
  const body = JSON.stringify({ inputs: [{ name: 'input', shape: [rows.length, 3], datatype: 'FP32', data: rows }] });
  const answer = await httpRequest(`${base}/v2/models/${model}/infer`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, timeoutMs: 5_000 });
  if (answer.status !== 200) throw new Error(`${base} answered ${answer.status}: ${answer.body}`);
  const prediction = JSON.parse(answer.body) as { id?: string; outputs: Array<{ data: number[] }> };
  if (!prediction.id) throw new Error(`${base} answered no prediction id: ${answer.body.slice(0, 200)}`);
  const labels = { labels: [{ id: prediction.id, label: prediction.outputs[0]!.data.map((p) => p + error) }] };
  const feedback = await httpRequest(`${base}/v2/models/${model}/feedback`, { method: 'POST', body: JSON.stringify(labels), headers: { 'content-type': 'application/json' }, timeoutMs: 5_000 });
  if (feedback.status !== 200) throw new Error(`${base} feedback answered ${feedback.status}: ${feedback.body}`);
  return JSON.parse(feedback.body) as FeedbackAnswer;
}

/** Posts a raw feedback body; the status and the parsed answer. */
export async function postFeedback(base: string, model: string, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await httpRequest(`${base}/v2/models/${model}/feedback`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, timeoutMs: 5_000 });
  return { status: answer.status, body: JSON.parse(answer.body) as Record<string, unknown> };
}

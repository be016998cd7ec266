/**
 * Helpers for the Deployment controller's integration tests: the operator in-process with the ModelVersion and
 * Deployment controllers (serving pods run on the local node as the real `cairn fetch` and `cairn serve`),
 * models on the real S3 server, traffic through the route Service's ClusterIP.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deploymentController, deploymentResource } from '../../../src/controllers/deployment/index.js';
import { modelVersionController, modelVersionResource } from '../../../src/controllers/modelversion/index.js';
import { startOperator, type RunningOperator } from '../../../src/operator/operator.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { ensurePythonEnv } from '../../../src/testenv/python-env.js';
import { httpRequest } from '../../harness/http.js';
import { eventually, testenv } from '../../harness/kube.js';
import { MODEL_REQUIREMENTS, modelPath } from '../../unit/serving/models.js';
import { kube, putObject } from '../dataset/support.js';
import { memoryLogger } from '../runtime/support.js';

export { kube };

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export type DeploymentObject = KubeObject & {
  spec: Record<string, unknown>;
  status?: {
    phase?: string;
    stable?: { version: number; weight: number };
    canary?: { version: number; weight: number; step?: number };
    url?: string;
    message?: string;
    rollout?: Record<string, unknown>;
    shadow?: { version: number; compared: number; agreed: number; agreement?: string; meanAbsoluteDifference?: number; incomparable?: number; failed?: number };
    conditions?: Condition[];
  };
};

export interface Operator {
  operator: RunningOperator;
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** The operator with the ModelVersion and Deployment controllers, admin credentials, for `namespace`. */
export async function startServingOperator(namespace: string): Promise<Operator> {
  const { log, lines } = memoryLogger('info');
  const cacheDir = mkdtempSync(join(tmpdir(), 'cairn-deploy-op-'));
  const operator = await startOperator(
    { namespaces: [namespace], host: '127.0.0.1', port: 0, leaderElect: false, leaseNamespace: namespace, leaseName: 'cairn-operator', allowFileUrls: false, gitCacheDir: cacheDir, logLevel: 'info', drainTimeoutMs: 5_000 },
    { log, kube, components: { controllers: [modelVersionController(), deploymentController()] } },
  );
  return {
    operator,
    logs: lines,
    stop: async () => {
      await operator.stop();
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
}

/** A model with the example model's signature that fails every inference (faulty_model.py): a canary answering 500s. */
export async function faultyModel(): Promise<Buffer> {
  const { python } = await ensurePythonEnv({ root: testenv().root, requirements: MODEL_REQUIREMENTS });
  const dir = mkdtempSync(join(tmpdir(), 'cairn-faulty-'));
  try {
    execFileSync(python, [join(testenv().root, 'tests/integration/deployment/faulty_model.py'), join(dir, 'faulty.onnx')], { stdio: ['ignore', 'pipe', 'pipe'] });
    return readFileSync(join(dir, 'faulty.onnx'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Uploads a model to s3://cairn-test/<namespace>/<file> and registers it as ModelVersion `<model>-<version>`. */
export async function registerModel(namespace: string, model: string, version: number, bytes: Buffer): Promise<void> {
  const artifact = await putObject(`${namespace}/${model}/${version}/model.onnx`, bytes);
  await kube.create(modelVersionResource, { apiVersion: 'cairn.dev/v1alpha1', kind: 'ModelVersion', metadata: { name: `${model}-${version}`, namespace }, spec: { model, version, artifact } } as KubeObject);
}

export const exampleModel = (): Buffer => readFileSync(modelPath('driver_elasticnet'));

export async function createDeployment(namespace: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await kube.create(deploymentResource, { apiVersion: 'cairn.dev/v1alpha1', kind: 'Deployment', metadata: { name, namespace }, spec } as KubeObject);
}

export const getDeployment = (namespace: string, name: string) => kube.get<DeploymentObject>(deploymentResource, name, namespace);

const brief = (d: DeploymentObject | undefined) =>
  `phase ${d?.status?.phase ?? '-'}, stable ${d?.status?.stable?.version ?? '-'}, canary ${d?.status?.canary?.version ?? '-'} at ${d?.status?.canary?.weight ?? 0}% step ${d?.status?.canary?.step ?? '-'}; ${d?.status?.message ?? ''}; ${(d?.status?.conditions ?? []).map((c) => `${c.type}=${c.status}/${c.reason}`).join(' ')}`;

/** Waits until the Deployment's status satisfies `check`; the timeout names where it stood. */
export function deploymentWhere(namespace: string, name: string, what: string, check: (d: DeploymentObject) => boolean, timeoutMs = 180_000): Promise<DeploymentObject> {
  return eventually(
    `Deployment ${name}: ${what}`,
    async () => {
      const d = await getDeployment(namespace, name);
      if (!d || !check(d)) throw new Error(brief(d));
      return d;
    },
    { timeoutMs },
  );
}

export const condition = (d: DeploymentObject | undefined, type: string) => d?.status?.conditions?.find((c) => c.type === type);

/** One V2 inference through the route Service's ClusterIP, over a new connection. */
export async function inferThroughRoute(namespace: string, name: string): Promise<{ status: number; version?: string; id?: string }> {
  const route = await kube.get<KubeObject & { spec: { clusterIP: string } }>(builtin.service, name, namespace);
  if (!route) throw new Error(`no route Service ${name}`);
  const body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [[0.5, 0.9, 280]] }] });
  const answer = await httpRequest(`http://${route.spec.clusterIP}/v2/models/${name === 'eta' ? 'eta' : name}/infer`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, timeoutMs: 5_000 });
  if (answer.status !== 200) return { status: answer.status };
  const parsed = JSON.parse(answer.body) as { model_version: string; id?: string };
  return { status: answer.status, version: parsed.model_version, ...(parsed.id !== undefined ? { id: parsed.id } : {}) };
}

/** The Events recorded for the Deployment `name`, as `reason: message`. */
export async function eventsOf(namespace: string, name: string): Promise<string[]> {
  const list = await kube.list<KubeObject & { reason?: string; note?: string; regarding?: { name?: string; kind?: string } }>(builtin.event, { namespace });
  return list.items.filter((e) => e.regarding?.name === name && e.regarding?.kind === 'Deployment').map((e) => `${e.reason}: ${e.note}`);
}

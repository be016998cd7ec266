/**
 * The objects of `npm run bench:scale`: the same 100 per namespace at every scale (20 of each of the five kinds a
 * namespace of ML work holds), so 1,000 objects are 10 namespaces and 10,000 are 100, and a cost that follows the
 * number of namespaces rather than the objects in each would show. Every object settles with one status write and
 * no pod, through the paths a real cluster takes while work waits on something:
 *
 * - Dataset and ModelVersion: a file:// URI, which an operator without --allow-file-urls refuses (Stalled,
 *   InvalidSpec) as in production, before any Job is rendered;
 * - Experiment: trains on its namespace's Dataset, not Ready, so it waits (DependencyNotReady, looked at again
 *   every 30 s);
 * - Deployment: serves the ModelVersion's model, which has no Ready version (nothing to roll out);
 * - DriftMonitor: watches the Deployment, which serves no version yet, so it waits for a baseline (every 15 s).
 *
 * The cross-kind watches run too: each ModelVersion event maps to the Deployments of its model, each DriftMonitor
 * event to its Deployment.
 */
import type { KubeObject } from '../src/runtime/kube/object.js';

export const OBJECTS_PER_NAMESPACE = 100;
export const SCALE_KINDS = ['Dataset', 'ModelVersion', 'Experiment', 'Deployment', 'DriftMonitor'] as const;
export type ScaleKind = (typeof SCALE_KINDS)[number];

const PER_KIND = OBJECTS_PER_NAMESPACE / SCALE_KINDS.length;
const SHA256 = '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae';

export interface ScaleObject {
  kind: ScaleKind;
  object: KubeObject;
}

export const namespaceOf = (n: number) => `scale-${String(n).padStart(3, '0')}`;

/** The five objects of slot `i` (0 to 19) of namespace `namespace`, which refer to each other. */
function slot(namespace: string, i: number): ScaleObject[] {
  const meta = (name: string) => ({ name, namespace });
  const object = (kind: ScaleKind, name: string, spec: Record<string, unknown>): ScaleObject => ({
    kind,
    object: { apiVersion: 'cairn.dev/v1alpha1', kind, metadata: meta(name), spec } as KubeObject,
  });
  return [
    object('Dataset', `data-${i}`, {
      source: { uri: `file:///data/${namespace}/${i}.csv`, format: 'csv', sha256: SHA256 },
      schema: { features: [{ name: 'x', type: 'number' }, { name: 'city', type: 'categorical' }], target: { name: 'y', type: 'number' } },
    }),
    object('ModelVersion', `model-${i}-1`, { model: `model-${i}`, version: 1, artifact: { uri: `file:///models/${namespace}/${i}/model.onnx`, sha256: SHA256 } }),
    object('Experiment', `train-${i}`, {
      datasetRef: { name: `data-${i}` },
      trainer: { image: 'registry.example.com/trainer:1.0', command: ['python3', 'train.py'] },
      parameters: { alpha: { values: [0.1, 1] } },
      search: { algorithm: 'grid', maxTrials: 2, parallelism: 1 },
      objective: { metric: 'rmse', goal: 'minimize' },
      artifacts: { uri: `s3://ml-artifacts/${namespace}/${i}` },
      register: { model: `model-${i}`, policy: 'best' },
    }),
    object('Deployment', `serve-${i}`, { model: `model-${i}`, version: { policy: 'latestReady' }, serving: { replicas: 1 } }),
    object('DriftMonitor', `drift-${i}`, { deploymentRef: { name: `serve-${i}` }, baseline: { datasetRef: { name: `data-${i}` } }, interval: '10m', window: '1h' }),
  ];
}

/** Every object of a run of `total` objects (a multiple of {@link OBJECTS_PER_NAMESPACE}), namespace by namespace. */
export function scaleObjects(total: number): { namespaces: string[]; objects: ScaleObject[] } {
  if (!Number.isInteger(total) || total <= 0 || total % OBJECTS_PER_NAMESPACE !== 0) {
    throw new Error(`bench:scale: ${total} objects is not a positive multiple of ${OBJECTS_PER_NAMESPACE}`);
  }
  const namespaces = Array.from({ length: total / OBJECTS_PER_NAMESPACE }, (_, n) => namespaceOf(n));
  const objects = namespaces.flatMap((namespace) => Array.from({ length: PER_KIND }, (_, i) => slot(namespace, i)).flat());
  return { namespaces, objects };
}

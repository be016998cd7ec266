/**
 * Which Dataset profile a DriftMonitor compares with (docs/api.md, DriftMonitor): the Dataset its spec names,
 * else the Dataset the stable model version was trained on (the cairn.dev Deployment's status.stable.version,
 * that ModelVersion's spec.lineage.dataset). Pure over what the caches hold.
 */
import type { DeploymentSpec, DeploymentStatus } from '../../api/kinds/deployment.js';
import type { ModelVersionSpec } from '../../api/kinds/modelversion.js';
import type { Frozen, KubeObject } from '../../runtime/kube/object.js';

export type DeploymentObject = KubeObject & { metadata: { name: string; namespace: string }; spec: DeploymentSpec; status?: DeploymentStatus };
export type ModelVersionObject = KubeObject & { spec: ModelVersionSpec };

/** The ModelVersion serving most traffic now, if the Deployment says which and it exists. */
export function stableModelVersion(deployment: Frozen<DeploymentObject>, versions: ReadonlyArray<Frozen<ModelVersionObject>>): Frozen<ModelVersionObject> | undefined {
  const stable = deployment.status?.stable?.version;
  if (stable === undefined) return undefined;
  return versions.find((v) => v.spec.model === deployment.spec.model && v.spec.version === stable);
}

/** The baseline Dataset: named by the spec, else the stable version's training data; undefined when neither says. */
export function baselineDataset(datasetRef: string | undefined, stable: Frozen<ModelVersionObject> | undefined): { name: string; from: 'spec' | 'stableVersion' } | undefined {
  if (datasetRef) return { name: datasetRef, from: 'spec' };
  const trainedOn = stable?.spec.lineage?.dataset?.name;
  return trainedOn ? { name: trainedOn, from: 'stableVersion' } : undefined;
}

/** The profile's ConfigMap: what the Dataset's status names, else `<dataset>-profile` (docs/contracts.md §4). */
export function profileConfigMapName(dataset: Frozen<KubeObject & { status?: { profile?: { configMapRef?: { name?: string } } } }>): string {
  return dataset.status?.profile?.configMapRef?.name ?? `${dataset.metadata?.name ?? ''}-profile`;
}

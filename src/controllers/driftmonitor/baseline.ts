/**
 * Which Dataset profile a DriftMonitor compares with (docs/api.md, DriftMonitor; docs/drift.md, "The baseline"):
 * the profile of the data version the stable model version was trained on (the cairn.dev Deployment's
 * status.stable.version, that ModelVersion's spec.lineage.dataset), kept by the Dataset as the snapshot
 * `<dataset>-profile-<12 hex>` (src/render/profile-snapshot.ts). The Dataset is the one the spec names, else
 * the one in the stable version's lineage. With no stable version trained on that Dataset (nothing served yet),
 * the Dataset's current version. Not the Dataset's latest profile: a commit of new data would move the baseline
 * before any model trained on it serves, and the drift of live traffic against the model in production would
 * no longer be measured. The Deployment controller mounts the same profile in the serving pods, so they count
 * on its bins. Pure over what the caches hold.
 */
import type { DeploymentSpec, DeploymentStatus } from '../../api/kinds/deployment.js';
import type { ModelVersionSpec } from '../../api/kinds/modelversion.js';
import { isRenderError } from '../../render/errors.js';
import { profileSnapshotName } from '../../render/profile-snapshot.js';
import type { Frozen, KubeObject } from '../../runtime/kube/object.js';

export type DeploymentObject = KubeObject & { metadata: { name: string; namespace: string }; spec: DeploymentSpec; status?: DeploymentStatus };
export type ModelVersionObject = KubeObject & { spec: ModelVersionSpec };
type DatasetLike = KubeObject & { status?: { version?: string; profile?: { configMapRef?: { name?: string } } } };

/** The ModelVersion serving most traffic now, if the Deployment says which and it exists. */
export function stableModelVersion(deployment: Frozen<DeploymentObject>, versions: ReadonlyArray<Frozen<ModelVersionObject>>): Frozen<ModelVersionObject> | undefined {
  return modelVersionNumbered(deployment.spec.model, deployment.status?.stable?.version, versions);
}

/** The ModelVersion of `model` with this version number, if there is one. */
export function modelVersionNumbered(model: string, version: number | undefined, versions: ReadonlyArray<Frozen<ModelVersionObject>>): Frozen<ModelVersionObject> | undefined {
  if (version === undefined) return undefined;
  return versions.find((v) => v.spec.model === model && v.spec.version === version);
}

/** The baseline Dataset: named by the spec, else the stable version's training data; undefined when neither says. */
export function baselineDataset(datasetRef: string | undefined, stable: Frozen<ModelVersionObject> | undefined): { name: string; from: 'spec' | 'stableVersion' } | undefined {
  if (datasetRef) return { name: datasetRef, from: 'spec' };
  const trainedOn = stable?.spec.lineage?.dataset?.name;
  return trainedOn ? { name: trainedOn, from: 'stableVersion' } : undefined;
}

/** The Dataset's current profile ConfigMap: what its status names, else `<dataset>-profile` (docs/contracts.md §4). */
export function profileConfigMapName(dataset: Frozen<DatasetLike>): string {
  return dataset.status?.profile?.configMapRef?.name ?? `${dataset.metadata?.name ?? ''}-profile`;
}

export interface BaselineProfile {
  dataset: string;
  /** The data version whose profile it is; undefined for a Dataset not profiled yet (then `configMap` is its current one). */
  version?: string;
  configMap: string;
  /** `stableVersion`: the version the stable model was trained on; `datasetVersion`: the Dataset's current one (no stable model trained on it). */
  from: 'stableVersion' | 'datasetVersion';
  /** The stable ModelVersion whose training data it is. */
  modelVersion?: string;
}

/**
 * The baseline profile's ConfigMap: the snapshot of the stable version's data version when the stable version was
 * trained on this Dataset, else the snapshot of the Dataset's current version, else (a Dataset with no version,
 * or a version that is not a sha256) its current profile ConfigMap.
 */
export function baselineProfile(dataset: Frozen<DatasetLike>, stable: Frozen<ModelVersionObject> | undefined): BaselineProfile {
  const name = dataset.metadata?.name ?? '';
  const lineage = stable?.spec.lineage?.dataset;
  const trained = lineage?.name === name ? lineage.version : undefined;
  const version = trained ?? dataset.status?.version;
  const from = trained !== undefined ? 'stableVersion' : 'datasetVersion';
  const modelVersion = trained !== undefined ? stable?.metadata?.name : undefined;
  const base = { dataset: name, from, ...(modelVersion ? { modelVersion } : {}) } as const;
  if (version === undefined) return { ...base, configMap: profileConfigMapName(dataset) };
  try {
    return { ...base, version, configMap: profileSnapshotName(name, version) };
  } catch (err) {
    if (!isRenderError(err)) throw err;
    return { ...base, version, configMap: profileConfigMapName(dataset) };
  }
}

/**
 * The baseline for a DriftMonitor whose spec names `datasetRef` (or none) while `stable` serves, over the Datasets
 * the cache holds; `missing` says why there is none yet. The DriftMonitor waits on it, the Deployment controller
 * mounts nothing until it exists.
 */
export function resolveBaseline(
  datasetRef: string | undefined,
  stable: Frozen<ModelVersionObject> | undefined,
  getDataset: (name: string) => Frozen<DatasetLike> | undefined,
): BaselineProfile | { missing: string } {
  const named = baselineDataset(datasetRef, stable);
  if (!named) return { missing: 'no stable version trained on a Dataset yet' };
  const dataset = getDataset(named.name);
  return dataset ? baselineProfile(dataset, stable) : { missing: `Dataset ${named.name} not found` };
}

/** The rerun request's note naming the data the drifted model was trained on: the Experiment coalesces a request the run in progress already answers. */
export function driftedFrom(baseline: BaselineProfile | undefined): string | undefined {
  return baseline?.from === 'stableVersion' ? baseline.version : undefined;
}

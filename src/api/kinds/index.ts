/** The six kinds of cairn.dev/v1alpha1, in lifecycle order. */
import type { KindDefinition } from '../kind.js';
import { datasetKind } from './dataset.js';
import { deploymentKind } from './deployment.js';
import { driftMonitorKind } from './driftmonitor.js';
import { experimentKind } from './experiment.js';
import { gitSourceKind } from './gitsource.js';
import { modelVersionKind } from './modelversion.js';

export const kinds: readonly KindDefinition[] = [gitSourceKind, datasetKind, experimentKind, modelVersionKind, deploymentKind, driftMonitorKind];

export function kindByName(kind: string): KindDefinition | undefined {
  return kinds.find((k) => k.kind === kind);
}

export type { GitSource, GitSourceSpec, GitSourceStatus } from './gitsource.js';
export type { Dataset, DatasetSpec, DatasetStatus } from './dataset.js';
export type { Experiment, ExperimentSpec, ExperimentStatus } from './experiment.js';
export type { ModelVersion, ModelVersionSpec, ModelVersionStatus } from './modelversion.js';
export type { Deployment, DeploymentSpec, DeploymentStatus } from './deployment.js';
export type { DriftMonitor, DriftMonitorSpec, DriftMonitorStatus } from './driftmonitor.js';

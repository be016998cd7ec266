/**
 * The ModelVersion an Experiment registers from the best passing trial of a run (docs/api.md, Experiment and
 * ModelVersion): the model file as the upload sidecar hashed it, the trial's metrics and the full lineage
 * (experiment, run, trial, parameters, dataset name and version, trainer image, features, Git revision). It is
 * not owned by the Experiment: a registered model outlives the Experiment that trained it. Labels and an
 * annotation with the Experiment's uid let the controller find its registration again after a restart.
 */
import type { ModelVersion } from '../api/kinds/modelversion.js';
import { labelValue } from './label-value.js';
import { CAIRN, LABEL_EXPERIMENT, LABEL_MANAGED_BY, LABEL_RUN } from './labels.js';

export const registeredByAnnotation = 'cairn.dev/experiment-uid';

export interface RegisteredModelInput {
  experiment: { name: string; namespace: string; uid: string; gitRevision?: string };
  model: string;
  version: number;
  run: number;
  trial: { name: string; parameters: Readonly<Record<string, number | string>>; metrics: Readonly<Record<string, number>>; model: { uri: string; sha256: string } };
  dataset: { name: string; version: string; features?: readonly string[] };
  trainerImage: string;
}

/** `<model>-<version>`. */
export const modelVersionName = (model: string, version: number): string => `${model}-${version}`;

export function renderRegisteredModel(input: RegisteredModelInput): ModelVersion {
  const { experiment, trial, dataset } = input;
  return {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'ModelVersion',
    metadata: {
      name: modelVersionName(input.model, input.version),
      namespace: experiment.namespace,
      labels: {
        [LABEL_MANAGED_BY]: CAIRN,
        'cairn.dev/model': input.model,
        [LABEL_EXPERIMENT]: labelValue(experiment.name),
        [LABEL_RUN]: String(input.run),
      },
      annotations: { [registeredByAnnotation]: experiment.uid },
    },
    spec: {
      model: input.model,
      version: input.version,
      artifact: { uri: trial.model.uri, sha256: trial.model.sha256, format: 'onnx' },
      metrics: { ...trial.metrics },
      lineage: {
        experiment: experiment.name,
        run: input.run,
        trial: trial.name,
        dataset: { name: dataset.name, version: dataset.version },
        ...(experiment.gitRevision ? { gitRevision: experiment.gitRevision } : {}),
        parameters: Object.fromEntries(Object.entries(trial.parameters).map(([k, v]) => [k, String(v)])),
        trainerImage: input.trainerImage,
        ...(dataset.features && dataset.features.length > 0 ? { features: [...dataset.features] } : {}),
      },
    },
  } as ModelVersion;
}

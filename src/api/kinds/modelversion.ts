/** ModelVersion: an immutable, verified ONNX model with its lineage (the model registry role). */
import type { Static } from '@sinclair/typebox';
import { Conditions, MetricValues, ObservedGeneration, Sha256, uriPattern } from '../common.js';
import { ageColumn, readyColumn, statusColumn, type KindDefinition, type Resource } from '../kind.js';
import { int, list, map, obj, oneOf, optional, patterns, str } from '../schema.js';

const datatypes = ['FP32', 'FP64', 'FP16', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'BOOL', 'BYTES'] as const;

export const TensorSpec = obj(
  {
    name: str('Tensor name in the ONNX graph.', { maxLength: 256 }),
    datatype: oneOf(datatypes, 'Open Inference Protocol datatype.'),
    shape: list(int('A dimension; -1 is dynamic.', { minimum: -1, format: 'int64' }), 'Shape of the tensor.', { maxItems: 16 }),
  },
  'An input or output of the model.',
);

export const ModelVersionSpec = obj(
  {
    model: str('Model name; Deployments select versions by it.', { pattern: patterns.dnsLabel, maxLength: 50 }),
    version: int('Version number, unique per model.', { minimum: 1, maximum: 1_000_000 }),
    artifact: obj(
      {
        uri: str('Where the model file is: https://, s3://, pvc://, or file:// (development only).', { pattern: uriPattern, maxLength: 2048 }),
        sha256: Sha256('model file; it is verified before the model is used'),
        format: optional(oneOf(['onnx'] as const, 'Model format. Only onnx today.', { default: 'onnx' })),
      },
      'The model file.',
    ),
    metrics: optional(MetricValues),
    lineage: optional(
      obj(
        {
          experiment: optional(str('Experiment that trained the model.', { maxLength: 253 })),
          run: optional(int('Run of the Experiment.', { minimum: 0 })),
          trial: optional(str('Trial that produced the model.', { maxLength: 253 })),
          dataset: optional(
            obj(
              {
                name: str('Dataset name.', { maxLength: 253 }),
                version: str('Dataset version (sha256:<hex>).', { maxLength: 80 }),
              },
              'The data the model was trained on.',
            ),
          ),
          gitRevision: optional(str('Git revision of the training configuration.', { maxLength: 512 })),
          parameters: optional(map(str('A parameter value.', { maxLength: 1024 }), 'Parameters of the trial that produced the model.', { maxProperties: 32 })),
          trainerImage: optional(str('Container image of the trainer.', { maxLength: 1024 })),
          features: optional(list(str('A feature name.', { maxLength: 253 }), 'The feature columns the model was trained on, in order.', { maxItems: 512 })),
        },
        'Where the model came from.',
      ),
    ),
  },
  'Desired state of the ModelVersion; immutable once created.',
  { rules: [{ rule: 'self == oldSelf', message: 'spec is immutable; create a new ModelVersion instead' }] },
);

export const ModelVersionStatus = obj(
  {
    observedGeneration: optional(ObservedGeneration),
    signature: optional(
      obj(
        {
          inputs: list(TensorSpec, 'Model inputs.', { maxItems: 64 }),
          outputs: list(TensorSpec, 'Model outputs.', { maxItems: 64 }),
        },
        'Inputs and outputs read from the model by its inspect Job (cairn model inspect).',
      ),
    ),
    conditions: optional(Conditions),
  },
  'Observed state of the ModelVersion.',
);

export const modelVersionKind: KindDefinition = {
  kind: 'ModelVersion',
  plural: 'modelversions',
  singular: 'modelversion',
  shortNames: ['mlver'],
  description: 'ModelVersion is an immutable, checksum-verified ONNX model artifact with its metrics, signature and lineage.',
  spec: ModelVersionSpec,
  status: ModelVersionStatus,
  printerColumns: [
    { name: 'Model', type: 'string', jsonPath: '.spec.model', description: 'Model name.' },
    { name: 'Version', type: 'integer', jsonPath: '.spec.version', description: 'Version number.' },
    { name: 'Verified', type: 'string', jsonPath: '.status.conditions[?(@.type=="Verified")].status', description: 'Whether the file matched its sha256 and loaded in ONNX Runtime.' },
    readyColumn,
    statusColumn,
    ageColumn,
  ],
};

export type ModelVersionSpec = Static<typeof ModelVersionSpec>;
export type ModelVersionStatus = Static<typeof ModelVersionStatus>;
export type ModelVersion = Resource<ModelVersionSpec, ModelVersionStatus>;

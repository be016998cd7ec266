/** DriftMonitor: compares live traffic of a Deployment with the profile of the Dataset it learned from. */
import type { Static } from '@sinclair/typebox';
import { Conditions, LocalObjectReference, ObservedGeneration } from '../common.js';
import { ageColumn, readyColumn, statusColumn, type KindDefinition, type Resource } from '../kind.js';
import { bool, duration, int, list, num, obj, oneOf, optional, patterns, str } from '../schema.js';

const methods = ['psi', 'ks', 'jensenShannon', 'wasserstein', 'chi2'] as const;

export const FeatureCheck = obj(
  {
    name: str('Feature (Dataset schema column).', { pattern: patterns.identifier, maxLength: 128 }),
    method: oneOf(methods, 'Statistic: psi, ks, jensenShannon, wasserstein (numeric); chi2, jensenShannon (categorical).'),
    threshold: num('Drift when the score crosses it (for chi2 and ks: a p-value below it).', { minimum: 0 }),
  },
  'How one feature is checked.',
);

export const DriftMonitorSpec = obj(
  {
    deploymentRef: LocalObjectReference('cairn.dev Deployment whose traffic is watched'),
    baseline: optional(
      obj(
        { datasetRef: LocalObjectReference('Dataset whose profile is the reference distribution') },
        "The reference distribution. Default: the Dataset the Deployment's stable ModelVersion was trained on (its lineage).",
      ),
    ),
    features: optional(list(FeatureCheck, 'Features to check. Default: every schema feature, psi for numeric, chi2 for categorical.', { maxItems: 512, mapKeys: ['name'] })),
    output: optional(
      obj(
        {
          method: oneOf(methods, 'Statistic for prediction drift.'),
          threshold: num('Drift when the score crosses it.', { minimum: 0 }),
        },
        'Prediction drift check.',
      ),
    ),
    interval: optional(duration('Time between evaluations. Default 5m.', { default: '5m' })),
    window: optional(duration('Span of live traffic compared with the baseline. Default 1h.', { default: '1h' })),
    minSamples: optional(int('Fewest samples in the window for a verdict. Default 500.', { minimum: 1, default: 500 })),
    onDrift: optional(
      list(
        obj(
          {
            retrain: optional(obj({ experimentRef: LocalObjectReference('Experiment to rerun') }, 'Start a new run of an Experiment.')),
            pauseRollout: optional(bool('Pause the rollout of the watched Deployment.')),
          },
          'An action on drift: exactly one of retrain or pauseRollout.',
          { rules: [{ rule: '[has(self.retrain), has(self.pauseRollout)].filter(x, x).size() == 1', message: 'an action has exactly one of retrain or pauseRollout' }] },
        ),
        'What to do when drift is detected.',
        { maxItems: 8 },
      ),
    ),
  },
  'Desired state of the DriftMonitor.',
);

export const FeatureResult = obj(
  {
    name: str('Feature.', { maxLength: 128 }),
    method: str('Statistic used.', { maxLength: 32 }),
    score: num('Score of the statistic.'),
    threshold: num('Threshold it was compared with.'),
    drifted: bool('Whether the feature drifted.'),
  },
  'Result for one feature.',
);

export const LivePerformance = obj(
  {
    labelledRows: int('Prediction rows scored against a label that arrived in the window (POST /v2/models/{name}/feedback).', { minimum: 0, format: 'int64' }),
    rmse: optional(num('Root mean squared error of those rows (regression models).', { minimum: 0 })),
    mae: optional(num('Mean absolute error of those rows (regression models).', { minimum: 0 })),
    accuracy: optional(num('Share of those rows predicted right (classification models).', { minimum: 0, maximum: 1 })),
  },
  'Live performance from delayed labels, over the window, all serving pods of the Deployment together.',
);

export const BaselineStatus = obj(
  {
    dataset: str('Dataset whose profile is the baseline.', { maxLength: 253 }),
    version: optional(str('Data version (sha256:<hex>) the profile describes.', { maxLength: 80 })),
    configMap: str('ConfigMap holding that profile (<dataset>-profile-<12 hex of the version>).', { maxLength: 253 }),
    from: oneOf(['stableVersion', 'datasetVersion'] as const, "stableVersion: the data the Deployment's stable ModelVersion was trained on; datasetVersion: the Dataset's current version (no stable version was trained on it)."),
    modelVersion: optional(str('The stable ModelVersion trained on that data (from stableVersion).', { maxLength: 253 })),
  },
  'The profile live traffic is compared with, and why that one.',
);

export const DriftMonitorStatus = obj(
  {
    observedGeneration: optional(ObservedGeneration),
    baseline: optional(BaselineStatus),
    lastEvaluation: optional(str('When drift was last evaluated.', { format: 'date-time' })),
    samples: optional(int('Samples in the last window.', { minimum: 0, format: 'int64' })),
    drifted: optional(bool('Whether any checked feature or the output drifted.')),
    features: optional(list(FeatureResult, 'Per-feature results of the last evaluation.', { maxItems: 513 })),
    performance: optional(LivePerformance),
    conditions: optional(Conditions),
  },
  'Observed state of the DriftMonitor.',
);

export const driftMonitorKind: KindDefinition = {
  kind: 'DriftMonitor',
  plural: 'driftmonitors',
  singular: 'driftmonitor',
  shortNames: ['mldrift'],
  description: 'DriftMonitor compares the live traffic of a Deployment with the profile of its training Dataset and acts on drift (retrain, pause the rollout).',
  spec: DriftMonitorSpec,
  status: DriftMonitorStatus,
  printerColumns: [
    { name: 'Drifted', type: 'boolean', jsonPath: '.status.drifted', description: 'Whether drift was detected.' },
    { name: 'Samples', type: 'integer', jsonPath: '.status.samples', description: 'Samples in the last window.' },
    readyColumn,
    statusColumn,
    ageColumn,
  ],
};

export type DriftMonitorSpec = Static<typeof DriftMonitorSpec>;
export type DriftMonitorStatus = Static<typeof DriftMonitorStatus>;
export type DriftMonitor = Resource<DriftMonitorSpec, DriftMonitorStatus>;

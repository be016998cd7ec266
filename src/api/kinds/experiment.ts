/** Experiment: training runs, parameter sweeps and the gate a trial must pass to become a model. */
import type { Static } from '@sinclair/typebox';
import { Conditions, EnvVar, LocalObjectReference, MetricName, MetricValues, ObservedGeneration, ResourceRequirements, uriPattern } from '../common.js';
import { ageColumn, readyColumn, statusColumn, type KindDefinition, type Resource } from '../kind.js';
import { bool, duration, int, list, map, num, obj, oneOf, optional, patterns, str } from '../schema.js';

export const Parameter = obj(
  {
    values: optional(list(num('A numeric value.'), 'Numeric values to try.', { minItems: 1, maxItems: 100 })),
    choices: optional(list(str('A value.', { maxLength: 256 }), 'Categorical values to try (strings).', { minItems: 1, maxItems: 100 })),
    min: optional(num('Lower bound of a numeric range.')),
    max: optional(num('Upper bound of a numeric range.')),
    step: optional(num('Step of a grid over [min, max]; required for grid search over a range.', { exclusiveMinimum: 0 })),
    scale: optional(oneOf(['linear', 'log'] as const, 'Sampling scale of a range for random search. Default linear.')),
  },
  'A parameter of the search: numeric values, categorical choices, or a numeric range.',
  {
    rules: [
      { rule: '[has(self.values), has(self.choices), has(self.min) || has(self.max)].filter(x, x).size() == 1', message: 'set exactly one of values, choices, or min and max' },
      { rule: '!has(self.min) == !has(self.max)', message: 'a range needs both min and max' },
      { rule: '!has(self.min) || !has(self.max) || self.min < self.max', message: 'min must be < max', fieldPath: '.min' },
      { rule: '!has(self.scale) || self.scale != "log" || !has(self.min) || self.min > 0.0', message: 'a log scale needs min > 0', fieldPath: '.min' },
    ],
  },
);

export const Criterion = obj(
  {
    metric: MetricName('Metric the trainer reports.'),
    op: oneOf(['<', '<=', '>', '>=', '=='] as const, 'Comparison: <, <=, >, >= or ==.'),
    value: num('Value the metric is compared against.'),
  },
  'A condition a trial must meet to pass the gate.',
);

export const ExperimentSpec = obj(
  {
    datasetRef: LocalObjectReference('Dataset to train on; trials are pinned to its verified version'),
    trainer: obj(
      {
        image: str('Container image of the trainer.', { minLength: 1, maxLength: 1024 }),
        command: optional(list(str('An argument.', { maxLength: 4096 }), 'Entrypoint of the container.', { maxItems: 64 })),
        args: optional(list(str('An argument.', { maxLength: 4096 }), 'Arguments to the entrypoint.', { maxItems: 256 })),
        env: optional(list(EnvVar, 'Extra environment variables (CAIRN_* are set by Cairn).', { maxItems: 64, mapKeys: ['name'] })),
        resources: optional(ResourceRequirements),
        serviceAccountName: optional(str('ServiceAccount the trial pods run as.', { pattern: patterns.dnsSubdomain, maxLength: 253 })),
      },
      'The container every trial runs; the trainer contract gives it CAIRN_* variables and reads its termination message.',
    ),
    parameters: optional(map(Parameter, 'Parameters of the search, by name (passed as CAIRN_PARAMS and CAIRN_PARAM_<NAME>).', { maxProperties: 32 })),
    search: optional(
      obj(
        {
          algorithm: optional(oneOf(['grid', 'random'] as const, 'grid tries every combination; random samples. Default grid.', { default: 'grid' })),
          maxTrials: optional(int('Most trials to run in one run. Default 10.', { minimum: 1, maximum: 1000, default: 10 })),
          parallelism: optional(int('Trials running at once. Default 1.', { minimum: 1, maximum: 100, default: 1 })),
          maxFailedTrials: optional(int('The run fails after this many failed trials. Default 3.', { minimum: 0, maximum: 1000, default: 3 })),
          seed: optional(int('Seed of random search, so a run is reproducible.', { minimum: 0, format: 'int64' })),
        },
        'How trials are chosen and run.',
        { rules: [{ rule: '!has(self.parallelism) || !has(self.maxTrials) || self.parallelism <= self.maxTrials', message: 'parallelism must be <= maxTrials', fieldPath: '.parallelism' }] },
      ),
    ),
    objective: obj(
      {
        metric: MetricName('Metric that ranks trials.'),
        goal: oneOf(['minimize', 'maximize'] as const, 'Whether lower (minimize) or higher (maximize) is better.'),
      },
      'What makes one trial better than another.',
    ),
    successCriteria: optional(list(Criterion, 'The gate: a trial passes only if every criterion holds.', { maxItems: 16 })),
    artifacts: obj({ uri: str('Base URI; trials write under <uri>/<experiment>/<run>/<trial>/.', { pattern: uriPattern, maxLength: 2048 }) }, 'Where trials write their models.'),
    register: optional(
      obj(
        {
          model: str('Model name of the ModelVersions created.', { pattern: patterns.dnsLabel, maxLength: 50 }),
          policy: optional(oneOf(['best', 'none'] as const, 'best: register the best passing trial as a ModelVersion; none: register nothing. Default best.', { default: 'best' })),
        },
        'What to register when a run ends.',
      ),
    ),
    rerunOnDatasetChange: optional(bool('Start a new run when the Dataset gets a new version (continuous training). Default false.', { default: false })),
    trialTimeout: optional(duration('Time limit of one trial. Default 30m.', { default: '30m' })),
  },
  'Desired state of the Experiment.',
);

export const Trial = obj(
  {
    name: str('Trial name, also the name of its Job.', { maxLength: 253 }),
    parameters: map(str('A parameter value.', { maxLength: 1024 }), 'The parameters of this trial.', { maxProperties: 32 }),
    phase: oneOf(['Pending', 'Running', 'Succeeded', 'Failed'] as const, 'Phase of the trial.'),
    metrics: optional(MetricValues),
    passed: optional(bool('Whether the trial passed every success criterion.')),
    job: optional(str('Name of the trial Job.', { maxLength: 253 })),
    model: optional(obj({ uri: str('Model URI.', { maxLength: 2048 }), sha256: str('Model SHA-256.', { maxLength: 64 }) }, 'The model the trial wrote.')),
    message: optional(str('Why the trial failed, if it did.', { maxLength: 4096 })),
  },
  'One trial of the current run.',
);

export const ExperimentStatus = obj(
  {
    observedGeneration: optional(ObservedGeneration),
    run: optional(int('Number of the current run; increments on every new run.', { minimum: 0 })),
    runGeneration: optional(int('The metadata.generation the current run started from; a newer one starts a new run.', { minimum: 0 })),
    rerunRequest: optional(str('The cairn.dev/rerun annotation value the current run answered; a new value starts a new run.', { maxLength: 1024 })),
    datasetVersion: optional(str('The Dataset version the run is pinned to.', { maxLength: 80 })),
    phase: optional(oneOf(['Running', 'Succeeded', 'Failed'] as const, 'Phase of the current run.')),
    progress: optional(str('Trials finished / trials of the run, e.g. 4/6.', { maxLength: 32 })),
    trialCounts: optional(
      obj(
        {
          total: int('Trials of the run.', { minimum: 0 }),
          pending: int('Trials not started or waiting to run.', { minimum: 0 }),
          running: int('Trials running.', { minimum: 0 }),
          succeeded: int('Trials that ran and reported valid metrics.', { minimum: 0 }),
          failed: int('Trials that failed.', { minimum: 0 }),
          passed: int('Succeeded trials that passed the gate.', { minimum: 0 }),
        },
        'How many trials of the run are in each phase.',
      ),
    ),
    trialsConfigMap: optional(str('ConfigMap holding the full trial table of the run (key trials.jsonl); status.trials keeps the most recent.', { maxLength: 253 })),
    trials: optional(list(Trial, 'The most recent trials of the current run (and the best); the full table is in trialsConfigMap.', { maxItems: 1000 })),
    bestTrial: optional(str('Best passing trial of the current run.', { maxLength: 253 })),
    bestMetric: optional(num('The objective metric of the best passing trial.')),
    modelVersion: optional(str('ModelVersion registered from the current run.', { maxLength: 253 })),
    conditions: optional(Conditions),
  },
  'Observed state of the Experiment.',
);

export const experimentKind: KindDefinition = {
  kind: 'Experiment',
  plural: 'experiments',
  singular: 'experiment',
  shortNames: ['mlexp'],
  description: 'Experiment runs training trials over a parameter search as Jobs, gates them on metrics, and registers the best passing model as a ModelVersion.',
  spec: ExperimentSpec,
  status: ExperimentStatus,
  printerColumns: [
    { name: 'Run', type: 'integer', jsonPath: '.status.run', description: 'Current run.' },
    { name: 'Trials', type: 'string', jsonPath: '.status.progress', description: 'Trials finished / trials of the run.' },
    { name: 'Best', type: 'number', jsonPath: '.status.bestMetric', description: 'Objective metric of the best passing trial.' },
    { name: 'Best-Trial', type: 'string', jsonPath: '.status.bestTrial', description: 'Best passing trial.', priority: 1 },
    { name: 'Model', type: 'string', jsonPath: '.status.modelVersion', description: 'Registered ModelVersion.' },
    readyColumn,
    statusColumn,
    ageColumn,
  ],
};

export type ExperimentSpec = Static<typeof ExperimentSpec>;
export type ExperimentStatus = Static<typeof ExperimentStatus>;
export type Experiment = Resource<ExperimentSpec, ExperimentStatus>;

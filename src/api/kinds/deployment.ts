/** Deployment (cairn.dev): serving a model with progressive delivery (the KServe + Argo Rollouts role). */
import type { Static } from '@sinclair/typebox';
import { Conditions, ObservedGeneration, ResourceRequirements } from '../common.js';
import { ageColumn, readyColumn, type KindDefinition, type Resource } from '../kind.js';
import { bool, duration, int, list, num, obj, oneOf, optional, patterns, str } from '../schema.js';

export const CanaryStep = obj(
  {
    setWeight: optional(int('Percent of traffic for the canary (0..100).', { minimum: 0, maximum: 100 })),
    pause: optional(obj({ duration: optional(duration('How long to pause; without it the rollout waits for cairn.dev/promote.')) }, 'Pause the rollout.')),
    analysis: optional(obj({}, 'Run the analysis of spec.strategy.analysis now; a failure rolls back.', { preserveUnknownFields: true })),
  },
  'One step of a canary rollout: exactly one of setWeight, pause or analysis.',
  { rules: [{ rule: '[has(self.setWeight), has(self.pause), has(self.analysis)].filter(x, x).size() == 1', message: 'a step has exactly one of setWeight, pause or analysis' }] },
);

export const AnalysisMetric = obj(
  {
    name: str(
      'Metric: error-rate, latency-p99-ms, live-rmse, live-mae, live-accuracy (built in, from the serving runtime; the live-* ones from labels posted to its feedback endpoint) or prometheus (any PromQL).',
      { pattern: patterns.identifier, maxLength: 128 },
    ),
    query: optional(str('PromQL query (prometheus metrics only).', { maxLength: 4096 })),
    address: optional(str('Prometheus address (prometheus metrics only).', { pattern: '^https?://[^\\s]+$', maxLength: 2048 })),
    max: optional(num('The analysis fails when the value is above this.')),
    min: optional(num('The analysis fails when the value is below this.')),
  },
  'A metric the analysis checks.',
  {
    rules: [
      { rule: 'has(self.max) || has(self.min)', message: 'a metric needs max or min' },
      { rule: 'self.name != "prometheus" || has(self.query)', message: 'a prometheus metric needs a query', fieldPath: '.query' },
    ],
  },
);

export const DeploymentSpec = obj(
  {
    model: str('Model name (ModelVersion spec.model) to serve.', { pattern: patterns.dnsLabel, maxLength: 50 }),
    version: obj(
      {
        policy: optional(oneOf(['latestReady'] as const, 'latestReady: the newest Ready ModelVersion of the model.')),
        pinned: optional(int('A fixed version number.', { minimum: 1 })),
        allowIncompatibleSignature: optional(
          bool('Roll out a version whose inputs or outputs differ from the stable one (its clients must change with it). Default false: such a version is refused with IncompatibleSignature.'),
        ),
      },
      'Which version to serve: exactly one of policy or pinned.',
      { rules: [{ rule: 'has(self.policy) != has(self.pinned)', message: 'set exactly one of policy or pinned' }] },
    ),
    serving: optional(
      obj(
        {
          replicas: optional(int('Serving pods per version. Default 1.', { minimum: 0, maximum: 1000, default: 1 })),
          autoscaling: optional(
            obj(
              {
                minReplicas: int('Fewest pods.', { minimum: 1, maximum: 1000 }),
                maxReplicas: int('Most pods.', { minimum: 1, maximum: 1000 }),
                targetCPUUtilization: optional(int('Target CPU utilization percent. Default 80.', { minimum: 1, maximum: 100 })),
              },
              'Scale pods with a HorizontalPodAutoscaler instead of fixed replicas.',
              { rules: [{ rule: 'self.minReplicas <= self.maxReplicas', message: 'minReplicas must be <= maxReplicas', fieldPath: '.minReplicas' }] },
            ),
          ),
          resources: optional(ResourceRequirements),
          batching: optional(
            obj(
              {
                maxBatchSize: optional(int('Most requests merged into one inference. Default 32.', { minimum: 1, maximum: 4096 })),
                maxDelayMs: optional(int('Longest wait for more requests to batch, in ms. Default 0.', { minimum: 0, maximum: 1000 })),
              },
              'Dynamic batching of concurrent requests.',
            ),
          ),
          logRequests: optional(num('Fraction of requests and responses to log (0..1). Default 0.', { minimum: 0, maximum: 1 })),
          predictionLog: optional(
            obj(
              {
                sample: num('Share of predictions written as JSON lines (id, model, version, inputs, outputs, latency) to the serving container\'s standard output, 0..1.', { minimum: 0, maximum: 1 }),
                maxLinesPerSecond: optional(int('Most prediction log lines per second per pod; more are dropped and counted. Default 100.', { minimum: 1, maximum: 1000000 })),
              },
              'Prediction logs for Loki, OpenSearch or Kibana, collected from the pods\' logs.',
            ),
          ),
        },
        'How the serving pods run.',
        { rules: [{ rule: '!(has(self.replicas) && has(self.autoscaling))', message: 'set replicas or autoscaling, not both' }] },
      ),
    ),
    strategy: optional(
      obj(
        {
          type: oneOf(['Canary', 'BlueGreen', 'Shadow', 'Immediate'] as const, 'How a new version replaces the stable one.'),
          canary: optional(
            obj(
              {
                steps: list(CanaryStep, 'Steps of the rollout, in order; weights must not decrease.', {
                  minItems: 1,
                  maxItems: 32,
                  rules: [{ rule: 'self.filter(s, has(s.setWeight)).map(s, s.setWeight).isSorted()', message: 'setWeight values must not decrease from step to step' }],
                }),
              },
              'Canary rollout steps.',
            ),
          ),
          blueGreen: optional(
            obj({ autoPromote: optional(bool('Promote the preview once it is Available and the analysis passed. Default false.')) }, 'Blue-green options.'),
          ),
          shadow: optional(
            obj(
              {
                percent: int('Percent of requests mirrored to the new version.', { minimum: 1, maximum: 100 }),
                compare: optional(
                  bool(
                    "Compare the new version's answers with the stable one's and report the agreement in status.shadow. Default true: the stable pods send the copies themselves, whatever the router (a mesh's mirror discards the shadow's answers, so nothing could compare them). false: the router's mirror copies (HTTPRoute RequestMirror, istio mirror) and nothing is compared.",
                  ),
                ),
                tolerance: optional(num('Absolute difference within which two numeric outputs agree. Default 0: exactly equal (classes and labels always must be).', { minimum: 0 })),
              },
              'Shadow options.',
            ),
          ),
          progressDeadline: optional(
            duration('How long the new version\'s pods may stay unavailable during a rollout (from its start, or from when they stopped being available) before it is rolled back. Default 10m.'),
          ),
          analysis: optional(
            obj(
              {
                interval: optional(duration('Time between two measurements. Default 30s.')),
                failureLimit: optional(int('Failed measurements tolerated before the rollout is rolled back. Default 0.', { minimum: 0, maximum: 100 })),
                metrics: list(AnalysisMetric, 'Metrics checked at each measurement.', { minItems: 1, maxItems: 16 }),
              },
              'The analysis run by analysis steps and blue-green promotion.',
            ),
          ),
        },
        'Progressive delivery strategy.',
        {
          rules: [
            { rule: 'self.type != "Canary" || has(self.canary)', message: 'a Canary strategy needs canary.steps', fieldPath: '.canary' },
            { rule: 'self.type != "Shadow" || has(self.shadow)', message: 'a Shadow strategy needs shadow.percent', fieldPath: '.shadow' },
          ],
        },
      ),
    ),
    traffic: optional(
      obj(
        {
          router: oneOf(['replicas', 'gatewayAPI', 'istio'] as const, 'How traffic is split: replicas (no mesh), gatewayAPI (HTTPRoute weights) or istio.'),
          gatewayAPI: optional(
            obj(
              {
                parentRefs: list(
                  obj(
                    {
                      name: str('Gateway name.', { pattern: patterns.dnsSubdomain, maxLength: 253 }),
                      namespace: optional(str('Gateway namespace.', { pattern: patterns.dnsLabel, maxLength: 63 })),
                      sectionName: optional(str('Listener name.', { maxLength: 253 })),
                    },
                    'A Gateway the HTTPRoute attaches to.',
                  ),
                  'Gateways the HTTPRoute attaches to.',
                  { minItems: 1, maxItems: 32 },
                ),
                hostnames: optional(list(str('A hostname.', { maxLength: 253 }), 'Hostnames of the HTTPRoute.', { maxItems: 16 })),
              },
              'Gateway API routing.',
            ),
          ),
        },
        'How traffic reaches the versions.',
        { rules: [{ rule: 'self.router != "gatewayAPI" || has(self.gatewayAPI)', message: 'the gatewayAPI router needs gatewayAPI.parentRefs', fieldPath: '.gatewayAPI' }] },
      ),
    ),
  },
  'Desired state of the Deployment.',
);

const TrackStatus = (what: string) =>
  obj(
    {
      version: int(`Model version of the ${what}.`, { minimum: 0 }),
      weight: int(`Percent of traffic to the ${what}.`, { minimum: 0, maximum: 100 }),
      step: optional(int('Index of the current canary step.', { minimum: 0 })),
    },
    `The ${what} version.`,
  );

/** What the rollout step machine remembers between reconciles (src/rollout/machine.ts), so a restart resumes. */
export const RolloutRecord = obj(
  {
    stepStartedAt: optional(str('When the current step began (RFC 3339); a pause counts from it.', { format: 'date-time' })),
    mirror: optional(int('Percent of requests mirrored to the canary (Shadow).', { minimum: 0, maximum: 100 })),
    unavailableSince: optional(str("Since when the new version's pods have been unavailable (RFC 3339); the progress deadline counts from it.", { format: 'date-time' })),
    analysis: optional(
      obj(
        {
          passed: int('Passing measurements of this rollout.', { minimum: 0 }),
          failed: int('Failed measurements of this rollout.', { minimum: 0 }),
          inconclusive: int('Measurements with too little traffic to judge.', { minimum: 0 }),
          lastAt: optional(str('When the last measurement was taken (RFC 3339).', { format: 'date-time' })),
          lastFailure: optional(str('The last failing metric, its value and its threshold.', { maxLength: 1024 })),
        },
        'The analysis of the rollout in progress.',
      ),
    ),
    rolledBack: optional(int('The version last rolled back: not tried again while it is still the selection.', { minimum: 1 })),
    promoteHandled: optional(str('The cairn.dev/promote value already acted on.', { maxLength: 256 })),
    abortHandled: optional(str('The cairn.dev/abort value already acted on.', { maxLength: 256 })),
  },
  'The state of the rollout step machine.',
);

/** How the shadow's answers compare with the stable one's (src/serving/shadow-compare.ts). */
export const ShadowStatus = obj(
  {
    version: int('The version receiving the copies.', { minimum: 1 }),
    compared: int("Copies whose answer was compared with the stable one's.", { minimum: 0 }),
    agreed: int('Compared copies whose every output agreed within the tolerance.', { minimum: 0 }),
    agreement: optional(str('agreed / compared, as a percent with one decimal ("99.5%").', { maxLength: 16 })),
    meanAbsoluteDifference: optional(num('Mean |stable - shadow| over the numeric output elements compared.', { minimum: 0 })),
    incomparable: optional(int('Answers that could not be lined up with the stable one (another shape, an error body).', { minimum: 0 })),
    failed: optional(int('Copies the shadow answered with an error or not at all.', { minimum: 0 })),
  },
  "The shadow's agreement with the stable version, from the stable pods' counters (a pod restart loses its counts).",
);

export const DeploymentStatus = obj(
  {
    observedGeneration: optional(ObservedGeneration),
    phase: optional(oneOf(['Healthy', 'Progressing', 'Paused', 'Degraded', 'RolledBack'] as const, 'Phase of the rollout.')),
    stable: optional(TrackStatus('stable')),
    canary: optional(TrackStatus('canary')),
    url: optional(str('In-cluster URL of the model.', { maxLength: 2048 })),
    message: optional(str('Why the rollout is where it is (e.g. which analysis failed).', { maxLength: 4096 })),
    rollout: optional(RolloutRecord),
    shadow: optional(ShadowStatus),
    conditions: optional(Conditions),
  },
  'Observed state of the Deployment.',
);

export const deploymentKind: KindDefinition = {
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  shortNames: ['mldeploy'],
  description: 'Deployment serves a model with ONNX serving pods and rolls new ModelVersions out progressively (canary, blue-green, shadow) with metric analysis and rollback.',
  spec: DeploymentSpec,
  status: DeploymentStatus,
  printerColumns: [
    { name: 'Model', type: 'string', jsonPath: '.spec.model', description: 'Model served.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Rollout phase.' },
    { name: 'Stable', type: 'integer', jsonPath: '.status.stable.version', description: 'Stable version.' },
    { name: 'Canary', type: 'integer', jsonPath: '.status.canary.version', description: 'Canary version.' },
    { name: 'Weight', type: 'integer', jsonPath: '.status.canary.weight', description: 'Canary traffic percent.' },
    readyColumn,
    ageColumn,
  ],
};

export type DeploymentSpec = Static<typeof DeploymentSpec>;
export type DeploymentStatus = Static<typeof DeploymentStatus>;
export type Deployment = Resource<DeploymentSpec, DeploymentStatus>;

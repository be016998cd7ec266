/** The cairn.dev Deployment's own conditions and reasons (the kit's are in src/controllers/kit/conditions.ts). */
import { kindConditions } from '../kit/index.js';

export const DeploymentCondition = {
  /** True once a stable version's pods are available behind the route Service. */
  Available: 'Available',
  /** False while the selected version is refused: its signature would break the stable version's clients. */
  SignatureCompatible: 'SignatureCompatible',
  /** True after analysis or an abort rolled the last rollout back; its message names the metric. */
  RolledBack: 'RolledBack',
} as const;

export const deploymentConditions = kindConditions(
  { type: DeploymentCondition.Available, polarity: 'positive' },
  { type: DeploymentCondition.SignatureCompatible, polarity: 'positive' },
  { type: DeploymentCondition.RolledBack, polarity: 'negative' },
);

export const DeploymentReason = {
  /** Ready=True: every live version serves as the rollout asks. */
  Serving: 'Serving',
  Available: 'Available',
  /** Available=False: no version serves yet (none selected, or its pods are not up). */
  NoModelVersion: 'NoModelVersion',
  PodsNotAvailable: 'PodsNotAvailable',
  SignatureCompatible: 'SignatureCompatible',
  IncompatibleSignature: 'IncompatibleSignature',
  RolledBack: 'RolledBack',
  NotRolledBack: 'NotRolledBack',
  /** The ModelVersion of a live version vanished or lost its artifact. */
  ModelVersionMissing: 'ModelVersionMissing',
  /** Applying or pruning a serving object failed (retried). */
  ApplyFailed: 'ApplyFailed',
  /** The HTTPRoute or VirtualService could not be applied: its CRD is not installed, or the API refused it. */
  RouteFailed: 'RouteFailed',
} as const;

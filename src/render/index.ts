/**
 * src/render/: pure builders of the Kubernetes objects Cairn creates, and pure readers of what became of them.
 * No I/O, no clock, no randomness: the same input always gives the same output.
 */
export { RenderError, isRenderError, type RenderErrorReason } from './errors.js';
export { ownerReference, type OwnerObject } from './owner.js';
export { labelValue, shortHash, LABEL_VALUE_MAX_LENGTH } from './label-value.js';
export {
  recommendedLabels,
  childLabels,
  managedBySelector,
  CAIRN,
  LABEL_NAME,
  LABEL_INSTANCE,
  LABEL_VERSION,
  LABEL_COMPONENT,
  LABEL_PART_OF,
  LABEL_MANAGED_BY,
  LABEL_OWNER_KIND,
  LABEL_OWNER_NAME,
  type RecommendedLabelsInput,
} from './labels.js';
export { restrictedContainerSecurityContext, restrictedPodSecurityContext, NON_ROOT_ID } from './security.js';
export { buildJob, DEFAULT_BACKOFF_LIMIT, DEFAULT_TTL_SECONDS_AFTER_FINISHED, TERMINATION_MESSAGE_PATH, DEFAULT_CONTAINER_ANNOTATION } from './job.js';
export { TMP_VOLUME, isDNS1123Label, type JobInput, type JobContainer, type JobInitContainer } from './job-input.js';
export { decidedByPod, observeJob, type JobObservation, type JobPhase, type ObserveJobOptions } from './observe-job.js';
export {
  parseTerminationMessage,
  terminationMessageLimit,
  TERMINATION_MESSAGE_MAX_BYTES,
  POD_TERMINATION_MESSAGES_MAX_BYTES,
  type TerminationMessage,
} from './termination.js';
export type * from './types.js';
export { renderTrialJob, storageSecretName, trialPaths, type TrialJobInput } from './trial-job.js';

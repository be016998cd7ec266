/**
 * The controller runtime's public surface, for src/controllers and src/operator. See controller.ts for how a
 * controller is declared and manager.ts for how it runs.
 */
export { backoffDelay, reconcileBackoff, watchBackoff, withJitter, type BackoffPolicy } from './backoff.js';
export { sleep, systemClock, type Clock, type Timer } from './clock.js';
export type { ControllerDefinition, ControllerDeps, ControllerFactory, OperatorSettings, ReconcileContext, ReconcileRequest, Reconciler, WatchSpec } from './controller.js';
export { describeError, isStalled, isWaiting, StalledError, WaitingError } from './errors.js';
export { EventRecorder, type EventType, type Regarding } from './events.js';
export { Informer, type Cache, type InformerEvent, type InformerHandler } from './informer.js';
export { InformerFactory } from './informer-factory.js';
export { keyOf, objectKey, parseKey, type ObjectRef } from './keys.js';
export type { ApplyOptions, DeleteOptions, KubeClient, ListOptions, ListResult, PatchOptions, WriteOptions } from './kube/client.js';
export { isAlreadyExists, isConflict, isGone, isNotFound, KubeApiError } from './kube/errors.js';
export { deepFreeze, mutableCopy, type Frozen, type KubeObject, type ObjectMeta, type OwnerReference } from './kube/object.js';
export { apiVersionOf, builtin, ResourceRegistry, resourceId, type ResourceType } from './kube/resource.js';
export { LeaderElector, type Lease } from './leader-election.js';
export { createLogger, silentLogger, type Logger } from './logger.js';
export { Manager, type ManagerOptions } from './manager.js';
export { createOperatorMetrics, type OperatorMetrics } from './metrics.js';
export { microTime, parseTime } from './microtime.js';
export { anyOf, controllerOwnerKeys, generationChanged, metadataChanged } from './predicates.js';
export { redactString, redactValue } from './redact.js';
export { done, requeueAfter, type Outcome, type Result } from './result.js';
export { WorkQueue } from './workqueue.js';

import type { Logger } from 'pino';
import type { BackoffPolicy } from './backoff.js';
import type { Clock } from './clock.js';
import type { EventRecorder } from './events.js';
import type { InformerEvent } from './informer.js';
import type { InformerFactory } from './informer-factory.js';
import type { KubeClient } from './kube/client.js';
import type { Frozen, KubeObject } from './kube/object.js';
import type { ResourceType } from './kube/resource.js';
import type { OperatorMetrics } from './metrics.js';
import type { Result } from './result.js';

/** Which object to reconcile: a work-queue key and its parts. */
export interface ReconcileRequest {
  /** `namespace/name`, or `name` for a cluster-scoped kind. */
  key: string;
  namespace: string | undefined;
  name: string;
}

/** What a reconcile gets besides the request. */
export interface ReconcileContext {
  /** Child logger bound to controller, namespace, name and reconcileID. */
  log: Logger;
  /** Aborted when leadership is lost or at the shutdown deadline; pass it to long I/O (git, HTTP). */
  signal: AbortSignal;
  reconcileID: string;
  /** Failed attempts of this key since its last success (0 on a first try). */
  retries: number;
}

/**
 * Reconciles one object, level-triggered (docs/style.md §1): read the current state (from the informer caches),
 * compute, write only what differs. Throw {@link StalledError} / {@link WaitingError} / anything else to choose
 * the requeue; return `{requeueAfterMs}` to be called again after a delay (periodic sync).
 */
export type Reconciler = (req: ReconcileRequest, ctx: ReconcileContext) => Promise<Result | void>;

/** A secondary watch: changes of `resource` objects enqueue the primary keys `map` returns. */
export interface WatchSpec<T extends KubeObject = KubeObject> {
  resource: ResourceType;
  labelSelector?: string;
  map: (obj: Frozen<T>) => string[];
  /** Return false to ignore an event (e.g. a status-only update). Default: every event. */
  predicate?: (event: InformerEvent<T>) => boolean;
}

/**
 * A controller, declared (kubebuilder's builder: For / Owns / Watches), not wired by hand. Cairn's controllers
 * do not write this by hand either: `kindController` of src/controllers/kit/ builds it from a kind's ordered
 * steps and conditions (docs/adding-a-controller.md).
 */
export interface ControllerDefinition {
  /** Lower-case name for logs and metric labels, e.g. `gitsource`. */
  name: string;
  /** The primary kind: each of its changes enqueues its own key. */
  for: ResourceType;
  /** Filters primary-kind events (default: every event). */
  predicate?: (event: InformerEvent<KubeObject>) => boolean;
  /** Child kinds: a change of a child enqueues the key of its controller ownerReference of the `for` kind. */
  owns?: ResourceType[];
  /** Other kinds mapped to primary keys (cross-kind references, docs/style.md §7). */
  watches?: WatchSpec[];
  reconcile: Reconciler;
  /** Workers, i.e. reconciles running at once (each on a different key). Default 2. */
  concurrency?: number;
  /** Per-key backoff after a failed reconcile. Default 100 ms doubling to 5 min. */
  backoff?: BackoffPolicy;
}

/**
 * Everything a controller may use, injected (docs/style.md §10). `kube` refuses writes while this replica is not
 * the leader; `informers` gives shared caches (`deps.informers.for(res).get(name, ns)`); `events` records
 * Kubernetes Events whose reason is the condition reason.
 */
export interface ControllerDeps {
  kube: KubeClient;
  informers: InformerFactory;
  clock: Clock;
  log: Logger;
  metrics: OperatorMetrics;
  events: EventRecorder;
  /** Process-wide settings from the command line. */
  settings: OperatorSettings;
}

/** Settings shared by controllers, from `cairn operator` flags. */
export interface OperatorSettings {
  /** `--allow-file-urls`: accept file:// URLs in GitSources, Datasets and ModelVersions (development only). */
  allowFileUrls: boolean;
  /** Where Git checkouts are cached. */
  gitCacheDir: string;
  /** Field manager for server-side apply. */
  fieldManager: string;
}

export type ControllerFactory = (deps: ControllerDeps) => ControllerDefinition;

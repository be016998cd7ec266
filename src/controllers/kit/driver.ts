/**
 * The reconcile driver every Cairn controller runs on (docs/adding-a-controller.md). A kind declares its
 * conditions and an ordered list of steps; the driver does the rest, the same way for every kind:
 *
 * 1. read the object from the informer cache; gone (or being deleted) -> forget its in-memory state, done;
 * 2. `spec.suspend: true` -> say so (a `Suspended` Event), touch nothing;
 * 3. run the steps in order over one in-memory copy (docs/style.md §2); a step returns `'stop'` to end early
 *    or throws a typed error (src/runtime/errors.ts) to say why it cannot go on;
 * 4. turn the outcome into conditions (Ready summarised from the others), set observedGeneration, and write
 *    status once, only when it changed (docs/style.md §4);
 * 5. record an Event on each condition transition, its reason the condition's reason;
 *    (counted: cairn_status_writes_total, cairn_condition_transitions_total; the runner counts the reconciles)
 * 6. hand the requeue to the work queue: the earliest a step asked for, or the kind's resync interval;
 *    typed errors are rethrown so the runner applies their requeue and counts them in the metrics.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { ControllerDefinition, ControllerDeps, ReconcileContext, ReconcileRequest, WatchSpec } from '../../runtime/controller.js';
import { describeError, StalledError, TransientError, WaitingError, isStalled, isWaiting } from '../../runtime/errors.js';
import type { InformerEvent } from '../../runtime/informer.js';
import { isNotFound } from '../../runtime/kube/errors.js';
import { mutableCopy, type KubeObject, type ObjectMeta } from '../../runtime/kube/object.js';
import type { ResourceType } from '../../runtime/kube/resource.js';
import { keyOf } from '../../runtime/keys.js';
import { controllerOwnerKeys } from '../../runtime/predicates.js';
import { done, requeueAfter, type Outcome, type Result } from '../../runtime/result.js';
import type { BackoffPolicy } from '../../runtime/backoff.js';
import { applyChildren, childSelector, type ApplyChildrenOptions, type ChildrenOutcome } from './children.js';
import { ConditionSet, KitReason, transitions, type Condition, type Failure, type KindConditions } from './conditions.js';

/** The shape the driver needs of a cairn.dev object. */
export interface ReconciledObject extends KubeObject {
  metadata: ObjectMeta & { name: string };
  spec?: unknown;
  status?: { observedGeneration?: number; conditions?: readonly Condition[] };
}

type StatusOf<T extends ReconciledObject> = NonNullable<T['status']>;

/** What a step works on: one object, its status draft and conditions, and the controller's I/O. */
export interface Scope<T extends ReconciledObject> {
  /** A mutable copy of the cached object; read the spec here. */
  readonly object: T;
  /** The status to write, starting as a copy of the last written one; change it in place. */
  readonly status: StatusOf<T>;
  readonly conditions: ConditionSet;
  readonly deps: ControllerDeps;
  readonly log: Logger;
  /** Aborted when leadership is lost or at shutdown: pass it to every long I/O. */
  readonly signal: AbortSignal;
  readonly key: string;
  /** When this reconcile started (the injected clock, ms). */
  readonly startedAt: number;
  /** Reconcile again after `ms` at the latest (several calls: the earliest wins). */
  requeueAfter(ms: number): void;
  /** An Event besides the condition transitions the driver records (e.g. `Pruned`). */
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** applyChildren for this object, over the kind's child informers. */
  applyChildren(desired: readonly KubeObject[]): Promise<ChildrenOutcome>;
  /**
   * applyChildren at the end of the reconcile, at the same time as the status write instead of before it: one
   * round trip to the API server where applyChildren then the status take two. For children whose outcome the
   * status need not state, since it is computed before they are applied. A failed apply becomes a
   * TransientError(`reason`): the status is written again with it (Ready=False) and the key backs off; a failed
   * prune is left to the next reconcile, and the reconcile does not wait for the prunes (the deletes go on after it).
   * At most once per reconcile (the call prunes what it does not list).
   */
  applyChildrenWithStatus(desired: readonly KubeObject[], reason: string): void;
  /**
   * The status draft differs from the written status only in what may show late (an Experiment's trial going from
   * Pending to Running): its write waits, up to `maxLagMs` after the first reconcile that deferred it, and goes
   * with the first write a later reconcile makes for another reason. The key is then not held for a write nobody
   * waits for. Ignored when the reconcile fails, and for the children of applyChildrenWithStatus (applied anyway).
   */
  deferStatus(maxLagMs: number): void;
}

/** A step's verdict: nothing (go on) or `'stop'` (the rest has nothing to do this time). */
export type StepResult = void | 'stop';
export type Step<T extends ReconciledObject> = (scope: Scope<T>) => Promise<StepResult> | StepResult;

export interface KindController<T extends ReconciledObject> {
  /** Lower-case controller name, for logs and metric labels. */
  name: string;
  resource: ResourceType;
  conditions: KindConditions;
  /** Run in order; named functions, since a failure is logged with the step's name. */
  steps: ReadonlyArray<Step<T>>;
  /** Filters events of the kind itself (default: every event). */
  predicate?: (event: InformerEvent<KubeObject>) => boolean;
  /** Kinds this one creates: watched through {@link childSelector}, mapped to their controlling owner, pruned by applyChildren. */
  children?: readonly ResourceType[];
  /** Filters the events of a child kind, by its `kind` (e.g. `Job`: jobOutcomeChanged); default every event. */
  childPredicates?: Readonly<Record<string, (event: InformerEvent<KubeObject>) => boolean>>;
  watches?: WatchSpec[];
  concurrency?: number;
  backoff?: BackoffPolicy;
  /** The object is gone: drop what is kept in memory for it. */
  forget?(req: ReconcileRequest): void;
  /** Look again after this long even if nothing changes (e.g. `spec.interval`); also after a stall. */
  resyncAfterMs?(object: T): number | undefined;
  /** Default: `spec.suspend === true`. */
  suspended?(object: T): boolean;
  /** Called once the status is written, with how the reconcile ended (kind-specific metrics). */
  after?(scope: Scope<T>, outcome: Outcome): void;
}

const isSuspendedSpec = (object: ReconciledObject): boolean => (object.spec as { suspend?: unknown } | undefined)?.suspend === true;

/** Builds the runtime's ControllerDefinition for a kind from its steps. */
/** How soon to look again while the cache has not caught up with this controller's own status write. */
const STALE_CACHE_RECHECK_MS = 100;

export function kindController<T extends ReconciledObject>(deps: ControllerDeps, kind: KindController<T>): ControllerDefinition {
  const cache = deps.informers.for<T>(kind.resource);
  const children = kind.children ?? [];
  // Touch every child informer now, so a term waits for their caches before the first reconcile.
  for (const res of children) deps.informers.for(res, { labelSelector: childSelector });

  /**
   * Key -> the resourceVersion the cache showed when this controller last wrote the object's status. While the
   * cache still shows it, the cache has not caught up with that write: a reconcile from it would decide again
   * from the state before (start a Job, re-create a child it just pruned), so it waits for the cache instead.
   */
  const writtenOver = new Map<string, string>();
  /**
   * Keys whose reconcile found the cache behind its own status write and is waiting for it. The kind's predicate
   * usually drops the echo of its own status write (no reconcile per write); for these keys it passes, so the
   * reconcile runs as soon as the cache shows the write instead of at the next look (a pod end waiting here would
   * otherwise wait up to STALE_CACHE_RECHECK_MS more).
   */
  const waitingForCache = new Set<string>();
  /** Key -> when a reconcile first deferred its status write (deferStatus), until a status write is made. */
  const deferredSince = new Map<string, number>();
  const caughtUp = (event: InformerEvent<KubeObject>): boolean => {
    if (event.type !== 'update') return false;
    const key = keyOf(event.object.metadata?.namespace, event.object.metadata?.name ?? '');
    if (!waitingForCache.has(key) || writtenOver.get(key) === event.object.metadata?.resourceVersion) return false;
    waitingForCache.delete(key);
    return true;
  };

  async function reconcile(req: ReconcileRequest, ctx: ReconcileContext): Promise<Result> {
    const cached = cache.get(req.name, req.namespace);
    waitingForCache.delete(req.key);
    if (!cached || cached.metadata?.deletionTimestamp) {
      writtenOver.delete(req.key);
      deferredSince.delete(req.key);
      kind.forget?.(req);
      return done;
    }
    const version = cached.metadata?.resourceVersion;
    if (version !== undefined && writtenOver.get(req.key) === version) {
      waitingForCache.add(req.key);
      return requeueAfter(STALE_CACHE_RECHECK_MS);
    }
    writtenOver.delete(req.key);
    const object = mutableCopy(cached) as T;
    if ((kind.suspended ?? isSuspendedSpec)(object)) {
      ctx.log.debug(`Skipped suspended ${object.kind}`);
      deps.events.record(object, 'Normal', KitReason.Suspended, `Reconciliation is suspended (spec.suspend); nothing is changed until it is resumed`);
      return done;
    }
    const generation = object.metadata.generation;
    const { conditions: previousConditions, ...rest } = (object.status ?? {}) as StatusOf<T>;
    const status = structuredClone(rest) as StatusOf<T>;
    const conditions = new ConditionSet(previousConditions as Condition[] | undefined, kind.conditions, new Date(deps.clock.now()).toISOString(), generation);
    let requeueMs: number | undefined;
    let withStatus: { desired: readonly KubeObject[]; reason: string } | undefined;
    let deferMs: number | undefined;
    const applyOwnChildren = (desired: readonly KubeObject[], options?: ApplyChildrenOptions) =>
      applyChildren({ kube: deps.kube, fieldManager: deps.settings.fieldManager, signal: ctx.signal, cache: (res) => deps.informers.for(res, { labelSelector: childSelector }) }, object, desired, children, options);
    const scope: Scope<T> = {
      object,
      status,
      conditions,
      deps,
      log: ctx.log,
      signal: ctx.signal,
      key: req.key,
      startedAt: deps.clock.now(),
      requeueAfter: (ms) => {
        requeueMs = requeueMs === undefined ? ms : Math.min(requeueMs, ms);
      },
      event: (type, reason, message) => deps.events.record(object, type, reason, message),
      applyChildren: (desired) => applyOwnChildren(desired),
      applyChildrenWithStatus: (desired, reason) => {
        if (withStatus) throw new Error('applyChildrenWithStatus was called twice in one reconcile: the second call would prune the children of the first');
        withStatus = { desired, reason };
      },
      deferStatus: (maxLagMs) => {
        deferMs = deferMs === undefined ? maxLagMs : Math.min(deferMs, maxLagMs);
      },
    };

    let error: unknown;
    for (const step of kind.steps) {
      try {
        if ((await step(scope)) === 'stop') break;
      } catch (err) {
        if (ctx.signal.aborted) throw err; // shutting down or no longer leading: write nothing
        error = err;
        if (!isStalled(err) && !isWaiting(err)) ctx.log.debug({ step: step.name, err: describeError(err) }, 'Step failed');
        break;
      }
    }

    const statusOf = (failure: Failure | undefined) => ({ ...status, ...(generation !== undefined ? { observedGeneration: generation } : {}), conditions: conditions.result(failure) }) as StatusOf<T>;
    let next = statusOf(failureOf(error));
    let writeNow = true;
    if (deferMs !== undefined && error === undefined && !isDeepStrictEqual(next, object.status ?? {})) {
      const since = deferredSince.get(req.key) ?? scope.startedAt;
      const waited = scope.startedAt - since;
      if (waited < deferMs) {
        deferredSince.set(req.key, since);
        scope.requeueAfter(deferMs - waited);
        writeNow = false;
      }
    }
    const [firstWrite, childrenError] = await Promise.all([
      writeNow ? writeStatus(object, next, object.status, ctx) : undefined,
      withStatus && applyWithStatus(applyOwnChildren, withStatus),
    ]);
    let written = firstWrite;
    if (childrenError && error === undefined) {
      // Rare: the status just written said nothing of the failed apply; it is written again with it.
      error = childrenError;
      const before = next;
      next = statusOf(failureOf(error));
      written = (await writeStatus(object, next, firstWrite === undefined ? object.status : before, ctx)) ?? written;
      writeNow = true;
    }
    if (written !== undefined) deferredSince.delete(req.key);
    // Only a write that made a new version: a no-op apply (the server already held this status) leaves the
    // version as it was, and waiting for the cache to move past it would wait for nothing.
    if (version !== undefined && written !== undefined && written !== version) writtenOver.set(req.key, version);
    // A deferred write's transitions are recorded when it is made.
    for (const t of writeNow ? transitions(previousConditions, next.conditions as Condition[], kind.conditions) : []) {
      deps.events.record(object, t.type, t.condition.reason, t.condition.message);
      deps.metrics.conditionTransitions.inc({ controller: kind.name, type: t.condition.type, status: t.condition.status });
    }

    const resync = kind.resyncAfterMs?.(object);
    const outcome: Outcome = isStalled(error) ? 'stalled' : isWaiting(error) ? 'waiting' : error ? 'error' : requeueMs !== undefined || resync !== undefined ? 'requeue' : 'success';
    kind.after?.(scope, outcome);
    if (isStalled(error)) {
      if (resync !== undefined && error.retryAfterMs === undefined) throw new StalledError(error.reason, error.message, { cause: error, retryAfterMs: resync });
      throw error;
    }
    if (error) throw error;
    const after = [requeueMs, resync].filter((ms): ms is number => ms !== undefined);
    return after.length > 0 ? requeueAfter(Math.min(...after)) : done;
  }

  /** Server-side apply of the whole status, only when it differs from `previous` (what the cache holds); the new resourceVersion. */
  async function writeStatus(object: T, next: StatusOf<T>, previous: T['status'], ctx: ReconcileContext): Promise<string | undefined> {
    if (isDeepStrictEqual(next, previous ?? {})) return undefined;
    try {
      const written = await deps.kube.applyStatus(
        kind.resource,
        { apiVersion: object.apiVersion, kind: object.kind, metadata: { name: object.metadata.name, namespace: object.metadata.namespace }, status: next } as KubeObject,
        { fieldManager: deps.settings.fieldManager, force: true, signal: ctx.signal },
      );
      deps.metrics.statusWrites.inc({ controller: kind.name });
      return written?.metadata?.resourceVersion;
    } catch (err) {
      if (isNotFound(err)) return undefined; // deleted meanwhile
      throw err;
    }
  }

  return {
    name: kind.name,
    for: kind.resource,
    ...(kind.predicate ? { predicate: (event: InformerEvent<KubeObject>) => kind.predicate!(event) || caughtUp(event) } : {}),
    watches: [
      ...children.map((resource) => {
        const predicate = kind.childPredicates?.[resource.kind];
        return { resource, labelSelector: childSelector, map: controllerOwnerKeys(kind.resource), ...(predicate ? { predicate } : {}) };
      }),
      ...(kind.watches ?? []),
    ],
    reconcile,
    ...(kind.concurrency !== undefined ? { concurrency: kind.concurrency } : {}),
    ...(kind.backoff ? { backoff: kind.backoff } : {}),
  };
}

/** Applies children deferred with applyChildrenWithStatus; the TransientError of the first failed apply, if any. */
async function applyWithStatus(
  apply: (desired: readonly KubeObject[], options: ApplyChildrenOptions) => Promise<ChildrenOutcome>,
  deferred: { desired: readonly KubeObject[]; reason: string },
): Promise<TransientError | undefined> {
  // A failed prune is the next reconcile's anyway: the key is not held for the deletes.
  const outcome = await apply(deferred.desired, { detachPrunes: true });
  const failed = outcome.errors.find((e) => e.action === 'apply');
  return failed ? new TransientError(deferred.reason, `${failed.kind} ${failed.name}: ${failed.message}`) : undefined;
}

/** The conditions a thrown error stands for: its own reason when typed, ReconcileFailed otherwise. */
export function failureOf(error: unknown): Failure | undefined {
  if (error === undefined) return undefined;
  if (error instanceof StalledError) return { kind: 'stalled', reason: error.reason, message: error.message };
  if (error instanceof WaitingError) return { kind: 'waiting', reason: error.reason, message: error.message };
  if (error instanceof TransientError) return { kind: 'error', reason: error.reason, message: error.message };
  return { kind: 'error', reason: KitReason.ReconcileFailed, message: describeError(error) };
}

import type { Logger } from 'pino';
import type { BackoffPolicy } from './backoff.js';
import type { Clock } from './clock.js';
import { describeError } from './errors.js';
import { keyOf, objectKey } from './keys.js';
import type { KubeClient } from './kube/client.js';
import type { Frozen, KubeObject } from './kube/object.js';
import { resourceId, type ResourceType } from './kube/resource.js';
import type { OperatorMetrics } from './metrics.js';
import { Reflector, type ReflectorSink } from './reflector.js';

/** A change seen by an informer. Handlers map it to work-queue keys; they never reconcile from it directly. */
export type InformerEvent<T> =
  | { type: 'add'; object: Frozen<T> }
  | { type: 'update'; object: Frozen<T>; old: Frozen<T> }
  | { type: 'delete'; object: Frozen<T> };

export type InformerHandler<T> = (event: InformerEvent<T>) => void;

/** Read access to an informer's cache. Objects are deeply frozen: copy with `mutableCopy` before changing. */
export interface Cache<T> {
  get(name: string, namespace?: string): Frozen<T> | undefined;
  /** Every cached object, or those of one namespace. */
  list(namespace?: string): Frozen<T>[];
  hasSynced(): boolean;
}

export interface InformerOptions {
  kube: KubeClient;
  resource: ResourceType;
  /** Namespaces to watch; empty or undefined watches all namespaces (ignored for cluster-scoped kinds). */
  namespaces?: readonly string[];
  labelSelector?: string;
  clock: Clock;
  log: Logger;
  metrics?: OperatorMetrics;
  backoff?: BackoffPolicy;
}

export interface InformerHealth {
  resource: string;
  synced: boolean;
  watching: boolean;
  lastError?: string;
}

/**
 * A cache of one resource type kept current by list+watch (one {@link Reflector} per watched namespace, or
 * one for all), with change handlers. The cache holds frozen objects, so no reconciler can mutate it.
 */
export class Informer<T extends KubeObject> implements Cache<T> {
  private readonly store = new Map<string, Frozen<T>>();
  /** The same objects by namespace, so `list(namespace)` costs the namespace's objects, not the whole cache's. */
  private readonly byNamespace = new Map<string, Map<string, Frozen<T>>>();
  private readonly handlers = new Set<InformerHandler<T>>();
  private readonly reflectors: Reflector[];
  private readonly syncedScopes = new Set<number>();
  private syncWaiters: Array<() => void> = [];
  readonly id: string;

  constructor(private readonly o: InformerOptions) {
    this.id = resourceId(o.resource);
    const scopes: Array<string | undefined> = o.resource.namespaced && o.namespaces?.length ? [...o.namespaces] : [undefined];
    this.reflectors = scopes.map(
      (namespace, i) =>
        new Reflector({
          kube: o.kube,
          resource: o.resource,
          namespace,
          labelSelector: o.labelSelector,
          clock: o.clock,
          log: o.log,
          backoff: o.backoff,
          sink: this.sink,
          onSynced: () => this.markSynced(i),
          onRestart: () => o.metrics?.informerRestarts.inc({ resource: this.id }),
        }),
    );
  }

  get resource(): ResourceType {
    return this.o.resource;
  }

  get(name: string, namespace?: string): Frozen<T> | undefined {
    return this.store.get(keyOf(this.o.resource.namespaced ? namespace : undefined, name));
  }

  list(namespace?: string): Frozen<T>[] {
    if (namespace === undefined) return [...this.store.values()];
    return [...(this.byNamespace.get(namespace)?.values() ?? [])];
  }

  /** Adds a change handler; returns a function that removes it. */
  on(handler: InformerHandler<T>): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  start(): void {
    for (const r of this.reflectors) r.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.reflectors.map((r) => r.stop()));
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }

  /** True once every watched scope completed its first list. */
  hasSynced(): boolean {
    return this.syncedScopes.size === this.reflectors.length;
  }

  /** Resolves true when synced, false if `signal` aborts or the informer stops first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.hasSynced()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onAbort = (): void => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.hasSynced());
      });
    });
  }

  health(): InformerHealth {
    const lastError = this.reflectors.map((r) => r.lastError).find((e) => e !== undefined);
    return { resource: this.id, synced: this.hasSynced(), watching: this.reflectors.every((r) => r.watching), ...(lastError ? { lastError } : {}) };
  }

  private markSynced(scope: number): void {
    this.syncedScopes.add(scope);
    if (!this.hasSynced()) return;
    this.o.metrics?.informerSynced.set({ resource: this.id }, 1);
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }

  private put(key: string, obj: Frozen<T>): void {
    this.store.set(key, obj);
    const namespace = obj.metadata?.namespace;
    if (namespace === undefined) return;
    let inNamespace = this.byNamespace.get(namespace);
    if (!inNamespace) this.byNamespace.set(namespace, (inNamespace = new Map()));
    inNamespace.set(key, obj);
  }

  private drop(key: string): void {
    const namespace = this.store.get(key)?.metadata?.namespace;
    this.store.delete(key);
    if (namespace === undefined) return;
    const inNamespace = this.byNamespace.get(namespace);
    inNamespace?.delete(key);
    if (inNamespace?.size === 0) this.byNamespace.delete(namespace);
  }

  private emit(event: InformerEvent<T>): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (err) {
        this.o.log.error({ resource: this.id, err: describeError(err) }, 'Informer handler failed');
      }
    }
  }

  private readonly sink: ReflectorSink = {
    replace: (namespace, items) => {
      const fresh = new Map(items.map((i) => [objectKey(i), i as unknown as Frozen<T>]));
      for (const [key, old] of this.store) {
        const inScope = namespace === undefined || old.metadata?.namespace === namespace;
        if (inScope && !fresh.has(key)) {
          this.drop(key);
          this.emit({ type: 'delete', object: old });
        }
      }
      for (const item of fresh.values()) this.sink.upsert(item as Frozen<KubeObject>);
    },
    upsert: (obj) => {
      const key = objectKey(obj);
      const next = obj as unknown as Frozen<T>;
      const old = this.store.get(key);
      this.put(key, next);
      if (!old) this.emit({ type: 'add', object: next });
      else if (old.metadata?.resourceVersion !== next.metadata?.resourceVersion) this.emit({ type: 'update', object: next, old });
    },
    remove: (obj) => {
      const key = objectKey(obj);
      const old = this.store.get(key);
      this.drop(key);
      this.emit({ type: 'delete', object: old ?? (obj as unknown as Frozen<T>) });
    },
  };
}

import type { Logger } from 'pino';
import { backoffDelay, watchBackoff, withJitter, type BackoffPolicy } from './backoff.js';
import { sleep, type Clock } from './clock.js';
import { describeError } from './errors.js';
import type { KubeClient, WatchEventType } from './kube/client.js';
import { isGone } from './kube/errors.js';
import { deepFreeze, type Frozen, type KubeObject } from './kube/object.js';
import type { ResourceType } from './kube/resource.js';

/** Where a reflector puts what it lists and watches (the informer's store). */
export interface ReflectorSink {
  /** A complete list for this reflector's scope: everything else in scope is gone. */
  replace(namespace: string | undefined, items: Frozen<KubeObject>[]): void;
  upsert(obj: Frozen<KubeObject>): void;
  remove(obj: Frozen<KubeObject>): void;
}

export interface ReflectorOptions {
  kube: KubeClient;
  resource: ResourceType;
  /** One namespace, or undefined for all namespaces / cluster-scoped resources. */
  namespace?: string;
  labelSelector?: string;
  clock: Clock;
  log: Logger;
  backoff?: BackoffPolicy;
  sink: ReflectorSink;
  /** Called after every list that completed, and on each restart after an error. */
  onSynced?: () => void;
  onRestart?: (err: unknown) => void;
}

/** A watch that ended in less than this, without any event, counts as a failure (no tight reconnect loop). */
const MIN_HEALTHY_WATCH_MS = 1_000;

type WatchEnd = { kind: 'closed'; events: number } | { kind: 'gone' } | { kind: 'error'; err: unknown };

/**
 * List, then watch from the list's resourceVersion, forever: the loop client-go calls a reflector.
 * - a watch that ends normally (server timeout, client-node's 30 s idle cut) is reopened at once from the last
 *   resourceVersion seen;
 * - 410 Gone (as a status or an ERROR event) relists: the store is replaced, deletes missed meanwhile surface;
 * - any other error (API server down, connection dropped, 5xx, 403) restarts after capped exponential backoff
 *   with jitter, from the last resourceVersion, and never stops the loop (client-node's ListWatch stops on
 *   such errors and leaves the restart to the caller);
 * - objects are deep-frozen before they reach the store.
 */
export class Reflector {
  private stopped = false;
  private readonly stop$ = new AbortController();
  private stopWatch: (() => void) | undefined;
  private resourceVersion = '';
  private failures = 0;
  private loop: Promise<void> | undefined;
  lastError: string | undefined;
  watching = false;

  constructor(private readonly o: ReflectorOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stop$.abort();
    this.stopWatch?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { kube, resource, namespace, labelSelector, log } = this.o;
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) {
          const list = await kube.list(resource, { namespace, labelSelector, signal: this.stop$.signal });
          if (this.stopped) return;
          this.o.sink.replace(namespace, list.items.map((i) => deepFreeze(withoutManagedFields(i))));
          this.resourceVersion = list.resourceVersion;
          this.o.onSynced?.();
        }
        const started = this.o.clock.now();
        const end = await this.watchOnce();
        if (this.stopped) return;
        if (end.kind === 'gone') {
          log.info({ resource: resource.plural, namespace }, 'Watch expired, relisting');
          this.resourceVersion = '';
          continue;
        }
        if (end.kind === 'error') throw end.err;
        if (end.events === 0 && this.o.clock.now() - started < MIN_HEALTHY_WATCH_MS) {
          throw new Error('Watch closed immediately');
        }
        this.failures = 0;
      } catch (err) {
        if (this.stopped) return;
        if (isGone(err)) {
          this.resourceVersion = '';
          continue;
        }
        this.failures++;
        this.lastError = describeError(err);
        const delay = withJitter(backoffDelay(this.o.backoff ?? watchBackoff, this.failures), 0.2);
        log.warn({ resource: resource.plural, namespace, err: this.lastError, retryInMs: delay }, 'Watch failed, restarting');
        this.o.onRestart?.(err);
        await sleep(this.o.clock, delay, this.stop$.signal);
      }
    }
  }

  private watchOnce(): Promise<WatchEnd> {
    const { kube, resource, namespace, labelSelector, sink } = this.o;
    return new Promise<WatchEnd>((resolve) => {
      let events = 0;
      let settled = false;
      let gone = false;
      const finish = (end: WatchEnd): void => {
        if (settled) return;
        settled = true;
        this.watching = false;
        this.stopWatch = undefined;
        resolve(end);
      };
      const onEvent = (type: WatchEventType, obj: KubeObject & Record<string, unknown>): void => {
        if (type === 'ERROR') {
          const code = (obj as { code?: number }).code;
          if (code === 410) gone = true;
          else this.lastError = `Watch error event: ${String((obj as { message?: string }).message ?? code)}`;
          return;
        }
        events++;
        this.failures = 0;
        this.lastError = undefined;
        const rv = obj.metadata?.resourceVersion;
        if (type !== 'BOOKMARK') {
          const frozen = deepFreeze(withoutManagedFields(obj));
          if (type === 'DELETED') sink.remove(frozen);
          else sink.upsert(frozen);
        }
        if (rv) this.resourceVersion = rv;
      };
      kube
        .watch(resource, { namespace, labelSelector, resourceVersion: this.resourceVersion }, onEvent, (err) => {
          if (gone || isGone(err)) finish({ kind: 'gone' });
          else if (err) finish({ kind: 'error', err });
          else finish({ kind: 'closed', events });
        })
        .then((handle) => {
          if (settled) return;
          this.watching = true;
          this.stopWatch = () => {
            handle.stop();
            finish({ kind: 'closed', events });
          };
          if (this.stopped) this.stopWatch();
        })
        .catch((err: unknown) => finish({ kind: 'error', err }));
    });
  }
}

/**
 * The object without metadata.managedFields, which no reconciler reads (server-side apply computes ownership on
 * the server) and which is often the largest part of an object: a cache of Jobs or Pods holds a fraction of the
 * memory without it (controller-runtime's TransformStripManagedFields).
 */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  const meta = obj.metadata as (T['metadata'] & { managedFields?: unknown }) | undefined;
  if (meta?.managedFields === undefined) return obj;
  delete meta.managedFields;
  return obj;
}

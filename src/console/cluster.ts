/**
 * The cluster as the console's user sees it: one informer (list + watch) per cairn.dev kind, with the user's
 * own credentials, so their RBAC decides what the page shows. A kind the API server refuses to list (403) is
 * `forbidden`: the page says "not permitted" for it, and the console asks again every `recheckMs` in case a
 * Role was granted meanwhile. Every change becomes a {@link ConsoleEvent} for the page, and the histories of
 * src/console/history.ts grow from the same changes.
 */
import type { Logger } from 'pino';
import { cairnResource } from '../controllers/resources.js';
import type { Clock, Timer } from '../runtime/clock.js';
import { describeError } from '../runtime/errors.js';
import { Informer } from '../runtime/informer.js';
import type { KubeClient } from '../runtime/kube/client.js';
import { KubeApiError } from '../runtime/kube/errors.js';
import type { KubeObject } from '../runtime/kube/object.js';
import { driftPointOf, sameWeights, weightPointOf } from './history.js';
import { applyEvent, CONSOLE_KINDS, emptyState, keyOfObject, type ConsoleEvent, type ConsoleKind, type ConsoleObject, type ConsoleState } from './model.js';

export interface ClusterViewOptions {
  kube: KubeClient;
  /** Watch one namespace; undefined watches all (which needs cluster-wide list rights). */
  namespace?: string;
  readOnly: boolean;
  clock: Clock;
  log: Logger;
  /** How often a forbidden kind is asked for again (default 30 s). */
  recheckMs?: number;
}

export class ClusterView {
  private current: ConsoleState;
  private readonly listeners = new Set<(event: ConsoleEvent) => void>();
  private readonly informers: Informer<KubeObject>[] = [];
  private readonly timers = new Set<Timer>();
  private stopped = false;

  constructor(private readonly o: ClusterViewOptions) {
    this.current = emptyState(o.readOnly, o.namespace);
  }

  /** The whole state now (what a page that just connected gets first). */
  state(): ConsoleState {
    return this.current;
  }

  /** Calls `listener` with every event from now on; returns a function that stops it. */
  subscribe(listener: (event: ConsoleEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    for (const kind of CONSOLE_KINDS) void this.watchKind(kind);
  }

  /** Resolves once every kind is either synced or known to be forbidden. */
  async settled(signal?: AbortSignal): Promise<void> {
    while (!this.stopped && !signal?.aborted && CONSOLE_KINDS.some((k) => this.current.kinds[k].access === 'loading')) {
      await new Promise<void>((resolve) => {
        const off = this.subscribe(() => {
          off();
          resolve();
        });
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) t.cancel();
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  private emit(event: ConsoleEvent): void {
    this.current = applyEvent(this.current, event);
    for (const listener of this.listeners) listener(event);
  }

  /** Asks once whether the user may list the kind; starts its informer if so. */
  private async watchKind(kind: ConsoleKind): Promise<void> {
    const resource = cairnResource(kind);
    try {
      await this.o.kube.list(resource, this.o.namespace ? { namespace: this.o.namespace } : {});
    } catch (err) {
      if (this.stopped) return;
      if (err instanceof KubeApiError && err.status === 403) {
        this.o.log.info({ kind }, 'Found the kind not permitted to list; the console shows it as such');
        this.emit({ type: 'access', kind, access: 'forbidden', message: err.message });
        const timer = this.o.clock.setTimer(this.o.recheckMs ?? 30_000, () => {
          this.timers.delete(timer);
          if (!this.stopped) void this.watchKind(kind);
        });
        this.timers.add(timer);
        return;
      }
      // Anything else (API server down): the informer retries with backoff; the page says why meanwhile.
      this.emit({ type: 'access', kind, access: 'error', message: describeError(err) });
    }
    if (this.stopped) return;
    const informer = new Informer<KubeObject>({
      kube: this.o.kube,
      resource,
      ...(this.o.namespace ? { namespaces: [this.o.namespace] } : {}),
      clock: this.o.clock,
      log: this.o.log,
    });
    informer.on((event) => {
      const object = event.object as unknown as ConsoleObject;
      if (event.type === 'delete') {
        this.emit({ type: 'delete', kind, namespace: object.metadata?.namespace ?? '', name: object.metadata?.name ?? '' });
        return;
      }
      this.emit({ type: 'upsert', kind, object });
      this.record(kind, object);
    });
    this.informers.push(informer);
    informer.start();
    await informer.waitForSync();
    if (!this.stopped) this.emit({ type: 'access', kind, access: 'permitted' });
  }

  /** Grows the histories from one observed object. */
  private record(kind: ConsoleKind, object: ConsoleObject): void {
    const key = keyOfObject(object);
    if (kind === 'Deployment') {
      const point = weightPointOf(object, new Date(this.o.clock.now()).toISOString());
      if (point && !sameWeights(this.current.weights[key]?.at(-1), point)) this.emit({ type: 'weight', key, point });
    } else if (kind === 'DriftMonitor') {
      const point = driftPointOf(object);
      if (point && this.current.drift[key]?.at(-1)?.at !== point.at) this.emit({ type: 'drift', key, point });
    }
  }
}

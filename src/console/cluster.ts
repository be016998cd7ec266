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
import { builtin, type ResourceType } from '../runtime/kube/resource.js';
import { LABEL_OWNER_NAME, LABEL_RUN } from '../render/labels.js';
import { trialTableKey } from '../render/trial-table.js';
import { parseTable } from '../training/table.js';
import { driftPointOf, eventRowOf, sameWeights, weightPointOf, type CoreEvent } from './history.js';
import { applyEvent, CONSOLE_KINDS, emptyState, keyOfObject, type Access, type ConsoleEvent, type ConsoleKind, type ConsoleObject, type ConsoleState, type TrialRow } from './model.js';

/** The ConfigMaps that hold Experiments' trial tables (src/render/trial-table.ts). */
const TRIAL_TABLE_SELECTOR = 'app.kubernetes.io/component=trial-table,app.kubernetes.io/managed-by=cairn';

export interface ClusterViewOptions {
  kube: KubeClient;
  /** The namespaces to watch; empty or undefined watches all (which needs cluster-wide list rights). */
  namespaces?: readonly string[];
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
    this.current = emptyState(o.readOnly, o.namespaces?.length ? o.namespaces.join(', ') : undefined);
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
    void this.watchTrialTables();
    void this.watchEvents();
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

  private watchKind(kind: ConsoleKind): Promise<void> {
    return this.watch(
      cairnResource(kind),
      undefined,
      (access, message) => this.emit({ type: 'access', kind, access, ...(message ? { message } : {}) }),
      (deleted, object) => {
        if (deleted) return this.emit({ type: 'delete', kind, namespace: object.metadata?.namespace ?? '', name: object.metadata?.name ?? '' });
        this.emit({ type: 'upsert', kind, object });
        this.record(kind, object);
      },
    );
  }

  /** The Experiments' full trial tables (ConfigMaps `<experiment>-trials`): status keeps only the recent trials. */
  private watchTrialTables(): Promise<void> {
    return this.watch(
      builtin.configMap,
      TRIAL_TABLE_SELECTOR,
      (access, message) => this.emit({ type: 'trials-access', access, ...(message ? { message } : {}) }),
      (deleted, object) => {
        const cm = object as ConsoleObject & { data?: Record<string, string>; metadata?: { ownerReferences?: Array<{ kind: string; name: string }> } };
        const experiment = cm.metadata?.ownerReferences?.find((r) => r.kind === 'Experiment')?.name ?? cm.metadata?.labels?.[LABEL_OWNER_NAME];
        if (!experiment) return;
        const key = `${cm.metadata?.namespace ?? ''}/${experiment}`;
        if (deleted) return this.emit({ type: 'trials', key, table: null });
        const run = Number(cm.data?.run ?? cm.metadata?.labels?.[LABEL_RUN]);
        const records = [...parseTable(cm.data?.[trialTableKey]).values()] as TrialRow[];
        this.emit({ type: 'trials', key, table: { run: Number.isFinite(run) ? run : 0, records } });
      },
    );
  }

  /**
   * Events about cairn.dev objects (promotions, rollbacks, failed analyses, drift): the history status does not
   * keep. The informer has no field selector, so Events about other objects are skipped here.
   */
  private watchEvents(): Promise<void> {
    return this.watch(
      builtin.coreEvent,
      undefined,
      (access, message) => this.emit({ type: 'events-access', access, ...(message ? { message } : {}) }),
      (deleted, object) => {
        if (deleted) return; // an Event expiring (TTL) does not erase what happened
        const row = eventRowOf(object as unknown as CoreEvent);
        if (row) this.emit({ type: 'event', key: row.key, event: row.event });
      },
    );
  }

  /**
   * Asks once whether the user may list the resource; starts its informer if so. A 403 is reported as
   * `forbidden` and asked again after `recheckMs`; any other failure as `error` while the informer retries.
   */
  private async watch(
    resource: ResourceType,
    labelSelector: string | undefined,
    setAccess: (access: Access, message?: string) => void,
    onChange: (deleted: boolean, object: ConsoleObject) => void,
  ): Promise<void> {
    const namespaces = this.o.namespaces?.length ? this.o.namespaces : [undefined];
    try {
      for (const namespace of namespaces) await this.o.kube.list(resource, { ...(namespace ? { namespace } : {}), ...(labelSelector ? { labelSelector } : {}) });
    } catch (err) {
      if (this.stopped) return;
      if (err instanceof KubeApiError && err.status === 403) {
        this.o.log.info({ resource: resource.plural }, 'Found the resource not permitted to list; the console shows it as such');
        setAccess('forbidden', err.message);
        const timer = this.o.clock.setTimer(this.o.recheckMs ?? 30_000, () => {
          this.timers.delete(timer);
          if (!this.stopped) void this.watch(resource, labelSelector, setAccess, onChange);
        });
        this.timers.add(timer);
        return;
      }
      // Anything else (API server down): the informer retries with backoff; the page says why meanwhile.
      setAccess('error', describeError(err));
    }
    if (this.stopped) return;
    const informer = new Informer<KubeObject>({
      kube: this.o.kube,
      resource,
      ...(this.o.namespaces?.length ? { namespaces: this.o.namespaces } : {}),
      ...(labelSelector ? { labelSelector } : {}),
      clock: this.o.clock,
      log: this.o.log,
    });
    informer.on((event) => onChange(event.type === 'delete', event.object as unknown as ConsoleObject));
    this.informers.push(informer);
    informer.start();
    await informer.waitForSync();
    if (!this.stopped) setAccess('permitted');
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

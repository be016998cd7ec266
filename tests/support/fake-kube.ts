import { randomUUID } from 'node:crypto';
import type {
  ApplyOptions,
  DeleteOptions,
  KubeClient,
  ListOptions,
  ListResult,
  PatchOptions,
  RequestOptions,
  WatchEventType,
  WatchHandle,
  WatchHandler,
  WatchOptions,
  WriteOptions,
} from '../../src/runtime/kube/client.js';
import { KubeApiError } from '../../src/runtime/kube/errors.js';
import type { KubeObject } from '../../src/runtime/kube/object.js';
import { apiVersionOf, resourceId, type ResourceType } from '../../src/runtime/kube/resource.js';
import { jsonPatch, matchesLabelSelector, mergePatch, type JsonPatchOp } from './patches.js';

/** One call recorded by {@link FakeKube}, in order: what a unit test asserts on (argo-rollouts' fixture style). */
export interface FakeAction {
  verb: 'get' | 'list' | 'watch' | 'create' | 'replace' | 'apply' | 'applyStatus' | 'patch' | 'delete';
  resource: string;
  namespace?: string;
  name?: string;
  body?: unknown;
}

type Obj = KubeObject & Record<string, unknown>;

interface Watcher {
  res: string;
  opts: WatchOptions;
  onEvent: WatchHandler;
  onDone: (err?: unknown) => void;
}

interface LoggedEvent {
  rv: number;
  res: string;
  type: WatchEventType;
  obj: Obj;
}

/**
 * An in-memory {@link KubeClient} for unit tests: resourceVersions, uids, generation bumps on spec changes,
 * optimistic concurrency on replace, AlreadyExists on create, a replayable watch with 410 Gone after
 * {@link compact}, and a log of {@link actions}. Server-side apply is approximated by a merge patch (no field
 * ownership). Integration tests use the real API server instead.
 */
export class FakeKube implements KubeClient {
  readonly actions: FakeAction[] = [];
  /** Called before every request; throw from it to inject a failure. */
  beforeRequest?: (action: FakeAction) => void;
  private readonly objects = new Map<string, Map<string, Obj>>();
  private readonly log: LoggedEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private rv = 1;
  private compactedUpTo = 0;

  /** Writes that changed something (create, replace, apply, patch, delete), for "no write when nothing changed". */
  writes(): FakeAction[] {
    return this.actions.filter((a) => a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch');
  }

  /** Current resourceVersion of the whole store. */
  currentResourceVersion(): string {
    return String(this.rv);
  }

  /** Forgets the watch history up to now: a watch from an older resourceVersion gets 410 Gone. */
  compact(): void {
    this.compactedUpTo = this.rv;
    this.log.length = 0;
  }

  /** Ends every open watch with `err` (a dropped connection), or normally when err is undefined. */
  breakWatches(err?: unknown): void {
    for (const w of [...this.watchers]) {
      this.watchers.delete(w);
      w.onDone(err);
    }
  }

  openWatches(): number {
    return this.watchers.size;
  }

  /** Seeds an object without recording an action. */
  seed<T extends KubeObject>(res: ResourceType, obj: T): T {
    return this.store(res, 'ADDED', this.prepareNew(res, obj as Obj)) as T;
  }

  async get<T extends KubeObject>(res: ResourceType, name: string, namespace?: string, _opts?: RequestOptions): Promise<T | undefined> {
    this.record({ verb: 'get', resource: resourceId(res), namespace, name });
    const found = this.bucket(res).get(key(res, name, namespace));
    return found ? (structuredClone(found) as T) : undefined;
  }

  async list<T extends KubeObject>(res: ResourceType, opts: ListOptions = {}): Promise<ListResult<T>> {
    this.record({ verb: 'list', resource: resourceId(res), namespace: opts.namespace });
    const items = [...this.bucket(res).values()].filter((o) => selected(res, o, opts)).map((o) => structuredClone(o) as T);
    return { items, resourceVersion: String(this.rv) };
  }

  async watch(res: ResourceType, opts: WatchOptions, onEvent: WatchHandler, onDone: (err?: unknown) => void): Promise<WatchHandle> {
    this.record({ verb: 'watch', resource: resourceId(res), namespace: opts.namespace });
    const from = Number(opts.resourceVersion ?? this.rv);
    const w: Watcher = { res: resourceId(res), opts, onEvent, onDone };
    if (from < this.compactedUpTo) {
      queueMicrotask(() => {
        onEvent('ERROR', { kind: 'Status', apiVersion: 'v1', code: 410, reason: 'Expired', message: 'too old resource version' } as Obj);
        onDone();
      });
      return { stop: () => undefined };
    }
    this.watchers.add(w);
    const backlog = this.log.filter((e) => e.res === w.res && e.rv > from);
    queueMicrotask(() => {
      for (const e of backlog) if (this.watchers.has(w) && selected(res, e.obj, opts)) onEvent(e.type, structuredClone(e.obj));
    });
    return { stop: () => void this.watchers.delete(w) };
  }

  async create<T extends KubeObject>(res: ResourceType, obj: T, _opts?: WriteOptions): Promise<T> {
    const o = obj as Obj;
    this.record({ verb: 'create', resource: resourceId(res), namespace: o.metadata?.namespace, name: o.metadata?.name, body: obj });
    let name = o.metadata?.name;
    if (!name && o.metadata?.generateName) name = o.metadata.generateName + randomUUID().slice(0, 5);
    const k = key(res, name ?? '', o.metadata?.namespace);
    if (this.bucket(res).has(k)) throw new KubeApiError(409, 'AlreadyExists', `${res.kind} "${name}" already exists`);
    return this.store(res, 'ADDED', this.prepareNew(res, { ...o, metadata: { ...o.metadata, name } })) as T;
  }

  async replace<T extends KubeObject>(res: ResourceType, obj: T, _opts?: WriteOptions): Promise<T> {
    const o = obj as Obj;
    this.record({ verb: 'replace', resource: resourceId(res), namespace: o.metadata?.namespace, name: o.metadata?.name, body: obj });
    const existing = this.mustGet(res, o.metadata?.name ?? '', o.metadata?.namespace);
    if (o.metadata?.resourceVersion && o.metadata.resourceVersion !== existing.metadata?.resourceVersion) {
      throw new KubeApiError(409, 'Conflict', `Operation cannot be fulfilled on ${res.plural} "${o.metadata.name}": the object has been modified`);
    }
    const next = { ...structuredClone(o), status: existing.status } as Obj;
    return this.update(res, existing, next) as T;
  }

  async apply<T extends KubeObject>(res: ResourceType, obj: T, opts: ApplyOptions): Promise<T> {
    const o = obj as Obj;
    this.record({ verb: 'apply', resource: resourceId(res), namespace: o.metadata?.namespace, name: o.metadata?.name, body: obj });
    const existing = this.bucket(res).get(key(res, o.metadata?.name ?? '', o.metadata?.namespace));
    if (!existing) return this.store(res, 'ADDED', this.prepareNew(res, structuredClone(o))) as T;
    const { status: _ignored, ...desired } = o;
    void opts;
    return this.update(res, existing, mergePatch(existing, desired) as Obj) as T;
  }

  async applyStatus<T extends KubeObject>(res: ResourceType, obj: T, _opts: ApplyOptions): Promise<T> {
    const o = obj as Obj;
    this.record({ verb: 'applyStatus', resource: resourceId(res), namespace: o.metadata?.namespace, name: o.metadata?.name, body: obj });
    const existing = this.mustGet(res, o.metadata?.name ?? '', o.metadata?.namespace);
    return this.update(res, existing, { ...existing, status: structuredClone(o.status) }, true) as T;
  }

  async patch<T extends KubeObject>(res: ResourceType, name: string, namespace: string | undefined, patch: unknown, opts: PatchOptions): Promise<T> {
    this.record({ verb: 'patch', resource: resourceId(res), namespace, name, body: patch });
    const existing = this.mustGet(res, name, namespace);
    const next = (opts.type === 'json' ? jsonPatch(existing, patch as JsonPatchOp[]) : mergePatch(existing, patch)) as Obj;
    return this.update(res, existing, next, opts.subresource === 'status') as T;
  }

  async delete(res: ResourceType, name: string, namespace?: string, opts: DeleteOptions = {}): Promise<boolean> {
    this.record({ verb: 'delete', resource: resourceId(res), namespace, name });
    const k = key(res, name, namespace);
    const existing = this.bucket(res).get(k);
    if (!existing) return false;
    const pre = opts.preconditions;
    if ((pre?.uid && pre.uid !== existing.metadata?.uid) || (pre?.resourceVersion && pre.resourceVersion !== existing.metadata?.resourceVersion)) {
      throw new KubeApiError(409, 'Conflict', `Precondition failed for ${res.kind} "${name}"`);
    }
    this.bucket(res).delete(k);
    const gone = { ...existing, metadata: { ...existing.metadata, resourceVersion: String(++this.rv) } };
    this.emit(res, 'DELETED', gone);
    return true;
  }

  private record(action: FakeAction): void {
    this.actions.push(action);
    this.beforeRequest?.(action);
  }

  private bucket(res: ResourceType): Map<string, Obj> {
    const id = resourceId(res);
    let b = this.objects.get(id);
    if (!b) this.objects.set(id, (b = new Map()));
    return b;
  }

  private mustGet(res: ResourceType, name: string, namespace?: string): Obj {
    const found = this.bucket(res).get(key(res, name, namespace));
    if (!found) throw new KubeApiError(404, 'NotFound', `${res.plural} "${name}" not found`);
    return found;
  }

  private prepareNew(res: ResourceType, obj: Obj): Obj {
    if (res.namespaced && !obj.metadata?.namespace) throw new KubeApiError(400, 'BadRequest', `${res.kind} needs a namespace`);
    return {
      ...obj,
      apiVersion: apiVersionOf(res),
      kind: res.kind,
      metadata: { ...obj.metadata, uid: randomUUID(), generation: 1, creationTimestamp: new Date(0).toISOString() },
    };
  }

  private update(res: ResourceType, existing: Obj, next: Obj, statusOnly = false): Obj {
    const merged: Obj = statusOnly ? { ...existing, status: next.status } : { ...next, status: existing.status ?? next.status };
    const specChanged = JSON.stringify(strip(existing)) !== JSON.stringify(strip(merged));
    const anyChange = JSON.stringify({ ...existing, metadata: { ...existing.metadata, resourceVersion: '' } }) !==
      JSON.stringify({ ...merged, metadata: { ...merged.metadata, resourceVersion: '' } });
    if (!anyChange) return structuredClone(existing); // a no-op write does not bump the resourceVersion
    merged.metadata = {
      ...merged.metadata,
      uid: existing.metadata?.uid,
      generation: (existing.metadata?.generation ?? 1) + (specChanged && !statusOnly ? 1 : 0),
    };
    return this.store(res, 'MODIFIED', merged);
  }

  private store(res: ResourceType, type: WatchEventType, obj: Obj): Obj {
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
    this.bucket(res).set(key(res, stored.metadata.name ?? '', stored.metadata.namespace), stored);
    this.emit(res, type, stored);
    return structuredClone(stored);
  }

  /** Watch events held back (a watch that lags behind the writes) until {@link deliverHeldEvents}. */
  private held: Array<() => void> | undefined;

  /** From now on, watch events wait until {@link deliverHeldEvents}: a cache that has not caught up. */
  holdEvents(): void {
    this.held ??= [];
  }

  deliverHeldEvents(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const deliver of held) queueMicrotask(deliver);
  }

  private emit(res: ResourceType, type: WatchEventType, obj: Obj): void {
    const id = resourceId(res);
    this.log.push({ rv: this.rv, res: id, type, obj: structuredClone(obj) });
    for (const w of this.watchers) {
      if (w.res === id && selected(res, obj, w.opts)) {
        const copy = structuredClone(obj);
        const deliver = () => {
          if (this.watchers.has(w)) w.onEvent(type, copy);
        };
        if (this.held) this.held.push(deliver);
        else queueMicrotask(deliver);
      }
    }
  }
}

function key(res: ResourceType, name: string, namespace?: string): string {
  return res.namespaced ? `${namespace ?? ''}/${name}` : name;
}

function selected(res: ResourceType, obj: Obj, opts: { namespace?: string; labelSelector?: string }): boolean {
  if (res.namespaced && opts.namespace && obj.metadata?.namespace !== opts.namespace) return false;
  return matchesLabelSelector(obj.metadata?.labels, opts.labelSelector);
}

/** The parts of an object whose change bumps metadata.generation (everything but metadata and status). */
function strip(obj: Obj): unknown {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
}

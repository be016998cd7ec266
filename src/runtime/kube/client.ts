import type { KubeObject } from './object.js';
import type { ResourceType } from './resource.js';

/**
 * The narrow Kubernetes client every part of the operator uses (docs/style.md §10: injected, never a singleton).
 * {@link HttpKubeClient} talks to the API server; {@link FakeKube} keeps objects in memory for unit tests.
 * Objects are plain JSON. Failures throw {@link KubeApiError}.
 */
export interface KubeClient {
  /** The object, or undefined if it does not exist. */
  get<T extends KubeObject>(res: ResourceType, name: string, namespace?: string, opts?: RequestOptions): Promise<T | undefined>;
  /** Every object (all pages), with the list's resourceVersion to watch from. */
  list<T extends KubeObject>(res: ResourceType, opts?: ListOptions): Promise<ListResult<T>>;
  /**
   * Streams changes after `opts.resourceVersion`. `onDone` is called exactly once when the stream ends: with no
   * error when the server closed it normally, with an error otherwise (a 410 Gone arrives as an ERROR event
   * whose object is a Status with code 410, then the stream ends).
   */
  watch(res: ResourceType, opts: WatchOptions, onEvent: WatchHandler, onDone: (err?: unknown) => void): Promise<WatchHandle>;
  create<T extends KubeObject>(res: ResourceType, obj: T, opts?: WriteOptions): Promise<T>;
  /** PUT with the object's resourceVersion: optimistic concurrency (409 Conflict when it moved). */
  replace<T extends KubeObject>(res: ResourceType, obj: T, opts?: WriteOptions): Promise<T>;
  /** Server-side apply of a complete desired object (the way Cairn writes children and Git-managed objects). */
  apply<T extends KubeObject>(res: ResourceType, obj: T, opts: ApplyOptions): Promise<T>;
  /** Server-side apply to the status subresource: `obj` carries apiVersion, kind, metadata.name/namespace, status. */
  applyStatus<T extends KubeObject>(res: ResourceType, obj: T, opts: ApplyOptions): Promise<T>;
  /** JSON merge patch or JSON patch (for metadata such as finalizers or annotations). */
  patch<T extends KubeObject>(res: ResourceType, name: string, namespace: string | undefined, patch: unknown, opts: PatchOptions): Promise<T>;
  /** Deletes the object; false if it was already gone. */
  delete(res: ResourceType, name: string, namespace?: string, opts?: DeleteOptions): Promise<boolean>;
}

export interface RequestOptions {
  /** Aborts the request (used to cut off writes when leadership is lost or on shutdown). */
  signal?: AbortSignal;
}

export interface ListOptions extends RequestOptions {
  /** Omit for all namespaces (or for cluster-scoped resources). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
export type WatchHandler = (type: WatchEventType, obj: KubeObject & Record<string, unknown>) => void;

export interface WatchHandle {
  /** Ends the stream; `onDone` is not called after stop. */
  stop(): void;
}

export interface WriteOptions extends RequestOptions {
  fieldManager?: string;
  dryRun?: boolean;
}

export interface ApplyOptions extends RequestOptions {
  /** The field manager owning the applied fields; Cairn uses `cairn`. */
  fieldManager: string;
  /** Take ownership of fields another manager set (what a controller does for fields it must own). */
  force?: boolean;
  dryRun?: boolean;
}

export interface PatchOptions extends RequestOptions {
  type: 'merge' | 'json';
  subresource?: 'status';
  fieldManager?: string;
}

export interface DeleteOptions extends RequestOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  /** Delete only if the object still has this uid / resourceVersion (409 otherwise). */
  preconditions?: { uid?: string; resourceVersion?: string };
}

import './node-compat.js';
import {
  IsomorphicFetchHttpLibrary,
  RequestContext,
  Watch,
  type HttpMethod,
  type KubeConfig,
} from '@kubernetes/client-node';
import type {
  ApplyOptions,
  DeleteOptions,
  KubeClient,
  ListOptions,
  ListResult,
  PatchOptions,
  RequestOptions,
  WatchHandle,
  WatchHandler,
  WatchOptions,
  WriteOptions,
} from './client.js';
import { KubeApiError } from './errors.js';
import type { KubeObject } from './object.js';
import { apiVersionOf, collectionPath, objectPath, type ResourceType } from './resource.js';

type Dispatcher = ReturnType<RequestContext['getDispatcher']>;

interface RequestSpec extends RequestOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
}

const PAGE_SIZE = 500;

/**
 * {@link KubeClient} over HTTP, using @kubernetes/client-node for what it does well (kubeconfig and in-cluster
 * auth, TLS, token refresh, the watch stream) and sending plain JSON (no model classes).
 * One connection pool per client: client-node builds a new undici Agent per request, this reuses the first.
 */
export class HttpKubeClient implements KubeClient {
  private readonly server: string;
  private readonly http = new IsomorphicFetchHttpLibrary();
  private readonly watcher: Watch;
  private dispatcher: Dispatcher;

  constructor(private readonly kc: KubeConfig) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new Error('The kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/+$/, '');
    this.watcher = new Watch(kc);
  }

  async get<T extends KubeObject>(res: ResourceType, name: string, namespace?: string, opts?: RequestOptions): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', objectPath(res, name, namespace), opts ?? {});
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async list<T extends KubeObject>(res: ResourceType, opts: ListOptions = {}): Promise<ListResult<T>> {
    const items: T[] = [];
    let token: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.request<{ items?: T[]; metadata?: { resourceVersion?: string; continue?: string } }>(
        'GET',
        collectionPath(res, opts.namespace),
        {
          signal: opts.signal,
          query: { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: String(PAGE_SIZE), continue: token },
        },
      );
      const kind = res.kind;
      const apiVersion = apiVersionOf(res);
      // List items carry no apiVersion/kind; set them so every cached object is self-describing.
      for (const item of page.items ?? []) items.push({ ...item, apiVersion, kind });
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      token = page.metadata?.continue || undefined;
    } while (token);
    return { items, resourceVersion };
  }

  async watch(res: ResourceType, opts: WatchOptions, onEvent: WatchHandler, onDone: (err?: unknown) => void): Promise<WatchHandle> {
    let stopped = false;
    const query: Record<string, string> = { allowWatchBookmarks: 'true' };
    if (opts.resourceVersion) query.resourceVersion = opts.resourceVersion;
    if (opts.labelSelector) query.labelSelector = opts.labelSelector;
    if (opts.fieldSelector) query.fieldSelector = opts.fieldSelector;
    const controller = await this.watcher.watch(
      collectionPath(res, opts.namespace),
      query,
      (type: string, obj: unknown) => {
        if (!stopped) onEvent(type as Parameters<WatchHandler>[0], obj as Parameters<WatchHandler>[1]);
      },
      (err: unknown) => {
        if (stopped) return;
        stopped = true;
        // client-node ends a quiet watch after 30 s without data; that is a normal end, not a failure.
        const e = err as { name?: string } | null | undefined;
        onDone(e && e.name !== 'TimeoutError' ? err : undefined);
      },
    );
    return {
      stop: () => {
        stopped = true;
        controller.abort();
      },
    };
  }

  create<T extends KubeObject>(res: ResourceType, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.request<T>('POST', collectionPath(res, obj.metadata?.namespace), {
      signal: opts.signal,
      body: withTypeMeta(res, obj),
      query: writeQuery(opts),
    });
  }

  replace<T extends KubeObject>(res: ResourceType, obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.request<T>('PUT', objectPath(res, nameOf(obj), obj.metadata?.namespace), {
      signal: opts.signal,
      body: withTypeMeta(res, obj),
      query: writeQuery(opts),
    });
  }

  apply<T extends KubeObject>(res: ResourceType, obj: T, opts: ApplyOptions): Promise<T> {
    return this.applyTo(res, obj, opts);
  }

  applyStatus<T extends KubeObject>(res: ResourceType, obj: T, opts: ApplyOptions): Promise<T> {
    return this.applyTo(res, obj, opts, 'status');
  }

  patch<T extends KubeObject>(res: ResourceType, name: string, namespace: string | undefined, patch: unknown, opts: PatchOptions): Promise<T> {
    return this.request<T>('PATCH', objectPath(res, name, namespace, opts.subresource), {
      signal: opts.signal,
      body: patch,
      contentType: opts.type === 'json' ? 'application/json-patch+json' : 'application/merge-patch+json',
      query: { fieldManager: opts.fieldManager },
    });
  }

  async delete(res: ResourceType, name: string, namespace?: string, opts: DeleteOptions = {}): Promise<boolean> {
    try {
      await this.request('DELETE', objectPath(res, name, namespace), {
        signal: opts.signal,
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: opts.propagationPolicy, preconditions: opts.preconditions },
      });
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return false;
      throw err;
    }
  }

  private applyTo<T extends KubeObject>(res: ResourceType, obj: T, opts: ApplyOptions, subresource?: 'status'): Promise<T> {
    const query: Record<string, string | undefined> = { ...writeQuery(opts), fieldManager: opts.fieldManager };
    if (opts.force) query.force = 'true';
    return this.request<T>('PATCH', objectPath(res, nameOf(obj), obj.metadata?.namespace, subresource), {
      signal: opts.signal,
      body: withTypeMeta(res, obj),
      // Apply patches are YAML by content type; JSON is YAML, and +json is refused with 415.
      contentType: 'application/apply-patch+yaml',
      query,
    });
  }

  private async request<T>(method: HttpMethod, path: string, spec: RequestSpec): Promise<T> {
    const ctx = new RequestContext(this.server + path, method);
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) ctx.setQueryParam(k, v);
    ctx.setHeaderParam('Accept', 'application/json');
    if (spec.body !== undefined) {
      ctx.setHeaderParam('Content-Type', spec.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(spec.body));
    }
    if (spec.signal) ctx.setSignal(spec.signal);
    await this.kc.applySecurityAuthentication(ctx);
    if (this.dispatcher) ctx.setDispatcher(this.dispatcher);
    else this.dispatcher = ctx.getDispatcher();
    let status: number;
    let text: string;
    try {
      const response = await this.http.send(ctx).toPromise();
      status = response.httpStatusCode;
      text = await response.body.text();
    } catch (err) {
      const aborted = spec.signal?.aborted === true;
      throw new KubeApiError(0, aborted ? 'Aborted' : 'Unavailable', `${method} ${path} failed: ${(err as Error).message}`, { cause: err });
    }
    if (status >= 400) throw statusError(status, text, method, path);
    return (text ? JSON.parse(text) : {}) as T;
  }
}

function statusError(status: number, text: string, method: string, path: string): KubeApiError {
  let reason = '';
  let message = text.slice(0, 500);
  try {
    const body = JSON.parse(text) as { reason?: string; message?: string };
    reason = body.reason ?? '';
    message = body.message ?? message;
  } catch {
    // Not a Status (e.g. a proxy's HTML page): keep the first bytes of the text as the message.
  }
  return new KubeApiError(status, reason, `${method} ${path}: ${status} ${reason}: ${message}`);
}

function writeQuery(opts: WriteOptions): Record<string, string | undefined> {
  return { fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined };
}

function nameOf(obj: KubeObject): string {
  const name = obj.metadata?.name;
  if (!name) throw new Error('The object has no metadata.name');
  return name;
}

function withTypeMeta<T extends KubeObject>(res: ResourceType, obj: T): T {
  return { ...obj, apiVersion: obj.apiVersion ?? apiVersionOf(res), kind: obj.kind ?? res.kind };
}

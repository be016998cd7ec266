import type { KubeConfig } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { nativeAuth } from './auth.js';
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
import { clientNodeAuth } from './client-node-auth.js';
import { restConfigFromClientNode } from './client-node-config.js';
import { KubeApiError } from './errors.js';
import type { KubeObject } from './object.js';
import { apiVersionOf, collectionPath, objectPath, type ResourceType } from './resource.js';
import { isClientNodeKubeConfig, type RestConfig } from './rest-config.js';
import { readText, Transport, type OpenResponse } from './transport.js';
import { WatchLineDecoder } from './watch-stream.js';

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface RequestSpec extends RequestOptions {
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
}

const PAGE_SIZE = 500;
/** A watch with no data for this long is ended as a normal close and reopened (catches half-open connections). */
const WATCH_IDLE_MS = 30_000;

/**
 * {@link KubeClient} over HTTP with node:https and plain JSON (no model classes, no @kubernetes/client-node,
 * whose import alone costs ~145 MiB of RSS). One keep-alive connection pool per client. Takes a
 * {@link RestConfig} or a client-node KubeConfig (read through its exported clusters and users); only a user
 * with an exec or auth-provider plugin, or a proxy-url, makes it load client-node, on the first request.
 */
export class HttpKubeClient implements KubeClient {
  private readonly transport: Transport;

  private readonly requestTimeoutMs: number;

  /**
   * `requestTimeoutMs` bounds every request but watches (default 70 s: past kube-apiserver's own 60 s limit, so
   * its answer comes first). Without it a request sent on a connection that died silently (an API server
   * failover behind a load balancer) waits for TCP to give up, about 15 minutes, holding a worker.
   */
  constructor(config: RestConfig | KubeConfig, options: { requestTimeoutMs?: number } = {}) {
    const rest = isClientNodeKubeConfig(config) ? restConfigFromClientNode(config, readFileSync) : config;
    const auth = rest.credentials.type === 'clientNode' ? clientNodeAuth(rest.credentials.kubeConfig) : nativeAuth(rest);
    this.transport = new Transport(rest.server.replace(/\/+$/, ''), auth);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 70_000;
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
    const path = collectionPath(res, opts.namespace);
    const query: Record<string, string | undefined> = {
      watch: 'true',
      allowWatchBookmarks: 'true',
      resourceVersion: opts.resourceVersion || undefined,
      labelSelector: opts.labelSelector || undefined,
      fieldSelector: opts.fieldSelector || undefined,
    };
    const abort = new AbortController();
    let response: OpenResponse | undefined;
    let timer: NodeJS.Timeout | undefined;
    let ended = false;
    /** Ends the stream once; `onDone` only when it was not stopped by the caller. */
    const end = (err: unknown, notify = true) => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      response?.close();
      abort.abort();
      if (notify) onDone(err);
    };
    const handle: WatchHandle = { stop: () => end(undefined, false) };
    // No answer in time is a failure (backoff); silence once streaming is a normal end (reopen at once).
    const idle = () => {
      clearTimeout(timer);
      timer = setTimeout(() => end(response ? undefined : new KubeApiError(0, 'Unavailable', `GET ${path}: no answer in ${WATCH_IDLE_MS} ms`)), WATCH_IDLE_MS);
      timer.unref();
    };
    idle();
    try {
      response = await this.transport.open('GET', path, { query, headers: { Accept: 'application/json' }, signal: abort.signal });
    } catch (err) {
      end(transportError(err, 'GET', path, abort.signal));
      return handle;
    }
    if (ended) {
      response.close();
      return handle;
    }
    if (response.status !== 200) {
      clearTimeout(timer);
      const status = response.status;
      end(statusError(status, await readText(response.body).catch(() => ''), 'GET', path));
      return handle;
    }
    const decoder = new WatchLineDecoder();
    const deliver = (events: ReturnType<WatchLineDecoder['push']>) => {
      for (const e of events) if (!ended) onEvent(e.type, e.object);
    };
    const body = response.body;
    body.setEncoding('utf8');
    body.on('data', (chunk: string) => {
      idle();
      try {
        deliver(decoder.push(chunk));
      } catch (err) {
        end(err);
      }
    });
    body.on('end', () => {
      try {
        deliver(decoder.end());
        end(undefined);
      } catch (err) {
        end(err);
      }
    });
    body.on('error', (err) => end(transportError(err, 'GET', path, abort.signal)));
    body.on('close', () => end(new KubeApiError(0, 'Unavailable', `GET ${path}: the watch stream was cut`)));
    idle();
    return handle;
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
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (spec.body !== undefined) headers['Content-Type'] = spec.contentType ?? 'application/json';
    let status: number;
    let text: string;
    const deadline = AbortSignal.timeout(this.requestTimeoutMs);
    try {
      ({ status, text } = await this.transport.send(method, path, {
        query: spec.query,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: spec.signal ? AbortSignal.any([spec.signal, deadline]) : deadline,
      }));
    } catch (err) {
      if (deadline.aborted && !spec.signal?.aborted) {
        throw new KubeApiError(0, 'Unavailable', `${method} ${path} failed: no answer within ${this.requestTimeoutMs} ms`, { cause: err });
      }
      throw transportError(err, method, path, spec.signal);
    }
    if (status >= 400) throw statusError(status, text, method, path);
    return (text ? JSON.parse(text) : {}) as T;
  }
}

/** A failure before an answer: Aborted when the caller's signal fired, else Unavailable. */
function transportError(err: unknown, method: string, path: string, signal: AbortSignal | undefined): KubeApiError {
  if (err instanceof KubeApiError) return err;
  const aborted = signal?.aborted === true;
  return new KubeApiError(0, aborted ? 'Aborted' : 'Unavailable', `${method} ${path} failed: ${(err as Error).message}`, { cause: err });
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

/**
 * Routing of the serving endpoints (docs/contracts.md §2): method + URL in, a Route (shared, frozen) or an HttpError
 * out; the same answer for the same input (the matches of recent paths are kept).
 */
import { HttpError, quote } from './errors.js';

export type Route =
  | { kind: 'live' }
  | { kind: 'ready' }
  | { kind: 'server-metadata' }
  | { kind: 'metrics' }
  | { kind: 'model-metadata'; model: string; version?: string }
  | { kind: 'model-ready'; model: string; version?: string }
  | { kind: 'v2-infer'; model: string; version?: string }
  | { kind: 'feedback'; model: string; version?: string }
  | { kind: 'v1-status'; model: string; version?: string }
  | { kind: 'v1-metadata'; model: string; version?: string }
  | { kind: 'model-config'; model: string; version?: string }
  | { kind: 'model-stats'; model?: string; version?: string }
  | { kind: 'repository-index' }
  | { kind: 'v1-predict'; model: string; version?: string };

function decode(segment: string): string {
  if (!segment.includes('%')) return segment; // nothing to decode (the usual case): no try/catch, no copy
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `path: ${quote(segment)} is not valid percent-encoding`);
  }
}

function withVersion<T extends { model: string; version?: string }>(route: T, version: string | undefined): T {
  if (version !== undefined) route.version = version;
  return route;
}

function match(parts: string[]): { route: Route; method: 'GET' | 'POST' } | undefined {
  const [root, a, b, c, d, e, f] = parts;
  if (parts.length === 1 && root === 'metrics') return { route: { kind: 'metrics' }, method: 'GET' };
  if (root === 'v2') {
    if (parts.length === 1) return { route: { kind: 'server-metadata' }, method: 'GET' };
    if (a === 'health' && parts.length === 3 && (b === 'live' || b === 'ready')) return { route: { kind: b }, method: 'GET' };
    if (a === 'repository' && b === 'index' && parts.length === 3) return { route: { kind: 'repository-index' }, method: 'POST' };
    if (a === 'models' && b === 'stats' && parts.length === 3) return { route: { kind: 'model-stats' }, method: 'GET' };
    if (a !== 'models' || b === undefined || b === '') return undefined;
    const model = decode(b);
    // /v2/models/{m}[/versions/{v}][/ready|/infer]
    let version: string | undefined;
    let tail: string | undefined;
    let rest: number;
    if (c === 'versions' && d !== undefined && d !== '') {
      version = decode(d);
      tail = e;
      rest = 4;
      if (f !== undefined) return undefined;
    } else {
      tail = c;
      rest = 2;
      if (d !== undefined) return undefined;
    }
    const remaining = parts.length - 1 - rest;
    if (remaining === 0) return { route: withVersion({ kind: 'model-metadata' as const, model }, version), method: 'GET' };
    if (tail === 'ready') return { route: withVersion({ kind: 'model-ready' as const, model }, version), method: 'GET' };
    if (tail === 'config') return { route: withVersion({ kind: 'model-config' as const, model }, version), method: 'GET' };
    if (tail === 'stats') return { route: withVersion({ kind: 'model-stats' as const, model }, version), method: 'GET' };
    if (tail === 'infer') return { route: withVersion({ kind: 'v2-infer' as const, model }, version), method: 'POST' };
    if (tail === 'feedback') return { route: withVersion({ kind: 'feedback' as const, model }, version), method: 'POST' };
    return undefined;
  }
  if (root === 'v1' && a === 'models' && b !== undefined && b !== '') {
    // /v1/models/{m}[:predict] and /v1/models/{m}/versions/{v}[:predict]
    const last = parts[parts.length - 1]!;
    const predict = last.endsWith(':predict');
    if (!predict && last.includes(':')) return undefined; // :explain and other verbs are not served
    const strip = (s: string) => (predict ? s.slice(0, -':predict'.length) : s);
    // /v1/models/{m}[/versions/{v}]/metadata (TF Serving's signature metadata)
    if (last === 'metadata' && (parts.length === 4 || (parts.length === 6 && c === 'versions' && d !== undefined && d !== ''))) {
      const model = decode(b);
      return { route: withVersion({ kind: 'v1-metadata' as const, model }, parts.length === 6 ? decode(d!) : undefined), method: 'GET' };
    }
    if (parts.length === 3) {
      const model = decode(strip(b));
      if (model === '') return undefined;
      return predict ? { route: { kind: 'v1-predict', model }, method: 'POST' } : { route: { kind: 'v1-status', model }, method: 'GET' };
    }
    if (parts.length === 5 && c === 'versions' && d !== undefined) {
      const model = decode(b);
      const version = decode(strip(d));
      return predict
        ? { route: { kind: 'v1-predict', model, version }, method: 'POST' }
        : { route: { kind: 'v1-status', model, version }, method: 'GET' };
    }
  }
  return undefined;
}

/** A path (up to the header size limit, 16 KiB) cut short for a message. */
function excerpt(text: string): string {
  return text.length > 128 ? `${text.slice(0, 125)}...` : text;
}

type Match = { route: Route; method: 'GET' | 'POST' };

/** Most paths whose match is kept (a pod is asked a handful; a client naming many more only misses the cache). */
const MATCHED_PATHS = 64;

/**
 * The matches of the paths seen, frozen (every request of a path shares its Route). Splitting the path and
 * matching its parts was ~2% of the CPU of a 1-row request (bench:serve, beside the naive server); a Map lookup
 * of the same path string is not. Full, it is emptied and fills again with the paths asked for since.
 */
const matched = new Map<string, Match>();

function matchPath(path: string): Match | undefined {
  const known = matched.get(path);
  if (known) return known;
  const parts = path.split('/').slice(1);
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop(); // tolerate a trailing slash
  const found = match(parts);
  if (!found) return undefined;
  if (matched.size >= MATCHED_PATHS) matched.clear();
  Object.freeze(found.route);
  matched.set(path, Object.freeze(found));
  return found;
}

/** Finds the route of a request; 404 for an unknown path, 405 for a known path with another method. */
export function route(method: string, url: string): Route {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const found = matchPath(path);
  if (!found) throw new HttpError(404, `path: no endpoint ${method} ${excerpt(path)}`);
  const allowed = found.method === 'GET' ? method === 'GET' || method === 'HEAD' : method === found.method;
  if (!allowed) throw new HttpError(405, `method: ${excerpt(path)} accepts ${found.method}, got ${excerpt(method)}`);
  return found.route;
}

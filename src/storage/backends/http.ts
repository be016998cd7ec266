/**
 * https:// (and http:// on loopback, for tests): read and stat only. Credentials (a bearer token, or a user
 * name and password for basic auth) go only to the origin of the URI: a redirect to another origin drops them,
 * as curl does, and a redirect from https to plain http is refused.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import { StorageError } from '../errors.js';
import { fastGet } from '../fast-get.js';
import { networkError, shortCause } from '../net-errors.js';
import type { Backend, ErrorPhase, ObjectInfo } from '../types.js';
import { displayUri, type StorageUri } from '../uri.js';

export interface HttpSettings {
  bearerToken?: string;
  username?: string;
  password?: string;
  /** Extra CA certificates (PEM) to trust besides the system's (NODE_EXTRA_CA_CERTS works too). */
  ca?: string | Buffer;
  /** Milliseconds without a byte before a request is abandoned (default 60 s). */
  idleTimeoutMs?: number;
}

const MAX_REDIRECTS = 5;

function target(uri: StorageUri): URL {
  if (uri.scheme !== 'https' && uri.scheme !== 'http') throw new Error(`http backend got a ${uri.scheme} URI`);
  return uri.url;
}

function authorization(settings: HttpSettings): string | undefined {
  if (settings.bearerToken) return `Bearer ${settings.bearerToken}`;
  if (settings.username !== undefined || settings.password !== undefined) {
    return `Basic ${Buffer.from(`${settings.username ?? ''}:${settings.password ?? ''}`).toString('base64')}`;
  }
  return undefined;
}

function statusError(status: number, url: URL): StorageError {
  const shown = displayUri(url.href);
  if (status === 401 || status === 403) return new StorageError('AccessDenied', `Access denied to ${shown} (HTTP ${status}): check the credentials`);
  if (status === 404 || status === 410) return new StorageError('NotFound', `${shown} does not exist (HTTP ${status})`);
  return new StorageError('Unreachable', `${url.host} answered HTTP ${status} for ${shown}`);
}

export class HttpBackend implements Backend {
  private readonly httpsAgent: https.Agent;
  private readonly httpAgent = new http.Agent({ keepAlive: true });

  constructor(private readonly settings: HttpSettings = {}) {
    // `ca` replaces the trusted roots, so the system's are listed with it
    this.httpsAgent = new https.Agent({ keepAlive: true, ...(settings.ca ? { ca: [...rootCertificates, settings.ca] } : {}) });
  }

  /** Sends one request, following redirects; resolves with a 2xx response, else throws a StorageError. */
  private async request(start: URL, method: 'GET' | 'HEAD', signal?: AbortSignal): Promise<IncomingMessage> {
    const auth = authorization(this.settings);
    let url = start;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'cairn' };
      if (auth && url.origin === start.origin) headers.authorization = auth;
      const res = await this.send(url, method, headers, signal);
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return res;
      res.resume();
      const location = res.headers.location;
      if ([301, 302, 303, 307, 308].includes(status) && location) {
        if (hop >= MAX_REDIRECTS) throw new StorageError('Unreachable', `${displayUri(start.href)} redirected more than ${MAX_REDIRECTS} times`);
        const next = new URL(location, url);
        if (next.protocol !== 'https:' && !(next.protocol === 'http:' && url.protocol === 'http:')) {
          throw new StorageError('InvalidUri', `${displayUri(start.href)} redirected to ${next.protocol}//${next.host}, which is not https`);
        }
        url = next;
        continue;
      }
      throw statusError(status, url);
    }
  }

  private send(url: URL, method: string, headers: Record<string, string>, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const secure = url.protocol === 'https:';
      const options = { method, headers, signal, agent: secure ? this.httpsAgent : this.httpAgent };
      const req = (secure ? https : http).request(url, options, resolve);
      req.setTimeout(this.settings.idleTimeoutMs ?? 60_000, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.once('error', reject);
      req.end();
    });
  }

  /**
   * Reads through fastGet first; an answer it does not stream (an error, a redirect, a chunked body) or a
   * failure to connect makes node:http ask again, and that answer is the one given.
   */
  async open(uri: StorageUri, options: { signal?: AbortSignal }): Promise<{ body: Readable; size?: number; recycle?: (chunk: Buffer) => void }> {
    const url = target(uri);
    try {
      const auth = authorization(this.settings);
      const ca = this.settings.ca ? [...rootCertificates, this.settings.ca] : undefined;
      const fast = await fastGet(url, { 'user-agent': 'cairn', ...(auth ? { authorization: auth } : {}) }, { signal: options.signal, idleTimeoutMs: this.settings.idleTimeoutMs, ca });
      const body = fast.body;
      if (body) return { body, size: fast.size, recycle: (chunk) => body.recycle(chunk) };
    } catch (error) {
      if ((error as { name?: unknown }).name === 'AbortError') throw error;
    }
    const res = await this.request(url, 'GET', options.signal);
    const length = Number(res.headers['content-length']);
    return { body: res, size: Number.isSafeInteger(length) && length >= 0 ? length : undefined };
  }

  async stat(uri: StorageUri, options: { signal?: AbortSignal }): Promise<ObjectInfo> {
    const url = target(uri);
    const res = await this.request(url, 'HEAD', options.signal);
    res.resume();
    const length = Number(res.headers['content-length']);
    if (!Number.isSafeInteger(length) || length < 0) throw new StorageError('Unreachable', `${url.host} announced no size for ${displayUri(url.href)}`);
    const info: ObjectInfo = { uri: url.href, size: length };
    const etag = res.headers.etag;
    if (etag) info.etag = etag.replace(/^W\//, '').replace(/^"|"$/g, '');
    const sha256 = sha256Header(res);
    if (sha256) info.sha256 = sha256;
    const modified = res.headers['last-modified'];
    if (modified) info.lastModified = new Date(modified);
    return info;
  }

  // eslint-disable-next-line require-yield
  async *list(prefix: StorageUri): AsyncIterable<ObjectInfo> {
    throw new StorageError('InvalidUri', `${displayUri(target(prefix).href)} cannot be listed: https:// has no listing (use s3:// for prefixes)`);
  }

  async write(uri: StorageUri): Promise<void> {
    throw new StorageError('InvalidUri', `${displayUri(target(uri).href)} is not writable: https:// URIs are read-only (write to s3://, pvc:// or file://)`);
  }

  mapError(error: unknown, uri: string, phase: ErrorPhase): StorageError {
    let host: string | undefined;
    try {
      host = new URL(uri).host;
    } catch {
      host = undefined;
    }
    return networkError(error, uri, phase, host) ?? new StorageError('Unreachable', `Could not ${phase} ${uri}: ${shortCause(error)}`);
  }

  close(): void {
    this.httpsAgent.destroy();
    this.httpAgent.destroy();
  }
}

/** A sha256 the server announced: S3's `x-amz-meta-sha256` (hex) or RFC 9530's `Repr-Digest: sha-256=:b64:`. */
function sha256Header(res: IncomingMessage): string | undefined {
  const meta = res.headers['x-amz-meta-sha256'];
  if (typeof meta === 'string' && /^[0-9a-f]{64}$/i.test(meta)) return meta.toLowerCase();
  const repr = res.headers['repr-digest'];
  const match = typeof repr === 'string' ? /sha-256=:([A-Za-z0-9+/=]+):/.exec(repr) : null;
  if (match?.[1]) {
    const hex = Buffer.from(match[1], 'base64').toString('hex');
    if (hex.length === 64) return hex;
  }
  return undefined;
}

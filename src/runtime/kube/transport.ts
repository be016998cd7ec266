import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { RequestAuth } from './auth.js';

export interface SendOptions {
  query?: Record<string, string | undefined>;
  headers?: OutgoingHttpHeaders;
  body?: string;
  signal?: AbortSignal;
}

export interface OpenResponse {
  status: number;
  /** The body, gunzipped when the server compressed it. */
  body: Readable;
  /** Ends the exchange (destroys the request and its connection). */
  close(): void;
}

/**
 * HTTP/1.1 to one API server over node:http(s) (no fetch stack to load): a keep-alive agent from the
 * {@link RequestAuth}, JSON bodies as strings, gzip accepted as client-go does. Knows nothing of Kubernetes.
 */
export class Transport {
  constructor(
    /** The server URL, without a trailing slash; request paths are appended to it. */
    readonly server: string,
    private readonly auth: RequestAuth,
    private readonly userAgent = 'cairn',
  ) {}

  /** Sends a request; resolves once the response head is in, with the body still streaming. */
  async open(method: string, path: string, opts: SendOptions = {}): Promise<OpenResponse> {
    opts.signal?.throwIfAborted();
    const url = new URL(this.server + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const { agent, headers: authHeaders } = await this.auth.prepare();
    const headers: OutgoingHttpHeaders = { 'User-Agent': this.userAgent, 'Accept-Encoding': 'gzip', ...opts.headers, ...authHeaders };
    if (opts.body !== undefined) headers['Content-Length'] = Buffer.byteLength(opts.body);
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    return new Promise<OpenResponse>((resolve, reject) => {
      const req = send(url, { method, agent, headers, signal: opts.signal });
      req.on('error', reject);
      req.on('response', (res) => {
        const close = () => req.destroy();
        if (res.headers['content-encoding'] !== 'gzip') return resolve({ status: res.statusCode ?? 0, body: res, close });
        const gunzip = createGunzip();
        pipeline(res, gunzip, () => undefined); // an error of either ends both; readers see it on `gunzip`
        resolve({ status: res.statusCode ?? 0, body: gunzip, close });
      });
      req.end(opts.body);
    });
  }

  /** Sends a request and reads the whole body as text. */
  async send(method: string, path: string, opts: SendOptions = {}): Promise<{ status: number; text: string }> {
    const res = await this.open(method, path, opts);
    return { status: res.status, text: await readText(res.body) };
  }
}

export async function readText(body: Readable): Promise<string> {
  body.setEncoding('utf8');
  let text = '';
  for await (const chunk of body) text += chunk as string;
  return text;
}

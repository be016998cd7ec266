/**
 * fastGet: one HTTP/1.1 GET whose body is read from the socket 1 MiB per read(2) (`onread`), for downloads of
 * large objects. node:http reads a socket 64 KiB at a time and parses every piece; on a 2-vCPU VM that caps a
 * download near 250 MB/s and makes most of the garbage the collector then sweeps. Each read here lands in a
 * 1 MiB buffer that becomes the chunk itself, with no copy. A consumer that is done with a chunk may hand it
 * back (`recycle`) for a later read to reuse; one that does not simply leaves it to the garbage collector.
 *
 * Deliberately small: only a length-delimited 2xx answer is streamed. Anything else (an error status, a
 * redirect, a chunked or unsized body) comes back without a body, and the caller asks again through its
 * full client, which knows how to read it. One connection per GET (`Connection: close`).
 */
import net from 'node:net';
import { Readable } from 'node:stream';
import tls from 'node:tls';

const READ_BYTES = 1024 * 1024;
/** Most recycled buffers kept for reuse. */
const POOL_MAX = 16;
const MAX_HEAD_BYTES = 64 * 1024;

export interface FastResponse {
  status: number;
  /** Header names in lower case. */
  headers: Map<string, string>;
  /** Only for a 2xx answer with a Content-Length (and no Transfer-Encoding). */
  body?: FastBody;
  size?: number;
}

export interface FastGetOptions {
  signal?: AbortSignal;
  /** Milliseconds without a byte before the GET is abandoned (default 60 s). */
  idleTimeoutMs?: number;
  /** Trusted CAs for https (default: Node's). */
  ca?: string | Buffer | Array<string | Buffer>;
}

/** The body of a fastGet answer, with backpressure: reading stops while the consumer is behind. */
export class FastBody extends Readable {
  private remaining: number;
  /** The buffers this body read into, and those handed back and free for the next reads. */
  private readonly own = new WeakSet<ArrayBuffer>();
  private readonly pool: Buffer[] = [];
  private readonly pooled = new WeakSet<ArrayBuffer>();

  constructor(
    private readonly socket: net.Socket,
    size: number,
  ) {
    super({ highWaterMark: 4 * READ_BYTES });
    this.remaining = size;
    if (size === 0) this.push(null);
  }

  get complete(): boolean {
    return this.remaining === 0;
  }

  /** A buffer for the next read: a recycled one, else a new one. */
  nextBuffer(): Buffer {
    const buffer = this.pool.pop();
    if (buffer) {
      this.pooled.delete(buffer.buffer as ArrayBuffer);
      return buffer;
    }
    const fresh = Buffer.allocUnsafe(READ_BYTES); // >= 4 KiB: an ArrayBuffer of its own, not a slice of Node's pool
    this.own.add(fresh.buffer as ArrayBuffer);
    return fresh;
  }

  /**
   * Hands a chunk of this body back once the consumer is completely done with it (written, hashed): a later
   * read may then overwrite its bytes. Anything else is ignored.
   */
  recycle(chunk: Buffer): void {
    const memory = chunk.buffer as ArrayBuffer;
    if (!this.own.has(memory) || this.pooled.has(memory) || this.pool.length >= POOL_MAX) return;
    this.pooled.add(memory);
    this.pool.push(Buffer.from(memory, 0, READ_BYTES));
  }

  /** Takes bytes read from the socket (the chunk is handed on as is); returns false to pause the socket. */
  deliver(bytes: Buffer): boolean {
    if (bytes.length > this.remaining) {
      this.destroy(new Error(`the server sent more bytes than its Content-Length`));
      return false;
    }
    this.remaining -= bytes.length;
    const more = this.push(bytes);
    if (this.remaining === 0) {
      this.push(null);
      this.socket.destroy();
    }
    return more;
  }

  override _read(): void {
    this.socket.resume(); // the socket pauses itself when deliver() returns false
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}

function parseHead(head: Buffer): { status: number; headers: Map<string, string> } | undefined {
  const lines = head.toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1];
  if (status === undefined) return undefined;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(status), headers };
}

function requestHead(url: URL, headers: Record<string, string>): string {
  const lines = [`GET ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'host') continue;
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new Error(`header ${name} contains a line break`);
    lines.push(`${name}: ${value}`);
  }
  lines.push('Accept-Encoding: identity', 'Connection: close', '', '');
  return lines.join('\r\n');
}

export function fastGet(url: URL, headers: Record<string, string>, options: FastGetOptions = {}): Promise<FastResponse> {
  const head = requestHead(url, headers);
  return new Promise((resolve, reject) => {
    const headBuffer = Buffer.allocUnsafe(64 * 1024);
    let pending: Buffer = Buffer.alloc(0);
    let body: FastBody | undefined;
    let settled = false;
    const settle = (): boolean => {
      const first = !settled;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      return first;
    };
    const fail = (error: Error): void => {
      if (settle()) reject(error);
      else if (body && !body.complete) body.destroy(error);
      socket.destroy();
    };
    const onread = {
      buffer: () => (body ? body.nextBuffer() : headBuffer), // a read's buffer becomes its chunk
      callback: (count: number, read: Uint8Array): boolean => {
        const bytes = Buffer.from(read.buffer, read.byteOffset, count);
        if (body) return body.deliver(bytes);
        pending = Buffer.concat([pending, bytes]);
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) {
          if (pending.length > MAX_HEAD_BYTES) fail(new Error('the response headers are too large'));
          return true;
        }
        const parsed = parseHead(pending.subarray(0, end));
        if (!parsed) {
          fail(new Error('the answer is not HTTP/1.x'));
          return false;
        }
        const length = Number(parsed.headers.get('content-length'));
        const streamable = parsed.status >= 200 && parsed.status < 300 && Number.isSafeInteger(length) && length >= 0 && !parsed.headers.has('transfer-encoding');
        settle();
        if (!streamable) {
          socket.destroy();
          resolve(parsed);
          return false;
        }
        body = new FastBody(socket, length);
        resolve({ ...parsed, body, size: length });
        const rest = pending.subarray(end + 4);
        pending = Buffer.alloc(0);
        return rest.length > 0 ? body.deliver(rest) : true;
      },
    };
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    const socket: net.Socket =
      url.protocol === 'https:'
        ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ca: options.ca, ALPNProtocols: ['http/1.1'], onread } as tls.ConnectionOptions)
        : net.connect({ host, port, onread });
    socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => socket.write(head));
    socket.setTimeout(options.idleTimeoutMs ?? 60_000, () => fail(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    socket.on('error', fail);
    socket.once('close', () => {
      if (!settled) fail(Object.assign(new Error('the connection closed before an answer'), { code: 'ECONNRESET' }));
      else if (body && !body.complete && !body.destroyed) body.destroy(Object.assign(new Error('the connection closed early'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    });
    const onAbort = (): void => fail(Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR' }));
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

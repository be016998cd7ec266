/**
 * Reading a request body under a byte limit. A declared Content-Length over the limit is refused before any
 * byte is read; a chunked body is cut off as soon as it passes the limit. Either way the answer is 413 and the
 * connection is closed afterwards (the rest of the body is never buffered). While the bytes arrive they are
 * checked for JSON nesting deeper than any tensor needs (json-depth.ts: 400 without a parse), and counted
 * against the admission's byte budget (admission.ts: 503). A gzip or deflate body is decoded as it arrives,
 * the limits applying to the decoded bytes. With Triton's binary tensor data extension only the JSON header
 * (its first `jsonBytes`) is checked for nesting: the raw tensor bytes after it may hold any byte.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { createGunzip, createInflate } from 'node:zlib';
import type { Ticket } from './admission.js';
import { HttpError, quote } from './errors.js';
import { JsonDepthCheck } from './json-depth.js';

function tooLarge(limit: number, size: string): HttpError {
  return new HttpError(413, `body: ${size} exceeds the limit of ${limit} bytes`, { close: true });
}

function tooDeep(depth: number): HttpError {
  return new HttpError(400, `body: arrays and objects nest deeper than ${depth} levels; no tensor needs that many`, { close: true });
}

/** The state of one body being read; the stream listeners are shared functions (no closures per request). */
class BodyReader {
  chunks: Buffer[] = [];
  size = 0;
  readonly depth = new JsonDepthCheck();
  constructor(
    readonly limit: number,
    readonly ticket: Ticket | undefined,
    /** Leading bytes that are JSON (all when undefined). */
    readonly jsonBytes: number | undefined,
    readonly resolve: (body: Buffer) => void,
    readonly reject: (err: Error) => void,
  ) {}
}

const READER = Symbol('cairn.bodyReader');
type Reading = IncomingMessage & { [READER]?: BodyReader };

/** Stops reading (the answer closes the connection) and fails the read. */
function stop(req: Reading, reader: BodyReader, err: HttpError): void {
  req.off('data', onData);
  req.off('end', onEnd);
  reader.chunks.length = 0;
  reader.reject(err);
}

/** Takes the next bytes of the body (decoded, when it was compressed); the error that stops reading, if any. */
function accept(reader: BodyReader, chunk: Buffer, what: string): HttpError | undefined {
  const before = reader.size;
  reader.size += chunk.length;
  if (reader.size > reader.limit) return tooLarge(reader.limit, what);
  const ticket = reader.ticket;
  if (ticket && reader.size > ticket.bytes) {
    try {
      ticket.reserve(reader.size - ticket.bytes);
    } catch (err) {
      return err as HttpError;
    }
  }
  const json = reader.jsonBytes === undefined ? chunk : chunk.subarray(0, Math.max(0, reader.jsonBytes - before));
  if (json.length > 0 && !reader.depth.feed(json)) return tooDeep(reader.depth.maxDepth);
  reader.chunks.push(chunk);
  return undefined;
}

function onData(this: Reading, chunk: Buffer): void {
  const reader = this[READER]!;
  const err = accept(reader, chunk, 'the streamed body');
  if (err) stop(this, reader, err);
}

function onEnd(this: Reading): void {
  const { chunks, size, resolve } = this[READER]!;
  resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
}

/** Not an IANA status, but the one proxies and dashboards know for a request its client abandoned. */
const CLIENT_CLOSED = 499;

/**
 * The request stream fails when the client goes away mid-body (Node's "aborted") or the server's request
 * timeout cuts it off. Either way the client is at fault, not the model: 499 (nginx's "client closed request"),
 * so it never counts as a 5xx (the canary analysis rolls back on 5xx).
 */
function onError(this: Reading, err: Error): void {
  this[READER]!.reject(new HttpError(CLIENT_CLOSED, `body: the client closed the connection before sending the whole body (${err.message})`));
}

/** The declared Content-Length, or undefined (chunked). */
export function declaredLength(req: IncomingMessage): number | undefined {
  const declared = req.headers['content-length'];
  return declared === undefined ? undefined : Number(declared);
}

/** 413 when the declared Content-Length is over the limit: before admission, no retry can ever pass. */
export function checkDeclaredLength(req: IncomingMessage, limit: number): void {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) throw tooLarge(limit, `Content-Length ${declared}`);
}

type Encoding = 'gzip' | 'deflate';

/**
 * The body's Content-Encoding: undefined for none (or identity), gzip (x-gzip) or deflate (tritonclient's
 * request_compression_algorithm); 415 for any other, before the body is read.
 */
export function contentEncoding(headers: IncomingHttpHeaders): Encoding | undefined {
  const header = headers['content-encoding'];
  if (header === undefined) return undefined;
  const value = header.trim().toLowerCase();
  if (value === '' || value === 'identity') return undefined;
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'deflate') return 'deflate';
  throw new HttpError(415, `body: Content-Encoding ${quote(header)} is not supported; send the body uncompressed, gzip or deflate`, { close: true });
}

/**
 * A compressed body, decoded as it arrives: the byte limit, the budget and the nesting check apply to the
 * decoded bytes, so a small body that inflates past the limit (a zip bomb) is a 413 as soon as it does.
 */
function readDecoded(req: IncomingMessage, encoding: Encoding, limit: number, ticket: Ticket | undefined, jsonBytes: number | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const inflate = encoding === 'gzip' ? createGunzip() : createInflate();
    const reader = new BodyReader(limit, ticket, jsonBytes, resolve, reject);
    const fail = (err: HttpError) => {
      req.unpipe(inflate);
      inflate.destroy();
      reader.chunks.length = 0;
      reject(err);
    };
    inflate.on('data', (chunk: Buffer) => {
      const err = accept(reader, chunk, `the decoded (${encoding}) body`);
      if (err) fail(err);
    });
    inflate.on('end', () => resolve(Buffer.concat(reader.chunks, reader.size)));
    inflate.on('error', (err) => fail(new HttpError(400, `body: not valid ${encoding} data (${err.message})`, { close: true })));
    req.on('error', (err) => fail(new HttpError(CLIENT_CLOSED, `body: the client closed the connection before sending the whole body (${err.message})`)));
    req.pipe(inflate);
  });
}

/**
 * Reads the body, decoding gzip or deflate; `ticket` (when given) holds its bytes against the admission
 * budget; `jsonBytes` (when given) is the length of the JSON header of a binary request, the only part checked
 * for nesting.
 */
export function readBody(req: IncomingMessage, limit: number, ticket?: Ticket, jsonBytes?: number): Promise<Buffer> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) return Promise.reject(tooLarge(limit, `Content-Length ${declared}`));
  const encoding = contentEncoding(req.headers);
  if (encoding) return readDecoded(req, encoding, limit, ticket, jsonBytes);
  return new Promise((resolve, reject) => {
    (req as Reading)[READER] = new BodyReader(limit, ticket, jsonBytes, resolve, reject);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Parses a JSON body; 400 naming the body when it is empty or not JSON. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new HttpError(400, 'body: empty; expected a JSON object');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new HttpError(400, `body: not valid JSON (${(err as Error).message})`);
  }
}

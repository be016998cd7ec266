/**
 * Reading a request body under a byte limit. A declared Content-Length over the limit is refused before any
 * byte is read; a chunked body is cut off as soon as it passes the limit. Either way the answer is 413 and the
 * connection is closed afterwards (the rest of the body is never buffered). While the bytes arrive they are
 * checked for JSON nesting deeper than any tensor needs (json-depth.ts: 400 without a parse), and counted
 * against the admission's byte budget (admission.ts: 503). Bodies are JSON: Triton's binary tensor data
 * extension is refused up front.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Ticket } from './admission.js';
import { HttpError } from './errors.js';
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

function onData(this: Reading, chunk: Buffer): void {
  const reader = this[READER]!;
  reader.size += chunk.length;
  if (reader.size > reader.limit) return stop(this, reader, tooLarge(reader.limit, 'the streamed body'));
  const ticket = reader.ticket;
  if (ticket && reader.size > ticket.bytes) {
    try {
      ticket.reserve(reader.size - ticket.bytes);
    } catch (err) {
      return stop(this, reader, err as HttpError);
    }
  }
  if (!reader.depth.feed(chunk)) return stop(this, reader, tooDeep(reader.depth.maxDepth));
  reader.chunks.push(chunk);
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

/** Reads the body; `ticket` (when given) holds its bytes against the admission budget. */
export function readBody(req: IncomingMessage, limit: number, ticket?: Ticket): Promise<Buffer> {
  const declared = declaredLength(req);
  if (declared !== undefined && declared > limit) return Promise.reject(tooLarge(limit, `Content-Length ${declared}`));
  return new Promise((resolve, reject) => {
    (req as Reading)[READER] = new BodyReader(limit, ticket, resolve, reject);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/**
 * Triton's binary tensor data extension: the header gives the length of a JSON part that raw tensor bytes follow.
 * 400 before the body is read, saying how to send JSON instead (tritonclient sends binary inputs by default).
 */
export function refuseBinaryData(headers: IncomingHttpHeaders): void {
  if (headers['inference-header-content-length'] === undefined) return;
  throw new HttpError(
    400,
    'body: the binary tensor data extension (Inference-Header-Content-Length) is not supported; send the tensors as JSON "data" ' +
      '(tritonclient: binary_data=False)',
  );
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

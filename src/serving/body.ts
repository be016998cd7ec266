/**
 * Reading a request body under a byte limit. A declared Content-Length over the limit is refused before any
 * byte is read; a chunked body is cut off as soon as it passes the limit. Either way the answer is 413 and the
 * connection is closed afterwards (the rest of the body is never buffered). Bodies are JSON: Triton's binary
 * tensor data extension is refused up front.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

function tooLarge(limit: number, size: string): HttpError {
  return new HttpError(413, `body: ${size} exceeds the limit of ${limit} bytes`);
}

/** The state of one body being read; the stream listeners are shared functions (no closures per request). */
class BodyReader {
  chunks: Buffer[] = [];
  size = 0;
  constructor(
    readonly limit: number,
    readonly resolve: (body: Buffer) => void,
    readonly reject: (err: Error) => void,
  ) {}
}

const READER = Symbol('cairn.bodyReader');
type Reading = IncomingMessage & { [READER]?: BodyReader };

function onData(this: Reading, chunk: Buffer): void {
  const reader = this[READER]!;
  reader.size += chunk.length;
  if (reader.size > reader.limit) {
    this.off('data', onData);
    this.off('end', onEnd);
    reader.chunks.length = 0;
    reader.reject(tooLarge(reader.limit, 'the streamed body'));
    return;
  }
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

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit, `Content-Length ${declared}`));
  return new Promise((resolve, reject) => {
    (req as Reading)[READER] = new BodyReader(limit, resolve, reject);
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

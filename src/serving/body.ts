/**
 * Reading a request body under a byte limit. A declared Content-Length over the limit is refused before any
 * byte is read; a chunked body is cut off as soon as it passes the limit. Either way the answer is 413 and the
 * connection is closed afterwards (the rest of the body is never buffered).
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

function tooLarge(limit: number, size: string): HttpError {
  return new HttpError(413, `body: ${size} exceeds the limit of ${limit} bytes`);
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit, `Content-Length ${declared}`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.off('end', onEnd);
        chunks.length = 0;
        reject(tooLarge(limit, 'the streamed body'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
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

/**
 * Decode worker thread: parses and validates large request bodies off the event loop (decoder.ts), and sends
 * the tensors back as transferred ArrayBuffers, so the main thread only receives typed arrays, never a parsed
 * JSON tree to clone.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HttpError } from './errors.js';
import type { DecodeInit, FromDecoder, ToDecoder } from './decode-protocol.js';
import { parseInferBody } from './infer-body.js';
import { transferables } from './worker-protocol.js';

function start(port: NonNullable<typeof parentPort>): void {
  const { signature, limits } = workerData as DecodeInit;
  port.on('message', ({ id, protocol, body, headerLength }: ToDecoder) => {
    let reply: FromDecoder;
    try {
      const request = parseInferBody(protocol, Buffer.from(body.buffer, body.byteOffset, body.byteLength), headerLength, signature, limits);
      reply = { id, request };
      port.postMessage(reply, transferables(request.feeds));
      return;
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500;
      reply = { id, error: { status, message: (err as Error).message } };
    }
    port.postMessage(reply);
  });
}

if (parentPort) start(parentPort);

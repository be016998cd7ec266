/**
 * An inference body as it arrives, whatever the protocol: JSON, or (V2) Triton's binary tensor data extension,
 * where `Inference-Header-Content-Length` gives the length of a JSON header that raw tensor bytes follow. One
 * function for the event loop and the decode worker (decoder.ts), so both answer the same errors.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { parseJson } from './body.js';
import { badRequest, quote } from './errors.js';
import type { Protocol } from './metrics.js';
import type { ModelSignature } from './signature.js';
import type { TensorLimits } from './tensor.js';
import { parseV1Request } from './v1.js';
import { parseV2Request, type InferRequest } from './v2.js';

export const BINARY_HEADER = 'inference-header-content-length';

/**
 * The JSON header's length of a binary request (Triton's extension), undefined for a JSON body. 400 before the
 * body is read when the header is not a byte count, or comes with a protocol other than V2.
 */
export function binaryHeaderLength(headers: IncomingHttpHeaders, protocol: Protocol): number | undefined {
  const given = headers[BINARY_HEADER];
  if (given === undefined) return undefined;
  const header = Array.isArray(given) ? given.join(',') : given;
  if (protocol !== 'v2') {
    throw badRequest('Inference-Header-Content-Length: the binary tensor data extension is served on /v2/models/{name}/infer only; send JSON here');
  }
  const value = header.trim();
  const length = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(length)) throw badRequest(`Inference-Header-Content-Length: expected a byte count, got ${quote(header)}`);
  return length;
}

/** Parses and validates a body; `headerLength` is binaryHeaderLength's answer. */
export function parseInferBody(protocol: Protocol, body: Buffer, headerLength: number | undefined, signature: ModelSignature, limits: TensorLimits): InferRequest {
  if (headerLength === undefined) {
    const json = parseJson(body);
    return protocol === 'v2' ? parseV2Request(json, signature, limits) : parseV1Request(json, signature, limits);
  }
  if (headerLength > body.length) {
    throw badRequest(`Inference-Header-Content-Length: ${headerLength} bytes of JSON header, but the body has only ${body.length}`);
  }
  const json = parseJson(body.subarray(0, headerLength));
  return parseV2Request(json, signature, limits, body.subarray(headerLength));
}

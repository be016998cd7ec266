/**
 * Large bodies (OFFLOAD_BYTES and more) are parsed and validated in the decode worker (decoder.ts), over real
 * HTTP with the real ONNX Runtime: the answers and the error messages are the same as the inline path's (the
 * reference: parseV1Request / parseV2Request called in this thread on the same body), and a body just under the
 * threshold decodes inline to the same answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OFFLOAD_BYTES } from '../../../src/serving/decoder.js';
import { HttpError } from '../../../src/serving/errors.js';
import { parseV1Request } from '../../../src/serving/v1.js';
import { parseV2Request } from '../../../src/serving/v2.js';
import { close, post, startServer, type TestServer } from './harness.js';
import { expected } from './models.js';

let server: TestServer;
const LIMITS = { maxBodyBytes: 4 << 20, maxElements: 1 << 20, allowNonFinite: false };

beforeAll(async () => {
  server = await startServer('driver_elasticnet', { name: 'driver', limits: LIMITS });
});
afterAll(async () => server?.close());

/** The expected rows repeated `times`, with the independently computed outputs likewise. */
function repeated(times: number) {
  const want = expected().driver_elasticnet;
  const inputs = Array.from({ length: times }, () => want.inputs).flat();
  const outputs = Array.from({ length: times }, () => want.outputs).flat();
  return { inputs, outputs };
}

/** The inline path's error for a body (the reference the worker must match). */
function inlineError(protocol: 'v1' | 'v2', body: string): string {
  try {
    const json: unknown = JSON.parse(body);
    if (protocol === 'v2') parseV2Request(json, server.loaded.signature, LIMITS);
    else parseV1Request(json, server.loaded.signature, LIMITS);
  } catch (err) {
    expect(err).toBeInstanceOf(HttpError);
    return (err as Error).message;
  }
  throw new Error('the body is valid');
}

const workerStarts = () => server.log.lines.filter((l) => l.msg === 'Started the decode worker for large bodies').length;

describe('large bodies decode in the worker', () => {
  it('a body under the threshold decodes inline; the first over it starts the worker', async () => {
    const { inputs } = repeated(1_000);
    expect(JSON.stringify({ instances: inputs }).length).toBeLessThan(OFFLOAD_BYTES);
    expect((await post(`${server.url}/v1/models/driver:predict`, { instances: inputs })).status).toBe(200);
    expect(workerStarts()).toBe(0);
    const big = repeated(12_000).inputs;
    expect((await post(`${server.url}/v1/models/driver:predict`, { instances: big })).status).toBe(200);
    expect(workerStarts()).toBe(1);
  });

  it('a V2 request over the threshold: the same predictions as numpy', async () => {
    const { inputs, outputs } = repeated(12_000);
    const body = JSON.stringify({ inputs: [{ name: 'input', shape: [inputs.length, 3], datatype: 'FP32', data: inputs.flat() }] });
    expect(body.length).toBeGreaterThanOrEqual(OFFLOAD_BYTES);
    const reply = await post(`${server.url}/v2/models/driver/infer`, body);
    expect(reply.status).toBe(200);
    expect(close((reply.body.outputs as { data: number[] }[])[0]!.data, outputs.flat(), 1e-5)).toBe(true);
  });

  it('a V1 request over the threshold, and one just under it (inline): the same predictions', async () => {
    for (const times of [12_000, 1_000]) {
      const { inputs, outputs } = repeated(times);
      const body = JSON.stringify({ instances: inputs });
      expect(body.length >= OFFLOAD_BYTES).toBe(times === 12_000);
      const reply = await post(`${server.url}/v1/models/driver:predict`, body);
      expect(reply.status).toBe(200);
      expect(close(reply.body.predictions, outputs, 1e-5)).toBe(true);
    }
  });

  const empties = (n: number) => `{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[${'[],'.repeat(n).slice(0, -1)}]}]}`;
  const BAD: [string, 'v1' | 'v2', string][] = [
    ['a million empty arrays as data', 'v2', empties(1_000_000)],
    ['a bad element deep in a large request', 'v2', JSON.stringify({ inputs: [{ name: 'input', shape: [50_000, 3], datatype: 'FP32', data: [...new Array(149_999).fill(0.5), 'fast'] }] })],
    ['too many elements', 'v2', JSON.stringify({ inputs: [{ name: 'input', shape: [400_000, 3], datatype: 'FP32', data: new Array(1_200_000).fill(0) }] })],
    ['a ragged V1 row', 'v1', JSON.stringify({ instances: [...new Array(40_000).fill([0.5, 0.9, 280]), [1, 2]] })],
  ];

  it.each(BAD)('%s: 400 with the message of the inline path', async (_name, protocol, body) => {
    expect(body.length).toBeGreaterThanOrEqual(OFFLOAD_BYTES);
    const path = protocol === 'v2' ? '/v2/models/driver/infer' : '/v1/models/driver:predict';
    const reply = await post(`${server.url}${path}`, body);
    expect(reply).toMatchObject({ status: 400, body: { error: inlineError(protocol, body) } });
  });

  it('a large body that is not JSON: 400 naming the body', async () => {
    const reply = await post(`${server.url}/v2/models/driver/infer`, `{"inputs": ${'1,'.repeat(OFFLOAD_BYTES)}`);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatch(/^body: not valid JSON \(/);
  });
});

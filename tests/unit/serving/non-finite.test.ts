/**
 * Outputs that are not finite stay distinguishable (issue 12, point 5), over real HTTP with the real ONNX
 * Runtime: row_sum of a row holding NaN, +Infinity or -Infinity (inputs accepted with --allow-nan) answers the
 * strings "NaN", "Infinity", "-Infinity" in V2 and V1, the strings --allow-nan accepts, and the same answer
 * sent back as input round-trips.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFlat } from '../../../src/serving/json-out.js';
import { post, startServer, type TestServer } from './harness.js';

let server: TestServer;

beforeAll(async () => {
  server = await startServer('row_sum', { name: 'row_sum', limits: { allowNonFinite: true } });
});
afterAll(async () => server?.close());

const ROWS = [
  ['NaN', 1],
  ['Infinity', 1],
  ['-Infinity', 1],
  [2, 3],
];
const WANT = ['NaN', 'Infinity', '-Infinity', 5];

describe('non-finite outputs', () => {
  it('encodeFlat writes each as its string, finite values as numbers', () => {
    expect(encodeFlat(Float32Array.of(NaN, Infinity, -Infinity, 1.5, -0))).toBe('["NaN","Infinity","-Infinity",1.5,0]');
    expect(encodeFlat(Float64Array.of(1, 2))).toBe('[1,2]');
  });

  it('V2: "NaN", "Infinity", "-Infinity" in data, and they round-trip as input', async () => {
    const reply = await post(`${server.url}/v2/models/row_sum/infer`, { inputs: [{ name: 'x', shape: [4, 2], datatype: 'FP32', data: ROWS.flat() }] });
    expect(reply.status).toBe(200);
    const [output] = reply.body.outputs as { data: unknown[] }[];
    expect(output!.data).toEqual(WANT);
    const back = await post(`${server.url}/v2/models/row_sum/infer`, { inputs: [{ name: 'x', shape: [4, 1], datatype: 'FP32', data: output!.data }] });
    expect((back.body.outputs as { data: unknown[] }[])[0]!.data).toEqual(WANT);
  });

  it('V1: the same strings in predictions and in columnar outputs', async () => {
    const rows = await post(`${server.url}/v1/models/row_sum:predict`, { instances: ROWS });
    expect(rows).toMatchObject({ status: 200, body: { predictions: WANT.map((v) => [v]) } });
    const columns = await post(`${server.url}/v1/models/row_sum:predict`, { inputs: ROWS });
    expect(columns).toMatchObject({ status: 200, body: { outputs: WANT.map((v) => [v]) } });
  });
});

/**
 * Open Inference Protocol (V2) over real HTTP with real ONNX Runtime: results are checked against outputs
 * computed independently by numpy/scikit-learn (tests/models/expected.json); every error case is asserted by
 * status and message and followed by a correct answer from the same server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expected, type Expected } from './models.js';
import { close, get, post, startServer, type TestServer } from './harness.js';

let driver: TestServer;
let multi: TestServer;
let want: Expected;

beforeAll(async () => {
  driver = await startServer('driver_elasticnet', { name: 'driver', version: '3', limits: { maxElements: 30_000, maxBodyBytes: 64 * 1024 } });
  multi = await startServer('multi_io');
  want = expected();
});

afterAll(async () => {
  await driver?.close();
  await multi?.close();
});

const infer = (path = '/v2/models/driver/infer') => `${driver.url}${path}`;
const driverRequest = (rows: number[][]) => ({
  inputs: [{ name: 'input', shape: [rows.length, 3], datatype: 'FP32', data: rows.flat() }],
});

/** A correct inference on the driver model, compared with the independent computation. */
async function expectCorrectAnswer(): Promise<void> {
  const reply = await post(infer(), driverRequest(want.driver_elasticnet.inputs));
  expect(reply.status).toBe(200);
  const [output] = reply.body.outputs as { data: number[] }[];
  expect(close(output!.data, want.driver_elasticnet.outputs.flat(), 1e-5)).toBe(true);
}

describe('V2 health and metadata', () => {
  it('reports live, ready, server and model metadata, with and without the version', async () => {
    expect(await get(`${driver.url}/v2/health/live`)).toMatchObject({ status: 200, body: { live: true } });
    expect(await get(`${driver.url}/v2/health/ready`)).toMatchObject({ status: 200, body: { ready: true } });
    expect((await get(`${driver.url}/v2`)).body).toMatchObject({ name: 'cairn' });
    const metadata = {
      name: 'driver',
      versions: ['3'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 3] }],
      outputs: [{ name: 'variable', datatype: 'FP32', shape: [-1, 1] }],
    };
    expect(await get(`${driver.url}/v2/models/driver`)).toMatchObject({ status: 200, body: metadata });
    expect(await get(`${driver.url}/v2/models/driver/versions/3`)).toMatchObject({ status: 200, body: metadata });
    expect(await get(`${driver.url}/v2/models/driver/ready`)).toMatchObject({ status: 200, body: { name: 'driver', ready: true } });
    expect(await get(`${driver.url}/v2/models/driver/versions/3/ready`)).toMatchObject({ status: 200 });
    expect(await get(`${driver.url}/v2/models/other`)).toMatchObject({ status: 404, body: { error: 'model: unknown model "other"; this server serves "driver"' } });
    expect(await get(`${driver.url}/v2/models/driver/versions/4/ready`)).toMatchObject({ status: 404, body: { error: expect.stringContaining('no version "4"') } });
    const multiMeta = (await get(`${multi.url}/v2/models/multi_io`)).body as { inputs: { datatype: string }[] };
    expect(multiMeta.inputs.map((i) => i.datatype)).toEqual(['FP32', 'INT64', 'BOOL', 'FP64', 'INT32', 'BYTES']);
  });
});

describe('V2 infer', () => {
  it('returns the ElasticNet predictions for flat data (checked against numpy)', async () => {
    const reply = await post(infer(), { id: 'req-1', ...driverRequest(want.driver_elasticnet.inputs) });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ model_name: 'driver', model_version: '3', id: 'req-1' });
    const [output] = reply.body.outputs as { name: string; datatype: string; shape: number[]; data: number[] }[];
    expect(output).toMatchObject({ name: 'variable', datatype: 'FP32', shape: [5, 1] });
    expect(close(output!.data, want.driver_elasticnet.outputs.flat(), 1e-5)).toBe(true);
  });

  it('accepts nested data and the versioned path', async () => {
    const rows = want.driver_elasticnet.inputs.slice(0, 2);
    const reply = await post(infer('/v2/models/driver/versions/3/infer'), {
      inputs: [{ name: 'input', shape: [2, 3], datatype: 'FP32', data: rows }],
    });
    expect(reply.status).toBe(200);
    const [output] = reply.body.outputs as { data: number[] }[];
    expect(close(output!.data, want.driver_elasticnet.outputs.slice(0, 2).flat(), 1e-5)).toBe(true);
  });

  it('carries every datatype: FP32, FP64, INT32, INT64, BOOL and BYTES', async () => {
    const inputs = want.multi_io.inputs;
    const spec: Record<string, string> = { x: 'FP32', count: 'INT64', flag: 'BOOL', scale: 'FP64', level: 'INT32', city: 'BYTES' };
    const reply = await post(`${multi.url}/v2/models/multi_io/infer`, {
      inputs: Object.entries(spec).map(([name, datatype]) => ({
        name,
        datatype,
        shape: [inputs[name]!.length, (inputs[name]![0] as unknown[]).length],
        data: inputs[name],
      })),
    });
    expect(reply.status).toBe(200);
    const outputs = Object.fromEntries((reply.body.outputs as { name: string; datatype: string; data: unknown[] }[]).map((o) => [o.name, o]));
    expect(Object.keys(outputs)).toEqual(['score', 'count_x2', 'scaled', 'flag_not', 'level_sq', 'city_code']);
    expect(outputs.score!.datatype).toBe('FP32');
    expect(close(outputs.score!.data, want.multi_io.outputs.score!.flat(), 1e-6)).toBe(true);
    expect(outputs.count_x2).toMatchObject({ datatype: 'INT64', data: want.multi_io.outputs.count_x2!.flat() });
    expect(outputs.scaled!.datatype).toBe('FP64');
    expect(close(outputs.scaled!.data, want.multi_io.outputs.scaled!.flat(), 1e-12)).toBe(true);
    expect(outputs.flag_not).toMatchObject({ datatype: 'BOOL', data: want.multi_io.outputs.flag_not!.flat() });
    expect(outputs.level_sq).toMatchObject({ datatype: 'INT32', data: want.multi_io.outputs.level_sq!.flat() });
    expect(outputs.city_code).toMatchObject({ datatype: 'INT64', data: want.multi_io.outputs.city_code!.flat() });
  });

  it('keeps INT64 exact beyond 2^53 (decimal strings in, exact digits out) and filters requested outputs', async () => {
    const response = await fetch(`${multi.url}/v2/models/multi_io/infer`, {
      method: 'POST',
      body: JSON.stringify({
        inputs: [
          { name: 'x', datatype: 'FP32', shape: [1, 2], data: [0, 0] },
          { name: 'count', datatype: 'INT64', shape: [1, 1], data: ['1152921504606846977'] },
          { name: 'flag', datatype: 'BOOL', shape: [1, 1], data: [false] },
          { name: 'scale', datatype: 'FP64', shape: [1, 1], data: [0] },
          { name: 'level', datatype: 'INT32', shape: [1, 1], data: [1] },
          { name: 'city', datatype: 'BYTES', shape: [1, 1], data: ['hcm'] },
        ],
        outputs: [{ name: 'count_x2' }],
      }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('"name":"count_x2","datatype":"INT64","shape":[1,1],"data":[2305843009213693954]');
    expect(text).not.toContain('"score"');
  });
});

const GOOD = { name: 'input', shape: [1, 3], datatype: 'FP32', data: [0.5, 0.9, 280] };

interface ErrorCase {
  name: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body: unknown;
  status: number;
  error: string;
}

const ERROR_CASES: ErrorCase[] = [
  { name: 'unknown model', path: '/v2/models/nope/infer', body: { inputs: [GOOD] }, status: 404, error: 'model: unknown model "nope"; this server serves "driver"' },
  { name: 'unknown version', path: '/v2/models/driver/versions/9/infer', body: { inputs: [GOOD] }, status: 404, error: 'version: model "driver" has no version "9"; this server serves version "3"' },
  { name: 'unknown path', path: '/v2/models/driver/explain', body: {}, status: 404, error: 'path: no endpoint POST /v2/models/driver/explain' },
  { name: 'wrong method', path: '/v2/health/ready', body: {}, status: 405, error: 'method: /v2/health/ready accepts GET, got POST' },
  { name: 'body not JSON', body: '{"inputs": [', status: 400, error: 'body: not valid JSON' },
  { name: 'empty body', body: '', status: 400, error: 'body: empty; expected a JSON object' },
  { name: 'body not an object', body: [1, 2], status: 400, error: 'body: expected a JSON object with "inputs"' },
  { name: 'no inputs', body: { inputs: [] }, status: 400, error: 'inputs: expected a non-empty array of input tensors (the model takes input)' },
  { name: 'wrong input name', body: { inputs: [{ ...GOOD, name: 'features' }] }, status: 400, error: 'inputs[0].name: the model has no input "features"; its inputs are input' },
  { name: 'input given twice', body: { inputs: [GOOD, GOOD] }, status: 400, error: 'inputs[1].name: input "input" is given twice' },
  { name: 'datatype mismatch', body: { inputs: [{ ...GOOD, datatype: 'FP64' }] }, status: 400, error: 'inputs[0].datatype: input "input" is FP32, got "FP64"' },
  { name: 'missing datatype', body: { inputs: [{ ...GOOD, datatype: undefined }] }, status: 400, error: 'inputs[0].datatype: input "input" is FP32, got nothing' },
  { name: 'wrong rank', body: { inputs: [{ ...GOOD, shape: [3] }] }, status: 400, error: 'inputs[0].shape: input "input" needs rank 2 [-1,3], got [3]' },
  { name: 'wrong dimension', body: { inputs: [{ ...GOOD, shape: [1, 4], data: [1, 2, 3, 4] }] }, status: 400, error: 'inputs[0].shape: dimension 1 of input "input" must be 3 [-1,3], got [1,4]' },
  { name: 'shape not integers', body: { inputs: [{ ...GOOD, shape: [1.5, 3] }] }, status: 400, error: 'inputs[0].shape[0]: expected a non-negative integer dimension, got 1.5' },
  { name: 'negative dimension', body: { inputs: [{ ...GOOD, shape: [-1, 3] }] }, status: 400, error: 'inputs[0].shape[0]: expected a non-negative integer dimension, got -1' },
  { name: 'element count mismatch', body: { inputs: [{ ...GOOD, data: [1, 2] }] }, status: 400, error: 'inputs[0].data: has 2 elements but shape [1,3] needs 3' },
  { name: 'data missing', body: { inputs: [{ ...GOOD, data: undefined }] }, status: 400, error: 'inputs[0].data: missing (send "data", or parameters.binary_data_size with the binary tensor extension)' },
  { name: 'non-numeric element', body: { inputs: [{ ...GOOD, data: [1, 'abc', 3] }] }, status: 400, error: 'inputs[0].data[1]: expected a number (FP32), got "abc"' },
  { name: 'null element', body: { inputs: [{ ...GOOD, data: [1, 2, null] }] }, status: 400, error: 'inputs[0].data[2]: expected a number (FP32), got null' },
  { name: 'NaN', body: { inputs: [{ ...GOOD, data: ['NaN', 2, 3] }] }, status: 400, error: 'inputs[0].data[0]: expected a finite number (FP32), got "NaN"' },
  { name: 'Infinity', body: '{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[1,2,1e999]}]}', status: 400, error: 'inputs[0].data[2]: expected a finite number (FP32), got Infinity' },
  { name: 'beyond float32', body: '{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[1,2,3.5e38]}]}', status: 400, error: 'inputs[0].data[2]: 3.5e+38 is out of range for FP32' },
  { name: 'ragged nested data', body: { inputs: [{ ...GOOD, shape: [2, 3], data: [[1, 2, 3], [4, 5]] }] }, status: 400, error: 'inputs[0].data[1]: expected 3 elements, got 2 (ragged or wrong shape)' },
  { name: 'nested element not a number', body: { inputs: [{ ...GOOD, shape: [2, 3], data: [[1, 2, 3], [4, 5, [6]]] }] }, status: 400, error: 'inputs[0].data[1][2]: expected a number (FP32), got an array' },
  { name: 'too many elements', body: { inputs: [{ ...GOOD, shape: [20_000, 3], data: [] }] }, status: 400, error: 'inputs[0].shape: the request has 60000 elements; the limit is 30000' },
  { name: 'absurd shape', body: { inputs: [{ ...GOOD, shape: [2 ** 52, 2 ** 52, 3], data: [] }] }, status: 400, error: 'inputs[0].shape: input "input" needs rank 2' },
  { name: 'unknown requested output', body: { inputs: [GOOD], outputs: [{ name: 'proba' }] }, status: 400, error: 'outputs[0].name: the model has no output "proba"; its outputs are variable' },
  { name: 'id not a string', body: { id: 7, inputs: [GOOD] }, status: 400, error: 'id: expected a string' },
  { name: 'body too large', body: { inputs: [GOOD], padding: 'x'.repeat(70_000) }, status: 413, error: 'exceeds the limit of 65536 bytes' },
];

describe('V2 errors', () => {
  it.each(ERROR_CASES)('$name: $status with a message naming the field, then a correct answer', async (c) => {
    const reply = await post(infer(c.path), c.body, { ...(c.method ? { method: c.method } : {}), ...(c.headers ? { headers: c.headers } : {}) });
    expect(reply.status).toBe(c.status);
    expect(reply.body.error).toContain(c.error);
    await expectCorrectAnswer();
  });

  it('a streamed (chunked) body over the limit gets 413, then a correct answer', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(16 * 1024));
    const body = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await fetch(infer(), { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: 'body: the streamed body exceeds the limit of 65536 bytes' });
    await expectCorrectAnswer();
  });

  it('datatype errors on the multi-input model name the input and the element', async () => {
    const base = {
      x: { datatype: 'FP32', data: [1, 2] },
      count: { datatype: 'INT64', data: [3] },
      flag: { datatype: 'BOOL', data: [true] },
      scale: { datatype: 'FP64', data: [0.5] },
      level: { datatype: 'INT32', data: [2] },
      city: { datatype: 'BYTES', data: ['hcm'] },
    };
    const request = (patch: Record<string, unknown>) => ({
      inputs: Object.entries({ ...base, ...patch }).map(([name, v]) => ({ name, shape: [1, (v as { data: unknown[] }).data.length], ...(v as object) })),
    });
    const cases: [Record<string, unknown>, string][] = [
      [{ count: { datatype: 'INT64', data: [1.5] } }, 'inputs[1].data[0]: expected an integer (INT64), got number 1.5'],
      [{ count: { datatype: 'INT64', data: [2 ** 60] } }, 'inputs[1].data[0]: 1152921504606847000 is beyond 2^53 and would lose precision in JSON; send it as a decimal string'],
      [{ count: { datatype: 'INT64', data: ['9223372036854775808'] } }, 'inputs[1].data[0]: 9223372036854775808 is out of range for INT64'],
      [{ flag: { datatype: 'BOOL', data: [1] } }, 'inputs[2].data[0]: expected true or false, got number 1'],
      [{ level: { datatype: 'INT32', data: [2 ** 31] } }, 'inputs[4].data[0]: 2147483648 is out of range for INT32 [-2147483648, 2147483647]'],
      [{ city: { datatype: 'BYTES', data: [7] } }, 'inputs[5].data[0]: expected a string, got number 7'],
      [{ scale: { datatype: 'FP32', data: [0.5] } }, 'inputs[3].datatype: input "scale" is FP64, got "FP32"'],
    ];
    for (const [patch, error] of cases) {
      const reply = await post(`${multi.url}/v2/models/multi_io/infer`, request(patch));
      expect(reply, error).toMatchObject({ status: 400, body: { error } });
    }
    const missing = await post(`${multi.url}/v2/models/multi_io/infer`, { inputs: request({}).inputs.slice(0, 4) });
    expect(missing).toMatchObject({ status: 400, body: { error: 'inputs: missing input "level", "city"' } });
    const good = await post(`${multi.url}/v2/models/multi_io/infer`, request({}));
    expect(good.status).toBe(200);
  });

  it('counts every request by protocol and code in cairn_inference_requests_total', async () => {
    const metrics = await driver.metrics();
    expect(metrics).toMatch(/cairn_inference_requests_total\{model="driver",version="3",protocol="v2",code="200"\} \d+/);
    expect(metrics).toMatch(/cairn_inference_requests_total\{model="driver",version="3",protocol="v2",code="400"\} \d+/);
    expect(metrics).toMatch(/cairn_inference_requests_total\{model="driver",version="3",protocol="v2",code="404"\} \d+/);
    expect(metrics).toMatch(/cairn_inference_requests_total\{model="driver",version="3",protocol="v2",code="413"\} \d+/);
  });
});

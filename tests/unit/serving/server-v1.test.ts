/**
 * TF Serving / KServe V1 over real HTTP with real ONNX Runtime: row (`instances`) and columnar (`inputs`)
 * formats, checked against tests/models/expected.json; errors by status and message, each followed by a
 * correct answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, get, post, startServer, type TestServer } from './harness.js';
import { expected, type Expected } from './models.js';

let driver: TestServer;
let multi: TestServer;
let reduce: TestServer;
let want: Expected;

beforeAll(async () => {
  driver = await startServer('driver_elasticnet', { name: 'driver', version: '3', limits: { maxElements: 3000, maxBodyBytes: 32 * 1024 } });
  multi = await startServer('multi_io');
  reduce = await startServer('reduce_sum');
  want = expected();
});

afterAll(async () => {
  await Promise.all([driver?.close(), multi?.close(), reduce?.close()]);
});

const predict = (path = '/v1/models/driver:predict') => `${driver.url}${path}`;

async function expectCorrectAnswer(): Promise<void> {
  const reply = await post(predict(), { instances: want.driver_elasticnet.inputs });
  expect(reply.status).toBe(200);
  expect(close(reply.body.predictions, want.driver_elasticnet.outputs, 1e-5)).toBe(true);
}

describe('V1 status and predict', () => {
  it('reports the model status', async () => {
    const reply = await get(`${driver.url}/v1/models/driver`);
    expect(reply).toMatchObject({ status: 200, body: { name: 'driver', ready: true, model_version_status: [{ version: '3', state: 'AVAILABLE' }] } });
    expect((await get(`${driver.url}/v1/models/driver/versions/3`)).status).toBe(200);
    expect(await get(`${driver.url}/v1/models/other`)).toMatchObject({ status: 404, body: { error: 'model: unknown model "other"; this server serves "driver"' } });
  });

  it('instances (rows) return one prediction per row, as numpy computed them', async () => {
    await expectCorrectAnswer();
  });

  it('instances keyed by input name, columnar inputs, and the versioned path give the same predictions', async () => {
    const rows = want.driver_elasticnet.inputs;
    const keyed = await post(predict(), { instances: rows.map((r) => ({ input: r })) });
    expect(keyed.status).toBe(200);
    expect(close(keyed.body.predictions, want.driver_elasticnet.outputs, 1e-5)).toBe(true);
    // Columnar requests are answered in TF Serving's columnar form: {"outputs": tensor}.
    for (const body of [{ inputs: rows }, { inputs: { input: rows } }]) {
      const reply = await post(predict(), body);
      expect(reply.status).toBe(200);
      expect(Object.keys(reply.body)).toEqual(['outputs']);
      expect(close(reply.body.outputs, want.driver_elasticnet.outputs, 1e-5)).toBe(true);
    }
    const versioned = await post(predict('/v1/models/driver/versions/3:predict'), { instances: rows.slice(0, 1) });
    expect(close(versioned.body.predictions, want.driver_elasticnet.outputs.slice(0, 1), 1e-5)).toBe(true);
  });

  it('a multi-input model takes one object per row and answers one object per row', async () => {
    const inputs = want.multi_io.inputs;
    const names = Object.keys(inputs);
    const instances = inputs.x!.map((_, row) => Object.fromEntries(names.map((n) => [n, inputs[n]![row]])));
    const reply = await post(`${multi.url}/v1/models/multi_io:predict`, { instances });
    expect(reply.status).toBe(200);
    const predictions = reply.body.predictions as Record<string, unknown[]>[];
    expect(predictions).toHaveLength(3);
    predictions.forEach((p, row) => {
      expect(close(p.score, want.multi_io.outputs.score![row], 1e-6)).toBe(true);
      expect(p.count_x2).toEqual(want.multi_io.outputs.count_x2![row]);
      expect(close(p.scaled, want.multi_io.outputs.scaled![row], 1e-12)).toBe(true);
      expect(p.flag_not).toEqual(want.multi_io.outputs.flag_not![row]);
      expect(p.level_sq).toEqual(want.multi_io.outputs.level_sq![row]);
      expect(p.city_code).toEqual(want.multi_io.outputs.city_code![row]);
    });
  });

  it('a multi-output model answers a columnar request with every output whole, keyed by name', async () => {
    const reply = await post(`${multi.url}/v1/models/multi_io:predict`, { inputs: want.multi_io.inputs });
    expect(reply.status).toBe(200);
    const outputs = reply.body.outputs as Record<string, unknown>;
    expect(close(outputs.score, want.multi_io.outputs.score, 1e-6)).toBe(true);
    expect(outputs.count_x2).toEqual(want.multi_io.outputs.count_x2);
    expect(outputs.flag_not).toEqual(want.multi_io.outputs.flag_not);
    expect(outputs.city_code).toEqual(want.multi_io.outputs.city_code);
  });

  it('an output that does not scale with the rows (a reduction) is the single prediction', async () => {
    const reply = await post(`${reduce.url}/v1/models/reduce_sum:predict`, { instances: [[1, 2, 3], [4, 5, 6.5]] });
    expect(reply).toMatchObject({ status: 200, body: { predictions: [21.5] } });
  });
});

const ROW = [0.5, 0.9, 280];

const ERROR_CASES: { name: string; path?: string; body: unknown; status: number; error: string }[] = [
  { name: 'unknown model', path: '/v1/models/nope:predict', body: { instances: [ROW] }, status: 404, error: 'model: unknown model "nope"; this server serves "driver"' },
  { name: 'unknown version', path: '/v1/models/driver/versions/1:predict', body: { instances: [ROW] }, status: 404, error: 'version: model "driver" has no version "1"' },
  { name: 'body not JSON', body: 'instances=1', status: 400, error: 'body: not valid JSON' },
  { name: 'neither instances nor inputs', body: { rows: [ROW] }, status: 400, error: 'body: expected exactly one of "instances" (rows) or "inputs" (columns)' },
  { name: 'both instances and inputs', body: { instances: [ROW], inputs: [ROW] }, status: 400, error: 'body: expected exactly one of "instances"' },
  { name: 'empty instances', body: { instances: [] }, status: 400, error: 'instances: expected a non-empty array of rows' },
  { name: 'row of the wrong width', body: { instances: [[0.5, 0.9]] }, status: 400, error: 'instances: dimension 1 of input "input" must be 3 [-1,3], got [1,2]' },
  { name: 'ragged rows', body: { instances: [ROW, [1, 2]] }, status: 400, error: 'instances[1]: expected 3 elements, got 2 (ragged or wrong shape)' },
  { name: 'scalar row', body: { instances: [ROW, 7] }, status: 400, error: 'instances[1]: expected an array of 3, got number 7' },
  { name: 'non-numeric value', body: { instances: [[0.5, 'fast', 280]] }, status: 400, error: 'instances[0][1]: expected a number (FP32), got "fast"' },
  { name: 'NaN', body: { instances: [[0.5, 'NaN', 280]] }, status: 400, error: 'instances[0][1]: expected a finite number (FP32), got "NaN"' },
  { name: 'Infinity', body: '{"instances":[[0.5,0.9,-1e999]]}', status: 400, error: 'instances[0][2]: expected a finite number (FP32), got -Infinity' },
  { name: 'unknown input name in a row', body: { instances: [{ features: ROW }] }, status: 400, error: 'instances[0].features: the model has no input "features"; its inputs are input' },
  { name: 'unknown input name in columns', body: { inputs: { features: [ROW] } }, status: 400, error: 'inputs.features: the model has no input "features"; its inputs are input' },
  { name: 'columnar ragged', body: { inputs: [ROW, [1]] }, status: 400, error: 'inputs[1]: expected 3 elements, got 1' },
  { name: 'too many elements', body: { instances: Array.from({ length: 1001 }, () => ROW) }, status: 400, error: 'instances[0]: the request has 3003 elements; the limit is 3000' },
  { name: 'body too large', body: { instances: Array.from({ length: 2000 }, () => [0.123456789, 0.987654321, 280.5]) }, status: 413, error: 'exceeds the limit of 32768 bytes' },
];

describe('V1 errors', () => {
  it.each(ERROR_CASES)('$name: $status with a message naming the field, then a correct answer', async (c) => {
    const reply = await post(predict(c.path), c.body);
    expect(reply.status).toBe(c.status);
    expect(reply.body.error).toContain(c.error);
    await expectCorrectAnswer();
  });

  it('multi-input rows must be objects with every input', async () => {
    const row = { x: [1, 2], count: [3], flag: [true], scale: [0.5], level: [2], city: ['hcm'] };
    const { flag: _flag, ...noFlag } = row;
    const cases: [unknown, string][] = [
      [{ instances: [row, noFlag] }, 'instances[1]: missing input "flag"'],
      [{ instances: [[1, 2]] }, 'instances[0]: expected an object keyed by input name (x, count, flag, scale, level, city)'],
      [{ instances: [{ ...row, count: [1.25] }] }, 'instances[0].count[0]: expected an integer (INT64), got number 1.25'],
      [{ inputs: [[1, 2]] }, 'inputs: expected an object keyed by input name (x, count, flag, scale, level, city)'],
    ];
    for (const [body, error] of cases) {
      expect(await post(`${multi.url}/v1/models/multi_io:predict`, body)).toMatchObject({ status: 400, body: { error } });
    }
    expect((await post(`${multi.url}/v1/models/multi_io:predict`, { instances: [row] })).status).toBe(200);
  });

  it('counts V1 requests under protocol="v1"', async () => {
    const metrics = await driver.metrics();
    expect(metrics).toMatch(/cairn_inference_requests_total\{model="driver",version="3",protocol="v1",code="200"\} \d+/);
    expect(metrics).toMatch(/cairn_inference_requests_total\{model="driver",version="3",protocol="v1",code="400"\} \d+/);
    expect(metrics).toMatch(/cairn_inference_duration_seconds_count\{model="driver",version="3",protocol="v1"\} \d+/);
  });
});

/**
 * TF Serving REST as its clients use it (issue 12, point 8), over real HTTP with the real ONNX Runtime:
 * `GET /v1/models/{name}[/versions/{v}]/metadata` answers the signature in TF Serving's layout (the one
 * `serving_default` predict signature, TF dtype names, string sizes), and `signature_name` on predict is
 * accepted when it names that signature and a 400 otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { close, get, post, startServer, type TestServer } from './harness.js';
import { expected } from './models.js';

let driver: TestServer;
let multi: TestServer;

beforeAll(async () => {
  driver = await startServer('driver_elasticnet', { name: 'driver', version: '3' });
  multi = await startServer('multi_io');
});
afterAll(async () => {
  await driver?.close();
  await multi?.close();
});

const dims = (...sizes: number[]) => ({ dim: sizes.map((size) => ({ size: String(size), name: '' })), unknown_rank: false });

describe('TF Serving metadata', () => {
  it('the driver model: one serving_default predict signature, with and without the version', async () => {
    const want = {
      model_spec: { name: 'driver', signature_name: '', version: '3' },
      metadata: {
        signature_def: {
          signature_def: {
            serving_default: {
              inputs: { input: { dtype: 'DT_FLOAT', tensor_shape: dims(-1, 3), name: 'input' } },
              outputs: { variable: { dtype: 'DT_FLOAT', tensor_shape: dims(-1, 1), name: 'variable' } },
              method_name: 'tensorflow/serving/predict',
            },
          },
        },
      },
    };
    expect(await get(`${driver.url}/v1/models/driver/metadata`)).toMatchObject({ status: 200, body: want });
    expect(await get(`${driver.url}/v1/models/driver/versions/3/metadata`)).toMatchObject({ status: 200, body: want });
    expect(await get(`${driver.url}/v1/models/driver/versions/4/metadata`)).toMatchObject({ status: 404, body: { error: expect.stringContaining('no version "4"') as unknown } });
    expect(await get(`${driver.url}/v1/models/other/metadata`)).toMatchObject({ status: 404 });
  });

  it('every datatype of the multi-input model by its TF name', async () => {
    const reply = await get(`${multi.url}/v1/models/multi_io/metadata`);
    const inputs = (reply.body as { metadata: { signature_def: { signature_def: { serving_default: { inputs: Record<string, { dtype: string }> } } } } }).metadata.signature_def.signature_def.serving_default.inputs;
    expect(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.dtype]))).toEqual({
      x: 'DT_FLOAT',
      count: 'DT_INT64',
      flag: 'DT_BOOL',
      scale: 'DT_DOUBLE',
      level: 'DT_INT32',
      city: 'DT_STRING',
    });
  });
});

describe('signature_name on predict', () => {
  it('serving_default is the model; another name or type is a 400 naming the field', async () => {
    const want = expected().driver_elasticnet;
    const ok = await post(`${driver.url}/v1/models/driver:predict`, { signature_name: 'serving_default', instances: want.inputs });
    expect(close(ok.body.predictions, want.outputs, 1e-5)).toBe(true);
    expect(await post(`${driver.url}/v1/models/driver:predict`, { signature_name: 'classify', instances: want.inputs })).toMatchObject({
      status: 400,
      body: { error: 'signature_name: the model has one signature, "serving_default"; got "classify"' },
    });
    expect(await post(`${driver.url}/v1/models/driver:predict`, { signature_name: ['x'], instances: want.inputs })).toMatchObject({
      status: 400,
      body: { error: 'signature_name: the model has one signature, "serving_default"; got an array of 1' },
    });
  });
});

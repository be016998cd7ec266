/**
 * The Open Inference Protocol over gRPC (inference.GRPCInferenceService) with the real ONNX Runtime: Triton's
 * Python gRPC client (tritonclient.grpc, from PyPI, its defaults: raw_input_contents) against numpy's
 * predictions, and a @grpc/grpc-js client on the same proto for the typed contents, the errors (each a gRPC
 * code and a message naming the field), the size limit and the metrics shared with HTTP.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGrpcServer, type GrpcServer } from '../../../src/serving/grpc-server.js';
import { ensurePythonEnv } from '../../../src/testenv/python-env.js';
import { grpcClient, type GrpcCall } from './grpc-client.js';
import { close, get, sample, startServer, type TestServer } from './harness.js';
import { expected } from './models.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const LIMIT = 64 * 1024;

let python: string;
let driver: TestServer;
let multi: TestServer;
let driverGrpc: GrpcServer;
let multiGrpc: GrpcServer;
let driverAddress: string;
let multiAddress: string;
let driverClient: Record<string, GrpcCall>;

beforeAll(async () => {
  ({ python } = await ensurePythonEnv({ root, requirements: ['tests/unit/serving/peers-requirements.txt'] }));
  driver = await startServer('driver_elasticnet', { name: 'driver', limits: { maxBodyBytes: LIMIT } });
  multi = await startServer('multi_io');
  driverGrpc = buildGrpcServer(driver.server.core, driver.log.logger);
  multiGrpc = buildGrpcServer(multi.server.core, multi.log.logger);
  driverAddress = `127.0.0.1:${await driverGrpc.listen(0, '127.0.0.1')}`;
  multiAddress = `127.0.0.1:${await multiGrpc.listen(0, '127.0.0.1')}`;
  driverClient = grpcClient(driverAddress);
}, 600_000);

afterAll(async () => {
  await driverGrpc?.drain(1000);
  await multiGrpc?.drain(1000);
  await driver?.close();
  await multi?.close();
});

function runPython(script: string, args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(python, ['-c', script, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as Record<string, unknown>);
    });
  });
}

const TRITON = `
import json, sys
import numpy as np
import tritonclient.grpc as grpcclient
from tritonclient.utils import InferenceServerException
client = grpcclient.InferenceServerClient(url=sys.argv[1])
out = {}
`;

describe('tritonclient.grpc', () => {
  it('health, metadata and inference with its defaults (raw contents): the predictions of numpy', async () => {
    const want = expected().driver_elasticnet;
    const result = await runPython(
      `${TRITON}
out["live"] = client.is_server_live()
out["ready"] = client.is_server_ready()
out["model_ready"] = client.is_model_ready("driver")
out["server"] = client.get_server_metadata(as_json=True)
out["model"] = client.get_model_metadata("driver", as_json=True)
x = np.array(${JSON.stringify(want.inputs)}, dtype=np.float32)
inp = grpcclient.InferInput("input", list(x.shape), "FP32")
inp.set_data_from_numpy(x)
out["predictions"] = client.infer("driver", [inp], request_id="r-1").as_numpy("variable").tolist()
try:
    client.infer("nope", [inp])
except InferenceServerException as e:
    out["unknown"] = [e.status(), e.message()]
print(json.dumps(out))
`,
      [driverAddress],
    );
    expect(result).toMatchObject({ live: true, ready: true, model_ready: true, server: { name: 'cairn', extensions: ['model_configuration', 'statistics', 'model_repository'] } });
    expect(result.model).toMatchObject({ name: 'driver', inputs: [{ name: 'input', datatype: 'FP32', shape: ['-1', '3'] }] });
    expect(close(result.predictions, want.outputs, 1e-5)).toBe(true);
    expect(result.unknown).toEqual(['StatusCode.NOT_FOUND', 'model: unknown model "nope"; this server serves "driver"']);
  });

  it('BYTES, BOOL, INT64, FP64 and INT32 tensors (multi_io): the outputs of numpy', async () => {
    const m = expected().multi_io;
    const result = await runPython(
      `${TRITON}
given = json.loads(${JSON.stringify(JSON.stringify(m.inputs))})
types = {"x": ("FP32", np.float32), "count": ("INT64", np.int64), "flag": ("BOOL", np.bool_), "scale": ("FP64", np.float64), "level": ("INT32", np.int32), "city": ("BYTES", np.object_)}
inputs = []
for name, (datatype, dtype) in types.items():
    value = np.array([[v.encode() for v in row] for row in given[name]], dtype=dtype) if datatype == "BYTES" else np.array(given[name], dtype=dtype)
    inp = grpcclient.InferInput(name, list(value.shape), datatype)
    inp.set_data_from_numpy(value)
    inputs.append(inp)
res = client.infer("multi_io", inputs)
for name in ["score", "count_x2", "scaled", "flag_not", "level_sq", "city_code"]:
    out[name] = res.as_numpy(name).tolist()
print(json.dumps(out))
`,
      [multiAddress],
    );
    for (const [name, values] of Object.entries(m.outputs)) expect(close(result[name], values, 1e-6), name).toBe(true);
  });
});

const rows = () => expected().driver_elasticnet.inputs;
const raw = (values: number[]) => Buffer.from(Float32Array.from(values).buffer);
const rawRequest = (bytes: Buffer, shape = ['1', '3']) => ({ model_name: 'driver', inputs: [{ name: 'input', datatype: 'FP32', shape }], raw_input_contents: [bytes] });

describe('gRPC: typed contents, errors and limits', () => {
  it('typed contents (fp32_contents) and requested outputs; the id comes back', async () => {
    const want = expected().driver_elasticnet;
    const response = await driverClient.ModelInfer!({
      model_name: 'driver',
      id: 'abc',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [want.inputs.length, 3], contents: { fp32_contents: want.inputs.flat() } }],
      outputs: [{ name: 'variable' }],
    });
    expect(response).toMatchObject({ model_name: 'driver', model_version: '1', id: 'abc', outputs: [{ name: 'variable', datatype: 'FP32', shape: [String(want.inputs.length), '1'] }] });
    const [bytes] = response.raw_output_contents as Buffer[];
    const values = Array.from(new Float32Array(bytes!.buffer.slice(bytes!.byteOffset, bytes!.byteOffset + bytes!.length)));
    expect(close(values, want.outputs.flat(), 1e-5)).toBe(true);
  });

  const cases: { name: string; request: () => object; code: grpc.status; details: string }[] = [
    { name: 'unknown model', request: () => ({ ...rawRequest(raw([1, 2, 3])), model_name: 'nope' }), code: grpc.status.NOT_FOUND, details: 'model: unknown model "nope"' },
    { name: 'unknown version', request: () => ({ ...rawRequest(raw([1, 2, 3])), model_version: '7' }), code: grpc.status.NOT_FOUND, details: 'version: model "driver" has no version "7"' },
    { name: 'raw contents one byte short', request: () => rawRequest(raw([1, 2, 3]).subarray(1)), code: grpc.status.INVALID_ARGUMENT, details: 'raw_input_contents[0]: input "input" of shape [1,3] FP32 needs 12 bytes (3 elements of 4), got 11' },
    { name: 'raw contents one byte over', request: () => rawRequest(Buffer.concat([raw([1, 2, 3]), Buffer.alloc(1)])), code: grpc.status.INVALID_ARGUMENT, details: 'raw_input_contents[0]: input "input" of shape [1,3] FP32 needs 12 bytes (3 elements of 4), got 13' },
    { name: 'raw contents for fewer inputs', request: () => ({ ...rawRequest(raw([1, 2, 3])), raw_input_contents: [raw([1, 2, 3]), raw([1])] }), code: grpc.status.INVALID_ARGUMENT, details: 'raw_input_contents: 2 entries for 1 inputs' },
    { name: 'no contents', request: () => ({ model_name: 'driver', inputs: [{ name: 'input', datatype: 'FP32', shape: ['1', '3'] }] }), code: grpc.status.INVALID_ARGUMENT, details: 'inputs[0].contents: missing; send fp32_contents or raw_input_contents' },
    { name: 'wrong datatype', request: () => ({ model_name: 'driver', inputs: [{ name: 'input', datatype: 'FP64', shape: ['1', '3'], contents: { fp64_contents: [1, 2, 3] } }] }), code: grpc.status.INVALID_ARGUMENT, details: 'inputs[0].datatype: input "input" is FP32, got "FP64"' },
    { name: 'wrong shape', request: () => rawRequest(raw([1, 2, 3, 4]), ['1', '4']), code: grpc.status.INVALID_ARGUMENT, details: 'inputs[0].shape: dimension 1 of input "input" must be 3' },
    { name: 'NaN', request: () => rawRequest(raw([1, Number.NaN, 3])), code: grpc.status.INVALID_ARGUMENT, details: 'raw_input_contents[0]: element 1 of input "input" of shape [1,3] FP32 is NaN' },
    { name: 'unknown output', request: () => ({ ...rawRequest(raw([1, 2, 3])), outputs: [{ name: 'proba' }] }), code: grpc.status.INVALID_ARGUMENT, details: 'outputs[0].name: the model has no output "proba"' },
  ];
  it.each(cases)('$name: $code with a message naming the field', async (c) => {
    await expect(driverClient.ModelInfer!(c.request())).rejects.toMatchObject({ code: c.code, details: expect.stringContaining(c.details) as unknown });
  });

  it('a message just under --max-body-bytes is served, just over is RESOURCE_EXHAUSTED', async () => {
    // The message's fields besides the raw bytes (names, datatype, shape, tags) take under 64 bytes.
    const overhead = 64;
    const fits = Math.floor((LIMIT - overhead) / 12);
    const under = rawRequest(raw(new Array<number>(fits * 3).fill(1)), [String(fits), '3']);
    const response = await driverClient.ModelInfer!(under);
    expect(response.outputs).toMatchObject([{ shape: [String(fits), '1'] }]);
    const over = rawRequest(raw(new Array<number>(Math.ceil(LIMIT / 12) * 3).fill(1)), [String(Math.ceil(LIMIT / 12)), '3']);
    await expect(driverClient.ModelInfer!(over)).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
  });

  it('counts its requests in the same metrics as HTTP, under protocol "grpc"', async () => {
    const labels = (code: string) => ({ model: 'driver', protocol: 'grpc', code });
    const before = (await get(`${driver.url}/metrics`)).body.text as string;
    await driverClient.ModelInfer!(rawRequest(raw(rows()[0]!)));
    await expect(driverClient.ModelInfer!(rawRequest(raw([1, 2])))).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    const after = (await get(`${driver.url}/metrics`)).body.text as string;
    expect((sample(after, 'cairn_inference_requests_total', labels('200')) ?? 0) - (sample(before, 'cairn_inference_requests_total', labels('200')) ?? 0)).toBe(1);
    expect((sample(after, 'cairn_inference_requests_total', labels('400')) ?? 0) - (sample(before, 'cairn_inference_requests_total', labels('400')) ?? 0)).toBe(1);
  });

  it('readiness follows the HTTP server: ServerReady and ModelReady false while draining', async () => {
    const server = await startServer('driver_elasticnet', { name: 'driver' });
    const endpoint = buildGrpcServer(server.server.core, server.log.logger);
    const calls = grpcClient(`127.0.0.1:${await endpoint.listen(0, '127.0.0.1')}`);
    expect(await calls.ServerReady!({})).toEqual({ ready: true });
    const drained = server.server.drain(5000, 60_000, (timeoutMs) => endpoint.drain(timeoutMs));
    expect(await calls.ServerReady!({})).toEqual({ ready: false });
    expect(await calls.ModelReady!({ name: 'driver' })).toEqual({ ready: false });
    expect(await calls.ServerLive!({})).toEqual({ live: true });
    void server.server.drain(5000); // the second stop signal: the delay ends
    expect(await drained).toEqual({ cut: 0 });
    await server.close();
  });
});

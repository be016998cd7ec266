/**
 * Real clients against cairn serve over real HTTP with the real ONNX Runtime (issue 12): Triton's Python HTTP
 * client (tritonclient, from PyPI) with its defaults (binary tensors) and with JSON tensors, uncompressed and
 * with its gzip and deflate request compression, and a TF Serving REST client in the style of the TF Serving tutorial (requests.post to
 * :predict, reading `predictions`). The predictions are compared with numpy's (tests/models/expected.json).
 * The clients run in the Python environment of peers-requirements.txt (src/testenv/python-env.ts, cached).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePythonEnv } from '../../../src/testenv/python-env.js';
import { close, startServer, type TestServer } from './harness.js';
import { expected } from './models.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
let python: string;
let server: TestServer;
let multi: TestServer;

beforeAll(async () => {
  ({ python } = await ensurePythonEnv({ root, requirements: ['tests/unit/serving/peers-requirements.txt'] }));
  server = await startServer('driver_elasticnet', { name: 'driver' });
  multi = await startServer('multi_io');
}, 600_000);
afterAll(async () => {
  await server?.close();
  await multi?.close();
});

/** Runs a Python script with the server's host:port as argv[1] (then `args`); resolves its stdout parsed as JSON. */
function runPython(script: string, args: string[] = []): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(python, ['-c', script, new URL(server.url).host, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as unknown);
    });
  });
}

const TRITON = `
import json, sys
import numpy as np
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException
client = httpclient.InferenceServerClient(url=sys.argv[1])
out = {"live": client.is_server_live(), "ready": client.is_model_ready("driver")}
`;

describe('tritonclient (http)', () => {
  it('JSON tensors, uncompressed, gzip and deflate: the predictions of numpy', async () => {
    const want = expected().driver_elasticnet;
    const result = (await runPython(`${TRITON}
x = np.array(${JSON.stringify(want.inputs)}, dtype=np.float32)
for compression in [None, "gzip", "deflate"]:
    inp = httpclient.InferInput("input", list(x.shape), "FP32")
    inp.set_data_from_numpy(x, binary_data=False)
    res = client.infer("driver", [inp], outputs=[httpclient.InferRequestedOutput("variable", binary_data=False)], request_compression_algorithm=compression)
    out[str(compression)] = res.as_numpy("variable").tolist()
print(json.dumps(out))
`)) as Record<string, unknown>;
    expect(result).toMatchObject({ live: true, ready: true });
    for (const compression of ['None', 'gzip', 'deflate']) expect(close(result[compression], want.outputs, 1e-5)).toBe(true);
  });

  it('its defaults (binary tensors in and out), with gzip and deflate, and with no outputs named (binary_data_output): the predictions of numpy', async () => {
    const want = expected().driver_elasticnet;
    const result = (await runPython(`${TRITON}
x = np.array(${JSON.stringify(want.inputs)}, dtype=np.float32)
for compression in [None, "gzip", "deflate"]:
    inp = httpclient.InferInput("input", list(x.shape), "FP32")
    inp.set_data_from_numpy(x)
    res = client.infer("driver", [inp], outputs=[httpclient.InferRequestedOutput("variable")], request_compression_algorithm=compression)
    out[str(compression)] = res.as_numpy("variable").tolist()
    out[str(compression) + "-binary"] = res.get_output("variable").get("parameters", {}).get("binary_data_size")
inp = httpclient.InferInput("input", list(x.shape), "FP32")
inp.set_data_from_numpy(x)
out["all"] = client.infer("driver", [inp]).as_numpy("variable").tolist()
print(json.dumps(out))
`)) as Record<string, unknown>;
    for (const key of ['None', 'gzip', 'deflate', 'all']) expect(close(result[key], want.outputs, 1e-5), key).toBe(true);
    // The answers came as raw bytes (4 per FP32 element), not JSON.
    for (const key of ['None-binary', 'gzip-binary', 'deflate-binary']) expect(result[key]).toBe(4 * want.outputs.length);
  });

  it('BYTES, BOOL and INT64 tensors in its binary format (multi_io): the outputs of numpy', async () => {
    const m = expected().multi_io;
    const result = (await runPython(`${TRITON}
client = httpclient.InferenceServerClient(url=sys.argv[2])
given = json.loads(${JSON.stringify(JSON.stringify(m.inputs))})
types = {"x": ("FP32", np.float32), "count": ("INT64", np.int64), "flag": ("BOOL", np.bool_), "scale": ("FP64", np.float64), "level": ("INT32", np.int32), "city": ("BYTES", np.object_)}
inputs = []
for name, (datatype, dtype) in types.items():
    value = np.array([[v.encode() for v in row] for row in given[name]], dtype=dtype) if datatype == "BYTES" else np.array(given[name], dtype=dtype)
    inp = httpclient.InferInput(name, list(value.shape), datatype)
    inp.set_data_from_numpy(value)
    inputs.append(inp)
res = client.infer("multi_io", inputs)
for name in ["score", "count_x2", "scaled", "flag_not", "level_sq", "city_code"]:
    out[name] = res.as_numpy(name).tolist()
print(json.dumps(out))
`, [new URL(multi.url).host])) as Record<string, unknown>;
    for (const [name, values] of Object.entries(m.outputs)) expect(close(result[name], values, 1e-6), name).toBe(true);
  });
});

describe('tritonclient (http): the tools beside inference', () => {
  it('server metadata with its extensions, model config, inference statistics and the repository index', async () => {
    const result = (await runPython(`${TRITON}
x = np.array([[0.5, 0.9, 280]], dtype=np.float32)
before = client.get_inference_statistics("driver")
inp = httpclient.InferInput("input", [1, 3], "FP32")
inp.set_data_from_numpy(x)
client.infer("driver", [inp])
out["server"] = client.get_server_metadata()
out["config"] = client.get_model_config("driver")
out["before"] = before
out["after"] = client.get_inference_statistics("driver")
out["index"] = client.get_model_repository_index()
print(json.dumps(out))
`)) as Record<string, { model_stats?: { inference_count: number; execution_count: number; inference_stats: { success: { count: number } } }[] }>;
    expect(result.server).toMatchObject({ name: 'cairn', extensions: ['model_configuration', 'statistics', 'model_repository'] });
    expect(result.config).toEqual({
      name: 'driver',
      platform: 'onnxruntime_onnx',
      backend: 'onnxruntime',
      max_batch_size: 0,
      input: [{ name: 'input', data_type: 'TYPE_FP32', dims: [-1, 3] }],
      output: [{ name: 'variable', data_type: 'TYPE_FP32', dims: [-1, 1] }],
    });
    const [before] = result.before!.model_stats!;
    const [after] = result.after!.model_stats!;
    expect(after).toMatchObject({ name: 'driver', version: '1' });
    expect(after!.inference_stats.success.count - before!.inference_stats.success.count).toBe(1);
    expect(after!.inference_count - before!.inference_count).toBe(1);
    expect(after!.execution_count - before!.execution_count).toBe(1);
    expect(result.index).toEqual([{ name: 'driver', version: '1', state: 'READY', reason: '' }]);
  });
});

describe('TF Serving REST client (requests, as in the TF Serving tutorial)', () => {
  it('POST :predict with instances, read predictions', async () => {
    const want = expected().driver_elasticnet;
    const result = await runPython(`
import json, sys, requests
data = json.dumps({"signature_name": "serving_default", "instances": ${JSON.stringify(want.inputs)}})
response = requests.post("http://%s/v1/models/driver:predict" % sys.argv[1], data=data, headers={"content-type": "application/json"})
print(json.dumps({"status": response.status_code, "predictions": json.loads(response.text)["predictions"]}))
`);
    expect(result).toMatchObject({ status: 200 });
    expect(close((result as { predictions: unknown }).predictions, want.outputs, 1e-5)).toBe(true);
  });
});

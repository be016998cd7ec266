/**
 * Real clients against cairn serve over real HTTP with the real ONNX Runtime (issue 12): Triton's Python HTTP
 * client (tritonclient, from PyPI) with JSON tensors, uncompressed and with its gzip and deflate request
 * compression, and a TF Serving REST client in the style of the TF Serving tutorial (requests.post to
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

beforeAll(async () => {
  ({ python } = await ensurePythonEnv({ root, requirements: ['tests/unit/serving/peers-requirements.txt'] }));
  server = await startServer('driver_elasticnet', { name: 'driver' });
}, 600_000);
afterAll(async () => server?.close());

/** Runs a Python script with the server's host:port as argv[1]; resolves its stdout parsed as JSON. */
function runPython(script: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile(python, ['-c', script, new URL(server.url).host], { timeout: 60_000 }, (err, stdout, stderr) => {
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

  it('its default binary tensors get a 400 that says how to send JSON (the binary extension is not served yet)', async () => {
    const result = await runPython(`${TRITON}
inp = httpclient.InferInput("input", [1, 3], "FP32")
inp.set_data_from_numpy(np.array([[0.5, 0.9, 280]], dtype=np.float32))
try:
    client.infer("driver", [inp])
    out["error"] = None
except InferenceServerException as e:
    out["error"] = e.message()
print(json.dumps(out))
`);
    expect(result).toMatchObject({ error: expect.stringContaining('(tritonclient: binary_data=False)') as unknown });
  });
});

describe('tritonclient (http): the tools beside inference', () => {
  it('server metadata with its extensions, model config, inference statistics and the repository index', async () => {
    const result = (await runPython(`${TRITON}
x = np.array([[0.5, 0.9, 280]], dtype=np.float32)
before = client.get_inference_statistics("driver")
inp = httpclient.InferInput("input", [1, 3], "FP32")
inp.set_data_from_numpy(x, binary_data=False)
client.infer("driver", [inp], outputs=[httpclient.InferRequestedOutput("variable", binary_data=False)])
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

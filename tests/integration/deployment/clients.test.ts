/**
 * Clients as users run them reach a Deployment's URL, the route Service, and get answers from both versions in
 * proportion to the weight: tritonclient (http, its defaults: binary tensors) and a KServe V2 REST client
 * written as the KServe docs show it (`requests.post(.../v2/models/NAME/infer)`), from the peers' Python
 * environment. Each request opens a new connection: the route Service spreads connections, as kube-proxy does.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { ensurePythonEnv } from '../../../src/testenv/python-env.js';
import { createNamespace, deleteNamespace, eventually, kubectlOk, testenv } from '../../harness/kube.js';
import { ensureModels } from '../../unit/serving/models.js';
import { createStorageSecret } from '../dataset/support.js';
import { installCrds } from '../gitsource/support.js';
import { condition, createDeployment, deploymentWhere, exampleModel, inferThroughRoute, kube, registerModel, startServingOperator, type Operator } from './support.js';

const run = promisify(execFile);
const REQUESTS = 60;

const CLIENTS = `
import json, sys
import numpy as np
import requests
import tritonclient.http as httpclient

host, model, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
x = np.array([[0.5, 0.9, 280]], dtype=np.float32)
out = {"triton": {}, "kserve": {}, "values": []}
for _ in range(n):
    # A new client each time: a new connection, which the Service may send to the other version.
    client = httpclient.InferenceServerClient(url=host)
    inp = httpclient.InferInput("input", list(x.shape), "FP32")
    inp.set_data_from_numpy(x)
    res = client.infer(model, [inp], outputs=[httpclient.InferRequestedOutput("variable")])
    version = res.get_response()["model_version"]
    out["triton"][version] = out["triton"].get(version, 0) + 1
    out["values"].append(float(res.as_numpy("variable")[0][0]))
    client.close()
for _ in range(n):
    answer = requests.post(f"http://{host}/v2/models/{model}/infer", json={"inputs": [{"name": "input", "shape": [1, 3], "datatype": "FP32", "data": [0.5, 0.9, 280]}]}, headers={"connection": "close"}, timeout=10)
    answer.raise_for_status()
    version = answer.json()["model_version"]
    out["kserve"][version] = out["kserve"].get(version, 0) + 1
print(json.dumps(out))
`;

describe('clients through the Deployment URL', () => {
  let namespace = '';
  let operator: Operator | undefined;
  let python = '';
  beforeAll(async () => {
    ensureModels();
    ({ python } = await ensurePythonEnv({ root: testenv().root, requirements: ['tests/unit/serving/peers-requirements.txt'] }));
    await installCrds();
    namespace = await createNamespace('deploy-clients');
    await createStorageSecret(namespace);
    operator = await startServingOperator(namespace);
  }, 900_000);
  afterAll(async () => {
    await operator?.stop();
    if (namespace) await deleteNamespace(namespace);
  });

  test('tritonclient and a KServe V2 REST client get both versions, in proportion to a 50% canary', async () => {
    await registerModel(namespace, 'tri', 1, exampleModel());
    await createDeployment(namespace, 'tri', {
      model: 'tri',
      version: { policy: 'latestReady' },
      serving: { replicas: 2 },
      strategy: { type: 'Canary', canary: { steps: [{ setWeight: 50 }, { pause: {} }] } },
    });
    await deploymentWhere(namespace, 'tri', 'version 1 stable', (d) => d.status?.stable?.version === 1 && condition(d, 'Available')?.status === 'True');
    await registerModel(namespace, 'tri', 2, exampleModel());
    const paused = await deploymentWhere(namespace, 'tri', 'paused at 50%', (d) => d.status?.phase === 'Paused' && d.status.canary?.weight === 50);
    expect(paused.status?.url).toBe(`http://tri.${namespace}.svc:80`);

    const route = await kube.get<KubeObject & { spec: { clusterIP: string } }>(builtin.service, 'tri', namespace);
    const { stdout } = await run(python, ['-c', CLIENTS, `${route!.spec.clusterIP}:80`, 'tri', String(REQUESTS)], { timeout: 300_000 });
    const seen = JSON.parse(stdout) as { triton: Record<string, number>; kserve: Record<string, number>; values: number[] };
    for (const client of ['triton', 'kserve'] as const) {
      const counts = seen[client];
      expect(Object.keys(counts).sort(), client).toEqual(['1', '2']);
      // One pod each behind the route: about half each. The bounds leave room for chance (p < 1e-4 at 60 draws).
      expect(counts['2']!, client).toBeGreaterThanOrEqual(REQUESTS * 0.2);
      expect(counts['2']!, client).toBeLessThanOrEqual(REQUESTS * 0.8);
    }
    // Both versions are the example model: the same prediction whichever answered.
    for (const value of seen.values) expect(value).toBeCloseTo(27.3464, 3);
  }, 900_000);

  test('spec.serving.predictionLog: each prediction is a JSON line in the serving pod\'s log, as kubectl logs shows it', async () => {
    await registerModel(namespace, 'plog', 1, exampleModel());
    await createDeployment(namespace, 'plog', { model: 'plog', version: { policy: 'latestReady' }, serving: { replicas: 1, predictionLog: { sample: 1, maxLinesPerSecond: 1000 } } });
    await deploymentWhere(namespace, 'plog', 'version 1 stable', (d) => d.status?.stable?.version === 1 && condition(d, 'Available')?.status === 'True');
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const answer = await eventually('a prediction through the route', async () => {
        const a = await inferThroughRoute(namespace, 'plog');
        return a.status === 200 ? a : undefined;
      });
      if (answer.id) ids.add(answer.id);
    }
    expect(ids.size).toBe(5);
    const pods = await kube.list<KubeObject>(builtin.pod, { namespace, labelSelector: 'cairn.dev/model-version=1' });
    const pod = pods.items.find((p) => p.metadata?.name?.startsWith('plog-'));
    expect(pod, 'the serving pod of plog').toBeDefined();
    const lines = await eventually('five prediction lines in kubectl logs', async () => {
      const out = await kubectlOk(['logs', '-n', namespace, pod!.metadata!.name!, '-c', 'serve']);
      const predictions = out
        .split('\n')
        .filter((line) => line.startsWith('{') && line.includes('"type":"prediction"'))
        .map((line) => JSON.parse(line) as { id: string; model: string; version: string; inputs: { input: { shape: number[]; data: number[] } }; outputs: Record<string, { data: number[] }> });
      return predictions.length >= 5 ? predictions : undefined;
    });
    expect(new Set(lines.map((l) => l.id))).toEqual(ids);
    for (const line of lines) {
      expect(line).toMatchObject({ model: 'plog', version: '1', inputs: { input: { shape: [1, 3] } } });
      // The inputs as the model saw them: FP32 (0.9 is 0.8999999761581421 as a float32).
      expect(line.inputs.input.data).toEqual([0.5, Math.fround(0.9), 280]);
      expect(line.outputs['variable']!.data[0]).toBeCloseTo(27.3464, 3);
    }
  }, 900_000);
});

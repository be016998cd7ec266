/**
 * `npm run bench:rollout`: how long clients see a failing canary. A local cluster (control plane, local node,
 * S3), the operator in this process with the ModelVersion and Deployment controllers, a Deployment whose canary
 * pauses at 50% with background analysis (error-rate, max 5%, every INTERVAL). Each run registers a version
 * that passes cairn serve's warm-up but answers 500 to every real request
 * (tests/integration/deployment/faulty_model.py), sends requests through the route Service's ClusterIP all
 * along, and measures, from the clients' side, the first 500 to the last one: the time from the canary starting
 * to fail to all traffic back on stable. Printed beside the analysis interval, with the goal (<= one interval +
 * 5 s; Flagger's defaults take minutes: interval 1m x threshold 5).
 *
 *   npm run bench:rollout [-- --runs 3 --interval 5]
 */
import '../src/testenv/node-compat.js';
import { execFile, execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { deploymentController, deploymentResource } from '../src/controllers/deployment/index.js';
import { modelVersionController } from '../src/controllers/modelversion/index.js';
import { cairnResource } from '../src/controllers/resources.js';
import { startLocalCluster } from '../src/dev/cluster.js';
import { startOperator } from '../src/operator/operator.js';
import { HttpKubeClient } from '../src/runtime/kube/http-client.js';
import type { KubeObject } from '../src/runtime/kube/object.js';
import { builtin } from '../src/runtime/kube/resource.js';
import { createLogger } from '../src/runtime/logger.js';
import { createStorage } from '../src/storage/index.js';
import { ensurePythonEnv } from '../src/testenv/python-env.js';
import { silentLogger } from '../src/testenv/index.js';
import { httpRequest } from '../tests/harness/http.js';
import { ensureModels, MODEL_REQUIREMENTS, modelPath } from '../tests/unit/serving/models.js';
import { createHash } from 'node:crypto';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const NAMESPACE = 'default';
const BUCKET = 'bench';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, interval: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const intervalS = Number(values.interval);

function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 300_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  return (async () => {
    for (;;) {
      const value = await check().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
}

async function main(): Promise<void> {
  ensureModels();
  const { python } = await ensurePythonEnv({ root, requirements: MODEL_REQUIREMENTS });
  const scratch = await mkdtemp(join('/var/tmp', 'cairn-bench-rollout-'));
  execFileSync(python, [join(root, 'tests/integration/deployment/faulty_model.py'), join(scratch, 'faulty.onnx')]);
  const good = await readFile(modelPath('driver_elasticnet'));
  const faulty = await readFile(join(scratch, 'faulty.onnx'));

  process.stderr.write(`Starting a local cluster (control plane, local node, S3) in ${scratch}...\n`);
  const cluster = await startLocalCluster({ root, logger: silentLogger, stateRoot: scratch, buckets: [BUCKET], kwokNodes: 0, podIpPrefix: '127.0.4.' });
  const kube = new HttpKubeClient(cluster.plane.kubeConfig());
  // The operator's log, for where a slow rollback spent its time: $CAIRN_BENCH_OPERATOR_LOG (default: none).
  const operatorLog = process.env.CAIRN_BENCH_OPERATOR_LOG
    ? createLogger({ level: 'info' }, createWriteStream(process.env.CAIRN_BENCH_OPERATOR_LOG))
    : createLogger({ level: 'silent' });
  let operator: Awaited<ReturnType<typeof startOperator>> | undefined;
  try {
    const kubectl = join(cluster.plane.binDir, 'kubectl');
    await run(kubectl, ['--kubeconfig', cluster.plane.kubeconfigPath, 'apply', '--server-side', '-f', join(root, 'crds')]);
    await run(kubectl, ['--kubeconfig', cluster.plane.kubeconfigPath, 'wait', '--for=condition=Established', '--timeout=120s', '-f', join(root, 'crds')]);
    const s3 = cluster.s3!;
    await kube.apply(
      builtin.secret,
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cairn-storage', namespace: NAMESPACE }, stringData: { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1', CAIRN_S3_ENDPOINT: s3.endpoint, CAIRN_S3_PATH_STYLE: 'true' } } as KubeObject,
      { fieldManager: 'bench', force: true },
    );
    const storage = createStorage({ allowFileUrls: false, s3: { endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    const register = async (version: number, bytes: Buffer) => {
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const uri = `s3://${BUCKET}/eta/${version}/model.onnx`;
      await storage.write(uri, Readable.from([bytes]), { sha256, size: bytes.length });
      await kube.create(cairnResource('ModelVersion'), { apiVersion: 'cairn.dev/v1alpha1', kind: 'ModelVersion', metadata: { name: `eta-${version}`, namespace: NAMESPACE }, spec: { model: 'eta', version, artifact: { uri, sha256 } } } as KubeObject);
    };
    operator = await startOperator(
      { namespaces: [NAMESPACE], host: '127.0.0.1', port: 0, leaderElect: false, leaseNamespace: NAMESPACE, leaseName: 'cairn-operator', allowFileUrls: false, gitCacheDir: join(scratch, 'git'), logLevel: 'silent', drainTimeoutMs: 5_000 },
      { log: operatorLog, kube, components: { controllers: [modelVersionController(), deploymentController()] } },
    );
    type Status = { phase?: string; stable?: { version: number }; canary?: { version: number; weight: number }; rollout?: { rolledBack?: number } };
    const status = async () => (await kube.get<KubeObject & { status?: Status }>(deploymentResource, 'eta', NAMESPACE))?.status;

    await register(1, good);
    await kube.create(deploymentResource, {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'Deployment',
      metadata: { name: 'eta', namespace: NAMESPACE },
      spec: {
        model: 'eta',
        version: { policy: 'latestReady' },
        serving: { replicas: 2 },
        strategy: { type: 'Canary', canary: { steps: [{ setWeight: 50 }, { pause: {} }] }, analysis: { interval: `${intervalS}s`, metrics: [{ name: 'error-rate', max: 0.05 }] } },
      },
    } as KubeObject);
    process.stderr.write('Waiting for version 1 to serve...\n');
    await until('version 1 stable', async () => ((await status())?.stable?.version === 1 ? true : undefined));
    const route = await until('the route Service', () => kube.get<KubeObject & { spec: { clusterIP: string } }>(builtin.service, 'eta', NAMESPACE));
    const url = `http://${route.spec.clusterIP}/v2/models/eta/infer`;
    const body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [[0.5, 0.9, 280]] }] });

    const windows: number[] = [];
    const detections: number[] = [];
    for (let r = 0; r < runs; r++) {
      const version = r + 2;
      const answers: Array<{ at: number; status: number }> = [];
      let sending = true;
      const traffic = (async () => {
        while (sending) {
          const at = performance.now();
          const answer = await httpRequest(url, { method: 'POST', body, headers: { 'content-type': 'application/json' }, timeoutMs: 5_000 }).catch(() => ({ status: 0, body: '' }));
          answers.push({ at, status: answer.status });
        }
      })();
      await register(version, faulty);
      process.stderr.write(`Run ${r + 1}/${runs}: version ${version} answers 500s; waiting for the rollback...\n`);
      await until(`version ${version} rolled back`, async () => {
        const now = await status();
        return now?.phase === 'RolledBack' && now.rollout?.rolledBack === version ? true : undefined;
      }, 600_000);
      const rolledBackAt = performance.now();
      // A few seconds more: the last 500 must be seen to be the last.
      await new Promise((r2) => setTimeout(r2, 5_000));
      sending = false;
      await traffic;
      const errors = answers.filter((a) => a.status >= 500);
      if (errors.length === 0) throw new Error(`run ${r + 1}: the canary never answered a 500 through the route`);
      const window = (errors.at(-1)!.at - errors[0]!.at) / 1000;
      windows.push(window);
      detections.push((rolledBackAt - errors[0]!.at) / 1000);
      process.stderr.write(
        `  first 500 to last: ${window.toFixed(1)} s (${errors.length} of ${answers.length} requests failed); RolledBack in status ${detections.at(-1)!.toFixed(1)} s after the first 500\n`,
      );
    }
    storage.close();
    const sorted = [...windows].sort((a, b) => a - b);
    const goal = intervalS + 5;
    const lines = [
      `bench:rollout: ${runs} canaries answering 500s at 50% behind the replicas router, error-rate analysis (max 5%) every ${intervalS} s`,
      '',
      '| figure | Cairn | baseline: the analysis interval | goal |',
      '| --- | --- | --- | --- |',
      `| first failed request to all traffic on stable, median | ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} s | ${intervalS} s | <= ${goal} s: ${sorted[Math.floor(sorted.length / 2)]! <= goal ? 'met' : 'missed'} |`,
      `| the same, worst of ${runs} | ${sorted.at(-1)!.toFixed(1)} s | ${intervalS} s | <= ${goal} s: ${sorted.at(-1)! <= goal ? 'met' : 'missed'} |`,
      '',
      `runs: ${windows.map((w) => `${w.toFixed(1)} s`).join(', ')}; of which RolledBack was in status after ${detections.map((w) => `${w.toFixed(1)} s`).join(', ')}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await operator?.stop();
    await cluster.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();

/**
 * Shared by the Experiment integration tests: an in-process operator running the Experiment controller with
 * trial pods on the local node, data on the real S3 server, a Dataset whose status the test writes (the
 * Dataset controller is not part of these tests), and a stub trainer (image `python`, an inline script) whose
 * behaviour each trial's parameters choose.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { inject } from 'vitest';
import '../../harness/context.js';
import type { Experiment, ModelVersion } from '../../../src/api/kinds/index.js';
import { experimentController } from '../../../src/controllers/experiment/index.js';
import { cairnResource } from '../../../src/controllers/resources.js';
import { LOCAL_NODE_LABEL } from '../../../src/localnode/index.js';
import { startOperator, type RunningOperator } from '../../../src/operator/operator.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { createStorage } from '../../../src/storage/index.js';
import { adminKubeConfig, eventually } from '../../harness/kube.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import { memoryLogger } from '../runtime/support.js';

export const BUCKET = 'cairn-test';
export const experiments = cairnResource('Experiment');
export const datasets = cairnResource('Dataset');
export const modelVersions = cairnResource('ModelVersion');
export const admin = new HttpKubeClient(adminKubeConfig());

export type ExperimentObject = Experiment & KubeObject;
export type ModelVersionObject = ModelVersion & KubeObject;

/** Tolerates the local node's taint, where it has one (harmless where it has none). */
const localNodeToleration = { key: LOCAL_NODE_LABEL, operator: 'Equal' as const, value: 'true', effect: 'NoSchedule' as const };

export const sha = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** The operator with only the Experiment controller, watching `namespace`; trial pods go to the local node. */
export async function startExperimentOperator(namespace: string): Promise<{ operator: RunningOperator; logs: Array<Record<string, unknown>>; stop(): Promise<void> }> {
  const { log, lines } = memoryLogger('debug');
  const operator = await startOperator(
    {
      namespaces: [namespace],
      host: '127.0.0.1',
      port: 0,
      leaderElect: false,
      leaseNamespace: namespace,
      leaseName: 'cairn-operator',
      allowFileUrls: false,
      gitCacheDir: '/nonexistent',
      logLevel: 'debug',
      drainTimeoutMs: 5_000,
    },
    {
      log,
      kube: new HttpKubeClient(adminKubeConfig()),
      components: { controllers: [experimentController({ cairnImage: 'cairn', placement: { nodeSelector: { [LOCAL_NODE_LABEL]: 'true' }, tolerations: [localNodeToleration] } })] },
    },
  );
  return { operator, logs: lines, stop: () => operator.stop() };
}

/** The Secret `cairn-storage` the trial pods' fetch and upload read their S3 credentials from. */
export async function createStorageSecret(namespace: string): Promise<void> {
  const s3 = inject('s3');
  await admin.create(builtin.secret, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'cairn-storage', namespace },
    stringData: { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: s3.region, CAIRN_S3_ENDPOINT: s3.endpoint, CAIRN_S3_PATH_STYLE: 'true' },
  } as KubeObject);
}

/** Uploads `content` to S3 and returns its URI and sha256. */
export async function putObject(key: string, content: string): Promise<{ uri: string; sha256: string }> {
  const s3 = inject('s3');
  const storage = createStorage({ allowFileUrls: false, s3: { endpoint: s3.endpoint, region: s3.region, forcePathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  const uri = `s3://${BUCKET}/${key}`;
  const bytes = Buffer.from(content);
  try {
    await storage.write(uri, Readable.from([bytes]), { sha256: sha(bytes), size: bytes.length });
  } finally {
    storage.close();
  }
  return { uri, sha256: sha(bytes) };
}

export const csvData = (rows: number, salt = ''): string => ['conv_rate,acc_rate,trip_minutes', ...Array.from({ length: rows }, (_, i) => `${(i % 10) / 10},${salt === '' ? 0.5 : 0.7},${i}`)].join('\n') + '\n';

/**
 * A Dataset pinned to `content` on S3, and its status as the Dataset controller would write it once verified
 * (Ready, version sha256:<hex>): these tests do not run the Dataset controller.
 */
export async function putDataset(namespace: string, name: string, content: string, columns: { features: string[]; target: string } = { features: ['conv_rate', 'acc_rate'], target: 'trip_minutes' }): Promise<string> {
  const { uri, sha256 } = await putObject(`${namespace}/${name}/${sha256Short(content)}.csv`, content);
  await admin.apply(
    datasets,
    {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'Dataset',
      metadata: { name, namespace },
      spec: {
        source: { uri, format: 'csv', sha256 },
        schema: { features: columns.features.map((f) => ({ name: f, type: 'number' })), target: { name: columns.target, type: 'number' } },
      },
    } as KubeObject,
    { fieldManager: 'tests', force: true },
  );
  const current = await admin.get<KubeObject>(datasets, name, namespace);
  await admin.applyStatus(
    datasets,
    {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'Dataset',
      metadata: { name, namespace },
      status: {
        observedGeneration: current?.metadata?.generation,
        version: `sha256:${sha256}`,
        rows: content.trim().split('\n').length - 1,
        conditions: [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: 'verified', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }],
      },
    } as KubeObject,
    { fieldManager: 'tests-dataset-controller', force: true },
  );
  return `sha256:${sha256}`;
}

const sha256Short = (content: string) => sha(content).slice(0, 12);

/**
 * The stub trainer: `mode` (a parameter, default ok) chooses what it does: ok (metrics rmse = alpha/10 +
 * beta/1000 and a model), crash (exit 1), garbage (a termination message that is not JSON), nomodel (metrics
 * but no model.onnx), nan (rmse NaN). It notes `start`/`end` with the time in $TRIAL_LOG, and sleeps
 * $TRIAL_SECONDS between them; with $WAIT_FOR_PEER=1, trials 0 and 1 also wait until another trial has started.
 */
export const stubTrainerScript = `
import json, math, os, sys, time
p = json.loads(os.environ["CAIRN_PARAMS"])
trial = os.environ["CAIRN_TRIAL"]
def note(what):
    with open(os.environ["TRIAL_LOG"], "a") as f:
        f.write(f"{what} {trial} {time.time()}\\n")
note("start")
if os.environ.get("WAIT_FOR_PEER") == "1" and trial.endswith(("-t0", "-t1")):
    # The first two trials each wait (at most 60 s) until another one has started: whichever starts first is
    # still running when the other starts, so two ran at once if the controller started two.
    deadline = time.time() + 60
    while time.time() < deadline and not any(l.split(" ")[1] != trial for l in open(os.environ["TRIAL_LOG"]).read().splitlines() if l.startswith("start ")):
        time.sleep(0.1)
rows = len(open(os.environ["CAIRN_DATA_PATH"]).read().strip().splitlines()) - 1
time.sleep(float(os.environ.get("TRIAL_SECONDS", "0")))
mode = str(p.get("mode", "ok"))
note("end")
if mode == "crash":
    print("training blew up", file=sys.stderr)
    sys.exit(1)
result = os.environ.get("CAIRN_TERMINATION_LOG", "/dev/termination-log")
if mode == "garbage":
    with open(result, "w") as out:
        out.write("rmse is about 0.4 {")
    sys.exit(0)
if mode != "nomodel":
    with open(os.path.join(os.environ["CAIRN_OUTPUT_DIR"], "model.onnx"), "wb") as m:
        m.write(("model of " + trial).encode())
rmse = float(p.get("alpha", 1)) / 10 + float(p.get("beta", 0)) / 1000
with open(result, "w") as out:
    json.dump({"metrics": {"rmse": float("nan") if mode == "nan" else rmse, "rows": rows}}, out)
`;

/** A folder outside /tmp (trial pods get their own /tmp) where the stub trainer notes what it did. */
export function trialLogDir(): { dir: string; log(name: string): string; read(name: string): Array<{ what: string; trial: string; at: number }>; cleanup(): void } {
  const dir = mkdtempSync(join('/var/tmp', 'cairn-exp-'));
  const log = (name: string) => join(dir, `${name}.log`);
  return {
    dir,
    log,
    read: (name) => {
      let text: string;
      try {
        text = readFileSync(log(name), 'utf8');
      } catch {
        return [];
      }
      return text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [what, trial, at] = line.split(' ');
          return { what: what!, trial: trial!, at: Number(at) };
        });
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface ExperimentInput {
  dataset: string;
  parameters: Record<string, unknown>;
  search?: Record<string, unknown>;
  successCriteria?: Array<{ metric: string; op: string; value: number }>;
  register?: Record<string, unknown>;
  rerunOnDatasetChange?: boolean;
  trialLog: string;
  trialSeconds?: number;
  /** Trials 0 and 1 wait until another trial started (how a test sees two trials run at once without timing). */
  waitForPeer?: boolean;
  /** Another trainer image, run by its own entrypoint unless `command` is given (default: python with the stub). */
  image?: string;
  command?: string[];
  annotations?: Record<string, string>;
  trialTimeout?: string;
}

export async function applyExperiment(namespace: string, name: string, input: ExperimentInput): Promise<void> {
  await admin.apply(
    experiments,
    {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'Experiment',
      metadata: { name, namespace, ...(input.annotations ? { annotations: input.annotations } : {}) },
      spec: {
        datasetRef: { name: input.dataset },
        trainer: {
          image: input.image ?? 'python:3.12',
          ...(input.image && !input.command ? {} : { command: input.command ?? ['python3', '-c', stubTrainerScript] }),
          env: [
            { name: 'TRIAL_LOG', value: input.trialLog },
            { name: 'TRIAL_SECONDS', value: String(input.trialSeconds ?? 0) },
            { name: 'WAIT_FOR_PEER', value: input.waitForPeer ? '1' : '0' },
          ],
        },
        parameters: input.parameters,
        search: input.search ?? {},
        objective: { metric: 'rmse', goal: 'minimize' },
        ...(input.successCriteria ? { successCriteria: input.successCriteria } : {}),
        artifacts: { uri: `s3://${BUCKET}/${namespace}/artifacts` },
        ...(input.register ? { register: input.register } : {}),
        ...(input.rerunOnDatasetChange !== undefined ? { rerunOnDatasetChange: input.rerunOnDatasetChange } : {}),
        trialTimeout: input.trialTimeout ?? '5m',
      },
    } as KubeObject,
    { fieldManager: 'tests', force: true },
  );
}

export async function getExperiment(namespace: string, name: string): Promise<ExperimentObject> {
  const e = await admin.get<ExperimentObject>(experiments, name, namespace);
  if (!e) throw new Error(`Experiment ${name} not found`);
  return e;
}

export const condition = (e: ExperimentObject, type: string) => e.status?.conditions?.find((c) => c.type === type);

/** Waits until the Experiment's run `run` is over (phase Succeeded or Failed, and, for Succeeded, the Succeeded condition decided). */
export function runFinished(namespace: string, name: string, run: number, timeoutMs = 180_000): Promise<ExperimentObject> {
  return eventually(
    `Experiment ${name} run ${run} finished`,
    async () => {
      const e = await getExperiment(namespace, name);
      const s = e.status;
      const done = s?.run === run && (s.phase === 'Failed' || (s.phase === 'Succeeded' && condition(e, 'Succeeded') !== undefined));
      if (!done) throw new Error(`run ${s?.run} phase ${s?.phase} progress ${s?.progress}; conditions ${JSON.stringify(s?.conditions?.map((c) => [c.type, c.status, c.reason, c.message]))}`);
      return e;
    },
    { timeoutMs },
  );
}

/** The largest number of trials whose start..end intervals overlap. */
export function maxOverlap(notes: ReadonlyArray<{ what: string; trial: string; at: number }>): number {
  const events = notes.map((n) => ({ at: n.at, delta: n.what === 'start' ? 1 : -1 })).sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let max = 0;
  for (const e of events) max = Math.max(max, (now += e.delta));
  return max;
}

export const randomSuffix = () => randomBytes(3).toString('hex');

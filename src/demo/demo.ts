/**
 * `npm run demo`: the main job of Cairn on a machine with no cluster. Builds or reuses the local cluster of
 * `cairn dev` (the control plane, the local node that runs pods as local processes, an S3 server) and the
 * example trainer's Python environment, installs the CRDs, puts the example data on the claim the Dataset names,
 * starts `cairn operator`, turns examples/ into a local Git repository with a GitSource pointing at it, and shows
 * the lifecycle its objects go through: the data profiled, the trials and the gate, the registered model with its
 * lineage, the model serving with predictions answered, the drift check. Then it commits a change and shows it
 * applied through the webhook. Ctrl-C (or --once) stops everything it started.
 */
import { join } from 'node:path';
import type { GitSource } from '../api/kinds/index.js';
import { kinds } from '../api/kinds/index.js';
import { cairnResource, cairnResources } from '../controllers/resources.js';
import { githubSignature } from '../runtime/http/signature.js';
import { HttpKubeClient } from '../runtime/kube/http-client.js';
import type { KubeObject } from '../runtime/kube/object.js';
import { builtin } from '../runtime/kube/resource.js';
import { startLocalCluster, type LocalCluster } from '../dev/cluster.js';
import { ensureCompiledCairn, FROM_DIST_ENV } from '../dev/compiled.js';
import { storageCredentials } from '../dev/dev.js';
import { SERVICE_HOSTS_ENV } from '../net/service-hosts.js';
import { storageSecretName } from '../render/trial-job.js';
import type { Logger } from '../testenv/index.js';
import { ensureTrainerEnv, TRAINER_REQUIREMENTS } from '../testenv/trainer-env.js';
import { provideClaims } from './claims.js';
import { installCrds, pollUntil, startOperatorInPlane } from './cluster.js';
import { predictThroughRoute } from './predict.js';
import { datasetLine, driftLine, lineageLines, trialLines, type DatasetView, type DriftMonitorView, type ExperimentView, type ModelVersionView } from './stages.js';
import { createDemoRepo, type DemoRepo } from './git.js';
import { demoLogger, step } from './progress.js';
import { retrainingRound } from './retrain.js';
import { renderTable, shortRevision, type Row } from './table.js';
import { loopTimeline, timelineLines } from './timeline.js';

export interface DemoOptions {
  root: string;
  /** Stop after showing the change instead of waiting for Ctrl-C. */
  once: boolean;
  out: (line: string) => void;
  /** Resolves when the user asks to stop (Ctrl-C). */
  interrupted: Promise<void>;
}

const namespace = 'cairn-demo';
const sourceName = 'examples';
const webhookToken = 'cairn-demo-webhook-token';
/** Not the tests' 127.0.1.x nor `cairn dev`'s 127.0.2.x: the demo runs beside both (its own test does). */
const DEMO_POD_IPS = '127.0.5.';
/** And not their ClusterIP ranges (127.0.64.0/18, 127.0.192.0/18): the demo's node listens on its Services' ClusterIPs. */
const DEMO_SERVICE_CIDR = '127.0.128.0/18';

/**
 * The examples are written for a cluster (2-minute canary pauses, a drift check every 5 minutes over 500
 * samples); the demo commits shorter ones of its own, in Git like every other change, so the loop fits in minutes.
 */
const demoTimings: Array<[string, (text: string) => string]> = [
  ['driver-stats/deployment.yaml', (text) => text.replace(/duration: 2m/g, 'duration: 10s').replace(/interval: 30s/, 'interval: 5s')],
  ['driver-stats/driftmonitor.yaml', (text) => text.replace(/interval: 5m/, 'interval: 15s').replace(/minSamples: 500/, 'minSamples: 200')],
];

type Obj = KubeObject & { status?: { conditions?: { type: string; status: string; message?: string }[]; revision?: string } };

let stopRequested = false;

/** Waits, but gives up at once on Ctrl-C. */
function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  return pollUntil(what, check, { stopped: () => stopRequested });
}

export async function runDemo(options: DemoOptions): Promise<void> {
  const started = Date.now();
  stopRequested = false;
  void options.interrupted.then(() => (stopRequested = true));
  const say = (line: string) => options.out(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);
  const quiet: Logger = demoLogger(options.out);
  let cluster: LocalCluster | undefined;
  let repo: DemoRepo | undefined;
  try {
    // The operator and the pods run `cairn` compiled, as the image does (no compiler in each container start).
    await step('compiling src/ to dist/ (npm run build)', () => ensureCompiledCairn({ root: options.root, say }));
    say("Checking the example trainer's Python environment (made on first use: about a minute)");
    const trainer = await step(`making the example trainer's Python environment (pip install -r ${TRAINER_REQUIREMENTS})`, () =>
      ensureTrainerEnv({ root: options.root, log: (line) => say(`  ${line}`) }),
    );
    say('Starting etcd, kube-apiserver, kube-controller-manager, kube-scheduler, the local node and an S3 server (the binaries are built from upstream Go modules on first use: ~30 min on 2 cores)');
    // Its progress: the entries below through `say`, build.sh's own timestamped lines on stderr.
    cluster = await step('starting the local cluster (bash scripts/testenv/build.sh on first use)', () =>
      startLocalCluster({ root: options.root, trainerPython: trainer.python, logger: quiet, buildLogger: demoLogger(say, { info: true }), buckets: ['cairn'], podIpPrefix: DEMO_POD_IPS, serviceCidr: DEMO_SERVICE_CIDR, kwokNodes: 0, cairnFromDist: true }),
    );
    const { plane, agent } = cluster;
    say(`Control plane up at ${plane.server} (kubeconfig: ${plane.kubeconfigPath}); node ${agent.nodeName} runs pods as local processes`);
    const kube = new HttpKubeClient(plane.kubeConfig());

    await step('installing the CRDs of crds/', () => installCrds(kube, join(options.root, 'crds'), 'cairn-demo', { stopped: () => stopRequested }));
    say(`Installed the CRDs of ${kinds.map((k) => k.kind).join(', ')}`);

    await kube.apply(builtin.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, { fieldManager: 'cairn-demo' });
    const storage = { apiVersion: 'v1', kind: 'Secret', metadata: { name: storageSecretName, namespace }, stringData: storageCredentials(cluster.s3!) };
    await kube.apply(builtin.secret, storage as KubeObject, { fieldManager: 'cairn-demo' });
    const dataFile = join(options.root, 'examples', 'data', 'driver_stats.csv');
    await step('providing the claims ml-data and ml-artifacts', () =>
      provideClaims(kube, namespace, join(plane.dir, 'volumes'), [{ name: 'ml-data', files: { 'driver_stats/2026-11.csv': dataFile } }, { name: 'ml-artifacts' }], 'cairn-demo'),
    );
    say('Put examples/data/driver_stats.csv on claim ml-data (driver_stats/2026-11.csv, where the Dataset points); claim ml-artifacts takes the models');

    repo = await step('making a Git repository of examples/ (git init, git commit)', () => createDemoRepo(join(options.root, 'examples')));
    for (const [file, edit] of demoTimings) await repo.change(file, edit, `Demo timings: ${file}`);
    const first = await repo.head();
    say(`Made a Git repository of examples/ at ${repo.dir} (commit ${first.slice(0, 12)}; the demo's shorter pauses and drift interval committed on top)`);

    const { address, logFile: operatorLog } = await step('starting cairn operator', () =>
      startOperatorInPlane(plane, options.root, { namespace, podName: 'cairn-demo', env: { [SERVICE_HOSTS_ENV]: agent.serviceHostsFile, [FROM_DIST_ENV]: '1' }, poll: { stopped: () => stopRequested } }),
    );
    say(`Started cairn operator at ${address} (log: ${operatorLog})`);

    await kube.apply(builtin.secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'git-auth', namespace }, stringData: { webhookToken } } as KubeObject, { fieldManager: 'cairn-demo' });
    const source = {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'GitSource',
      metadata: { name: sourceName, namespace },
      // A long interval: the change below arrives through the webhook, not through polling.
      spec: { url: repo.url, ref: { branch: 'main' }, path: 'driver-stats', interval: '1h', secretRef: { name: 'git-auth' }, prune: true },
    };
    await kube.apply(cairnResource('GitSource'), source as KubeObject, { fieldManager: 'cairn-demo' });
    say(`Created GitSource ${namespace}/${sourceName}: ${repo.url} branch main, path driver-stats`);

    const synced = (commit: string) =>
      until(`revision ${commit.slice(0, 12)}`, async () => {
        const gs = await kube.get<GitSource & KubeObject>(cairnResource('GitSource'), sourceName, namespace);
        return gs?.status?.revision === `main@sha1:${commit}` ? gs : undefined;
      });
    const gs = await synced(first);
    const ready = gs.status?.conditions?.find((c) => c.type === 'Ready');
    say(`Synced: ${ready?.message ?? ''}`);
    await lifecycle(kube, options.root, say, options.out);
    options.out('');
    options.out(renderTable(await rows(kube)));
    options.out('');

    /** What a Git host does on a push: the signed webhook. */
    const notify = async (commit: string): Promise<number> => {
      const body = JSON.stringify({ ref: 'refs/heads/main', after: commit });
      const answer = await fetch(`${address}/hooks/git/${namespace}/${sourceName}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': githubSignature(webhookToken, body) },
        body,
      });
      return answer.status;
    };
    const deploymentFile = 'driver-stats/deployment.yaml';
    const before = (await kube.get<Obj & { spec?: { serving?: { replicas?: number } } }>(cairnResource('Deployment'), 'eta', namespace))?.spec?.serving?.replicas ?? 0;
    const after = before + 1;
    const second = await repo.change(deploymentFile, (text) => text.replace(/replicas: \d+/, `replicas: ${after}`), `Scale eta to ${after} replicas`);
    const pushed = Date.now();
    say(`Committed ${second.slice(0, 12)}: Deployment eta replicas ${before} -> ${after}`);
    say(`Webhook POST /hooks/git/${namespace}/${sourceName} (GitHub signature): HTTP ${await notify(second)}`);
    await until('the change', async () => {
      const eta = await kube.get<Obj & { spec?: { serving?: { replicas?: number } } }>(cairnResource('Deployment'), 'eta', namespace);
      return eta?.spec?.serving?.replicas === after ? true : undefined;
    });
    say(`Applied in ${Date.now() - pushed} ms through the webhook (polling interval: 1h)`);
    await synced(second);
    options.out('');

    // The second half of the loop: new data, drift, the retraining run, the new version's canary.
    const route = await kube.get<KubeObject & { spec?: { clusterIP?: string } }>(builtin.service, 'eta', namespace);
    const round = await retrainingRound({
      kube,
      namespace,
      root: options.root,
      repo,
      dataVolume: join(plane.dir, 'volumes', 'ml-data'),
      routeUrl: `http://${route?.spec?.clusterIP}`,
      say,
      notify: async (commit) => {
        const status = await notify(commit);
        if (status !== 202) throw new Error(`the webhook answered HTTP ${status} for commit ${commit}`);
      },
      wait: (what, timeoutMs, check) => step(`waiting for ${what}`, () => pollUntil(what, check, { timeoutMs, everyMs: 500, stopped: () => stopRequested })),
    });
    options.out('');
    options.out(renderTable(await rows(kube)));
    options.out('');
    const timeline = loopTimeline(round.facts);
    options.out(`The loop's timeline, from the data commit to the retrained model at 100% (the drift was found ${(round.driftDetectedAfterMs / 1000).toFixed(1)} s after the commit, beside run ${round.run}):`);
    for (const line of timelineLines(timeline, OVERHEAD_GOAL_MS)) options.out(`  ${line}`);
    options.out("Where the overhead went, as the demo's watch saw the pods:");
    for (const line of round.breakdown) options.out(`  ${line}`);
    options.out('');
    if (!options.once) {
      say(`Running. Try: KUBECONFIG=${plane.kubeconfigPath} kubectl -n ${namespace} get cairn   (Ctrl-C stops everything)`);
      await options.interrupted;
      options.out('');
    }
  } finally {
    say('Stopping the operator, the pods, the S3 server and the control plane');
    await cluster?.stop();
    repo?.remove();
    say('Stopped; nothing left running');
  }
}

const minutes = (n: number) => n * 60_000;
/** Issue #15's goal for Cairn's own share of the loop. */
const OVERHEAD_GOAL_MS = 10_000;

/** Waits for each stage of the lifecycle in turn and prints what it produced. */
async function lifecycle(kube: HttpKubeClient, root: string, say: (line: string) => void, out: (line: string) => void): Promise<void> {
  const get = <T>(kind: string, name: string) => kube.get<T & KubeObject>(cairnResource(kind), name, namespace);
  const isReady = (o: { status?: unknown } | undefined) =>
    (o?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const wait = <T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>) => step(`waiting for ${what}`, () => pollUntil(what, check, { timeoutMs, everyMs: 500, stopped: () => stopRequested }));

  const dataset = await wait('Dataset driver-stats to be profiled', minutes(5), async () => {
    const d = await get<DatasetView>('Dataset', 'driver-stats');
    return isReady(d) ? d : undefined;
  });
  say(datasetLine(dataset!));

  const experiment = await wait('Experiment eta-elasticnet to finish its trials', minutes(10), async () => {
    const e = await get<ExperimentView>('Experiment', 'eta-elasticnet');
    return e?.status?.phase === 'Succeeded' || e?.status?.phase === 'Failed' ? e : undefined;
  });
  for (const line of trialLines(experiment!)) say(line);
  const registered = experiment!.status?.modelVersion;
  if (!registered) throw new Error(`Experiment eta-elasticnet registered no model: ${experiment!.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? 'no trial passed'}`);

  const model = await wait(`ModelVersion ${registered} to be verified`, minutes(5), async () => {
    const mv = await get<ModelVersionView>('ModelVersion', registered);
    return isReady(mv) ? mv : undefined;
  });
  for (const line of lineageLines(model!)) say(line);

  await wait('Deployment eta to serve it', minutes(5), async () => {
    const d = await get<{ status?: { stable?: { version?: number }; conditions?: { type: string; status: string }[] } }>('Deployment', 'eta');
    return d?.status?.stable?.version === model!.spec?.version && d?.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ? d : undefined;
  });
  const route = await kube.get<KubeObject & { spec?: { clusterIP?: string } }>(builtin.service, 'eta', namespace);
  const answered = await step('sending predictions through the route Service eta', () => predictThroughRoute(`http://${route?.spec?.clusterIP}`, 'eta', join(root, 'examples', 'data', 'driver_stats.csv'), 400));
  say(`Deployment eta serves version ${model!.spec?.version} at http://${route?.spec?.clusterIP}; ${answered.ok} of ${answered.sent} predictions answered (e.g. ${answered.example})`);

  // The monitor checks every 15 s (the demo's timing); its first check may predate the pods or the predictions.
  const scored = await pollUntil(
    'DriftMonitor eta-drift to score the live traffic',
    async () => {
      const m = await get<DriftMonitorView>('DriftMonitor', 'eta-drift');
      return (m?.status?.features?.length ?? 0) > 0 ? m : undefined;
    },
    { timeoutMs: minutes(2), everyMs: 1000, stopped: () => stopRequested },
  ).catch(async (error: Error) => {
    if (error.message === 'Interrupted') throw error;
    return get<DriftMonitorView>('DriftMonitor', 'eta-drift');
  });
  say(driftLine('eta-drift', scored ?? {}));
  out('');
}

async function rows(kube: HttpKubeClient): Promise<Row[]> {
  const result: Row[] = [];
  for (const res of cairnResources) {
    const { items } = await kube.list<Obj>(res, { namespace });
    for (const item of items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))) {
      const readyCondition = item.status?.conditions?.find((c) => c.type === 'Ready');
      const ready = readyCondition?.status ?? '-';
      const message = readyCondition?.message ?? '';
      result.push({
        kind: res.kind,
        name: item.metadata?.name ?? '',
        ready,
        source: item.metadata?.labels?.['cairn.dev/source'] ?? '-',
        revision: shortRevision(item.status?.revision ?? item.metadata?.annotations?.['cairn.dev/revision']),
        message: message.length > 90 ? `${message.slice(0, 87)}...` : message,
      });
    }
  }
  return result;
}

/**
 * The second part of `npm run bench:training` (issue 11): the Experiment controller's overhead per trial. On a
 * local cluster (control plane, the local node running trial pods as processes, an S3 server), one Experiment of
 * TRIALS trials of a trainer that exits at once, parallelism 10, the controller in this process. For each trial:
 *
 *   overhead = from the trial pod's end (phase Succeeded, as a watch sees it) to the later of: its metrics in the
 *              Experiment's status, and the next trial's Job created (the i-th pod end pays for the (10+i)-th Job);
 *   baseline = from the same pod end to its Job's Complete condition: the Job controller's own reaction to the
 *              same event, in the same run (the controller does not wait for it: a trial pod that ended decides
 *              its Job);
 *   floor    = from the same pod end to a ConfigMap this process creates on seeing it, as its watch sees it: one
 *              write and one watch event under the same load, the least any controller's reaction can cost (the
 *              Experiment controller needs a watch event in, a Job and the trial table written, then its status).
 *
 * All times are when the bench's watches saw the change: the same clock, the same watch latency for both. Those
 * watches and the floor's write run in a worker thread of their own (training-overhead-watches.ts), not on this
 * thread's event loop, which also runs the local node agent (every pod's spawns, probes, status writes) and would
 * delay each stamp by up to a second under load; the bench prints both loops' delay. The floor is also split into
 * its write's round trip (sent -> the API server's answer) and the rest (answer -> its watch event), and the API
 * server's and etcd's own latency over the run is read from their /metrics.
 * Goal: overhead p99 <= 500 ms.
 *
 * The operator runs as in a cluster: `cairn operator --controllers experiment`, compiled, in a process of its own
 * (`--operator-in-process` runs it in this process instead, beside the local node agent that runs every pod's
 * processes, probes and status updates on the same event loop: that measured the agent as much as the operator).
 * Its reconcile count and durations come from its /metrics.
 *
 * The pods' `cairn` (fetch, upload) runs compiled, as the cairn image runs it (dist/, CAIRN_FROM_DIST=1): from
 * the checkout through tsx each one compiled the CLI for about a second of CPU, and on two cores those thirty
 * processes starved the operator they were meant to be measured against. `--pods-from-source` keeps tsx.
 */
import '../src/testenv/node-compat.js';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Registry } from 'prom-client';
import { parseExposition } from '../src/metrics/exposition.js';
import { startWorkerBeside } from '../src/runtime/worker-entry.js';
import { nativeAuth } from '../src/runtime/kube/auth.js';
import { loadRestConfig } from '../src/runtime/kube/config.js';
import { Transport } from '../src/runtime/kube/transport.js';
import { histogramBetween, total, type Scrape } from './operator-metrics.js';
import type { TrialTimes, WatchesInput, WatchReport } from './training-overhead-watches.js';
import { experimentController } from '../src/controllers/experiment/index.js';
import { cairnResource } from '../src/controllers/resources.js';
import { startOperatorInPlane } from '../src/demo/cluster.js';
import { startLocalCluster } from '../src/dev/cluster.js';
import type { ImageCommand } from '../src/localnode/index.js';
import { startOperator } from '../src/operator/operator.js';
import { HttpKubeClient } from '../src/runtime/kube/http-client.js';
import type { KubeObject } from '../src/runtime/kube/object.js';
import { builtin } from '../src/runtime/kube/resource.js';
import { createLogger } from '../src/runtime/logger.js';
import { createStorage } from '../src/storage/index.js';
import { silentLogger } from '../src/testenv/index.js';
import { ensureCompiledCairn } from '../src/dev/compiled.js';

const NAMESPACE = 'default';
const BUCKET = 'cairn-bench';
const GOAL_MS = 500;

/** The trainer: read the parameters, write a model and the metrics, exit. */
const TRAINER = `
import json, os
p = json.loads(os.environ["CAIRN_PARAMS"])
open(os.path.join(os.environ["CAIRN_OUTPUT_DIR"], "model.onnx"), "w").write("m")
open(os.environ.get("CAIRN_TERMINATION_LOG", "/dev/termination-log"), "w").write(json.dumps({"metrics": {"rmse": p["i"] / 1000}}))
`;

const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/** The `cairn` image as the container runs it: the compiled CLI, no compiler in the process. */
function compiledCairnImage(root: string): ImageCommand {
  const cairn = ['/usr/bin/env', 'CAIRN_FROM_DIST=1', process.execPath, join(root, 'bin', 'cairn.js')];
  return { entrypoint: cairn, executables: { cairn, node: [process.execPath] } };
}

export async function overheadBench(options: {
  root: string;
  trials: number;
  parallelism: number;
  podsFromSource?: boolean;
  skipBuild?: boolean;
  operatorInProcess?: boolean;
  /** Write a V8 CPU profile of the operator process (its own process only) into this directory. */
  operatorCpuProf?: string;
}): Promise<string> {
  const { root, trials, parallelism } = options;
  if (!(options.podsFromSource && options.operatorInProcess) && !options.skipBuild) {
    // The operator's and the pods' dist/, compiled only when the sources changed (type errors warn: tsc still emits).
    await ensureCompiledCairn({ root, say: (line) => process.stderr.write(`${line}\n`) });
  }
  // Outside /tmp: a trial pod mounts its own /tmp, which would hide a run directory under it (see docs/benchmarks.md).
  const stateRoot = await mkdtemp(join('/var/tmp', 'cairn-bench-training-'));
  process.stderr.write(`Starting a local cluster (control plane, local node, S3) in ${stateRoot}...\n`);
  const images: Array<[string, ImageCommand]> = options.podsFromSource ? [] : [['cairn', compiledCairnImage(root)]];
  const cluster = await startLocalCluster({ root, logger: silentLogger, stateRoot, buckets: [BUCKET], kwokNodes: 0, podIpPrefix: '127.0.3.', images });
  const kube = new HttpKubeClient(cluster.plane.kubeConfig());
  // The API server's own histograms (its requests, and its requests to etcd), scraped before and after the run.
  const rest = loadRestConfig({ kubeconfig: cluster.plane.kubeconfigPath });
  const apiserver = new Transport(rest.server.replace(/\/+$/, ''), nativeAuth(rest));
  const serverScrapes = async (): Promise<Scrape> => parseExposition((await apiserver.send('GET', '/metrics')).text);
  let stopWatcher: (() => Promise<void>) | undefined;
  let operator: Awaited<ReturnType<typeof startOperator>> | undefined;
  let operatorProcess: Awaited<ReturnType<typeof startOperatorInPlane>>['process'] | undefined;
  try {
    const s3 = cluster.s3!;
    // CRDs, the storage Secret, the data on S3 and a Dataset that says it is verified (no Dataset controller here).
    await new Promise<void>((resolve, reject) =>
      execFile(join(cluster.plane.binDir, 'kubectl'), ['--kubeconfig', cluster.plane.kubeconfigPath, 'apply', '--server-side', '-f', join(root, 'crds')], (err) => (err ? reject(err) : resolve())),
    );
    await new Promise<void>((resolve, reject) =>
      execFile(join(cluster.plane.binDir, 'kubectl'), ['--kubeconfig', cluster.plane.kubeconfigPath, 'wait', '--for=condition=Established', '--timeout=120s', '-f', join(root, 'crds')], (err) => (err ? reject(err) : resolve())),
    );
    await kube.apply(
      builtin.secret,
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cairn-storage', namespace: NAMESPACE }, stringData: { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_REGION: 'us-east-1', CAIRN_S3_ENDPOINT: s3.endpoint, CAIRN_S3_PATH_STYLE: 'true' } } as KubeObject,
      { fieldManager: 'bench', force: true },
    );
    const data = Buffer.from('x,y\n1,2\n');
    const sha256 = createHash('sha256').update(data).digest('hex');
    const storage = createStorage({ allowFileUrls: false, s3: { endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
    await storage.write(`s3://${BUCKET}/data.csv`, Readable.from([data]), { sha256, size: data.length });
    storage.close();
    const datasets = cairnResource('Dataset');
    await kube.apply(
      datasets,
      { apiVersion: 'cairn.dev/v1alpha1', kind: 'Dataset', metadata: { name: 'bench', namespace: NAMESPACE }, spec: { source: { uri: `s3://${BUCKET}/data.csv`, format: 'csv', sha256 }, schema: { features: [{ name: 'x', type: 'number' }], target: { name: 'y', type: 'number' } } } } as KubeObject,
      { fieldManager: 'bench', force: true },
    );
    await kube.applyStatus(
      datasets,
      { apiVersion: 'cairn.dev/v1alpha1', kind: 'Dataset', metadata: { name: 'bench', namespace: NAMESPACE }, status: { version: `sha256:${sha256}`, rows: 1, conditions: [{ type: 'Ready', status: 'True', reason: 'Succeeded', message: 'verified', lastTransitionTime: '2026-11-29T00:00:00Z' }] } } as KubeObject,
      { fieldManager: 'bench-dataset', force: true },
    );

    // What the bench compares, stamped in a worker thread of its own (bench/training-overhead-watches.ts): this
    // thread's event loop also runs the local node agent, whose delay would otherwise sit in every stamp.
    const watcher = startWorkerBeside(import.meta.url, 'training-overhead-watches', { workerData: { kubeconfigPath: cluster.plane.kubeconfigPath, namespace: NAMESPACE } satisfies WatchesInput });
    stopWatcher = async () => {
      watcher.postMessage('stop');
      await watcher.terminate();
    };
    await new Promise<void>((resolve, reject) => {
      watcher.once('error', reject);
      watcher.once('message', () => resolve());
    });
    watcher.on('error', (err) => process.stderr.write(`The watches' thread failed: ${String(err)}\n`));
    const report = (): Promise<WatchReport> => new Promise((resolve) => (watcher.once('message', resolve), watcher.postMessage('report')));

    const registry = new Registry();
    let metricsText: () => Promise<string>;
    if (options.operatorInProcess) {
      operator = await startOperator(
        { namespaces: [NAMESPACE], host: '127.0.0.1', port: 0, leaderElect: false, leaseNamespace: NAMESPACE, leaseName: 'cairn-operator', allowFileUrls: false, gitCacheDir: '/nonexistent', logLevel: 'warn', drainTimeoutMs: 2_000 },
        { log: createLogger({ level: 'warn' }, process.stderr), kube, registry, components: { controllers: [experimentController({ cairnImage: 'cairn' })] } },
      );
      metricsText = () => registry.metrics();
    } else {
      // As it runs in a cluster: `cairn operator`, compiled, in a process of its own (this one hosts the local node).
      // Node 20 refuses --cpu-prof in NODE_OPTIONS: a preloaded module records the profile instead. The env reaches
      // the operator only (the plane's processes get the env given here, not this process's).
      const preload = join(root, 'bench', 'cpu-profile-preload.mjs');
      const profile: Record<string, string> = options.operatorCpuProf ? { NODE_OPTIONS: `--import=${preload}`, CAIRN_CPU_PROFILE_DIR: options.operatorCpuProf } : {};
      const child = await startOperatorInPlane(cluster.plane, root, { namespace: NAMESPACE, podName: 'cairn-operator-bench', extraArgs: ['--controllers', 'experiment'], env: { CAIRN_FROM_DIST: '1', ...profile } });
      operatorProcess = child.process;
      metricsText = async () => (await fetch(new URL('/metrics', child.address))).text();
    }
    // The operator's CPU (user + system) over the run, from its own process_cpu_seconds_total.
    const cpuSeconds = async (): Promise<number> => Number(/^process_cpu_seconds_total (\S+)$/m.exec(await metricsText())?.[1] ?? Number.NaN);
    const cpuBefore = await cpuSeconds();
    const serverBefore = await serverScrapes();
    const loadBefore = loadavg();
    // This thread's event loop runs the local node agent (every pod's processes, probes, status writes); the stamps
    // are taken on the watches' thread, whose delay the worker reports.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const started = performance.now();
    await kube.apply(
      cairnResource('Experiment'),
      {
        apiVersion: 'cairn.dev/v1alpha1',
        kind: 'Experiment',
        metadata: { name: 'bench', namespace: NAMESPACE },
        spec: {
          datasetRef: { name: 'bench' },
          trainer: { image: 'python:3.12', command: ['python3', '-c', TRAINER] },
          parameters: { i: { min: 0, max: trials - 1, step: 1 } },
          search: { maxTrials: trials, parallelism, maxFailedTrials: trials },
          objective: { metric: 'rmse', goal: 'minimize' },
          artifacts: { uri: `s3://${BUCKET}/artifacts` },
        },
      } as KubeObject,
      { fieldManager: 'bench', force: true },
    );
    process.stderr.write(`Running ${trials} trials, parallelism ${parallelism}...\n`);
    for (;;) {
      const e = await kube.get<KubeObject & { status?: { phase?: string; progress?: string; trialCounts?: { failed?: number } } }>(cairnResource('Experiment'), 'bench', NAMESPACE);
      if (e?.status?.phase === 'Succeeded' || e?.status?.phase === 'Failed') {
        if ((e.status.trialCounts?.failed ?? 0) > 0) throw new Error(`${e.status.trialCounts?.failed} trials failed: ${JSON.stringify(e.status)}`);
        break;
      }
      process.stderr.write(`  ${e?.status?.progress ?? '0/?'} trials done\r`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const wallS = (performance.now() - started) / 1000;
    const operatorCpuS = (await cpuSeconds()) - cpuBefore;
    const serverAfter = await serverScrapes();
    const loadAfter = loadavg();
    const names = Array.from({ length: trials }, (_, i) => `bench-1-t${i}`);
    // The baseline needs every Job's Complete, which the Job controller may set after the run is over.
    let watched = await report();
    for (let waited = 0; waited < 60 && names.some((n) => watched.times.find(([name]) => name === n)?.[1].jobComplete === undefined); waited++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      watched = await report();
    }
    const times = new Map(watched.times);
    const at = (name: string): TrialTimes => times.get(name) ?? {};
    const { updates } = watched;

    const ends = names.map((n) => at(n).podEnded!).filter((t) => t !== undefined).sort((a, b) => a - b);
    const creations = names.map((n) => at(n).jobCreated!).filter((t) => t !== undefined).sort((a, b) => a - b);
    const overhead: number[] = [];
    const toStatus: number[] = [];
    const baseline: number[] = [];
    const floor: number[] = [];
    const floorWrite: number[] = [];
    const floorEvent: number[] = [];
    for (const name of names) {
      const t = at(name);
      if (t.podEnded === undefined) continue;
      if (t.echoSeen !== undefined) floor.push(t.echoSeen - t.podEnded);
      if (t.echoSent !== undefined && t.echoAnswered !== undefined) floorWrite.push(t.echoAnswered - t.echoSent);
      if (t.echoAnswered !== undefined && t.echoSeen !== undefined) floorEvent.push(t.echoSeen - t.echoAnswered);
      if (t.inStatus !== undefined) toStatus.push(t.inStatus - t.podEnded);
      if (t.jobComplete !== undefined) baseline.push(t.jobComplete - t.podEnded);
    }
    // Beyond the floor: the same pod end's overhead minus its floor, what the operator adds to one write and its event.
    const beyondFloor: number[] = [];
    // The i-th pod end frees the slot the (parallelism + i)-th Job takes.
    for (let i = 0; i + parallelism < creations.length && i < ends.length; i++) {
      const name = names.find((n) => at(n).podEnded === ends[i])!;
      const inStatus = at(name).inStatus ?? Number.NaN;
      overhead.push(Math.max(inStatus, creations[i + parallelism]!) - ends[i]!);
      const echoSeen = at(name).echoSeen;
      if (echoSeen !== undefined) beyondFloor.push(Math.max(inStatus, creations[i + parallelism]!) - echoSeen);
    }
    // The baseline is censored (a recorded trial's Job is deleted, often before the Job controller completes it): it can have no sample.
    const row = (label: string, xs: number[]) =>
      xs.length === 0
        ? `  ${label.padEnd(58)} no sample in this run (n=0)`
        : `  ${label.padEnd(58)} p50 ${percentile(xs, 50).toFixed(0).padStart(5)} ms   p99 ${percentile(xs, 99).toFixed(0).padStart(5)} ms   (n=${xs.length})`;
    const p99 = percentile(overhead, 99);
    const seen = (key: keyof TrialTimes) => names.filter((n) => at(n)[key] !== undefined).length;
    process.stderr.write(`seen: pod ended ${seen('podEnded')}, Job created ${seen('jobCreated')}, Job Complete ${seen('jobComplete')}, in status ${seen('inStatus')}\n`);
    // The operator's own figures, from its Prometheus text: sums over the experiment controller's series.
    const exposition = await metricsText();
    const metric = (name: string): number =>
      exposition
        .split('\n')
        .filter((line) => line.startsWith(`${name}{`) && line.includes('controller="experiment"'))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    const reconciles = metric('cairn_reconcile_duration_seconds_count');
    const reconcileS = metric('cairn_reconcile_duration_seconds_sum');
    const waits = metric('cairn_workqueue_latency_seconds_count');
    const waitS = metric('cairn_workqueue_latency_seconds_sum');
    return [
      `Experiment controller overhead per trial: ${trials} trials of a trainer that exits at once, parallelism ${parallelism}, local node (fetch, trainer, upload sidecar per pod; their cairn ${options.podsFromSource ? 'through tsx' : 'compiled'}); the operator ${options.operatorInProcess ? 'in the bench process' : 'compiled, in its own process'}; ${wallS.toFixed(1)} s wall`,
      row('cairn: pod ended -> metrics in status and next Job created', overhead),
      row('cairn: pod ended -> metrics in status', toStatus),
      row('baseline (Job controller): pod ended -> Job Complete', baseline),
      row('floor: pod ended -> one ConfigMap written and seen', floor),
      row('  of which the write: sent -> the API server answered', floorWrite),
      row('  then its watch event: answered -> seen (< 0: seen first)', floorEvent),
      row('cairn minus the floor, the same pod end', beyondFloor),
      `  goal p99 <= ${GOAL_MS} ms: ${p99 <= GOAL_MS ? 'met' : 'missed'}`,
      `  trial pod updates ${updates.pod.seen}, of which ${updates.pod.passed} pass podOutcomeChanged; Job updates ${updates.job.seen}, of which ${updates.job.passed} pass jobVerdictChanged (the operator also drops those of trials already recorded)`,
      `  the operator: ${reconciles} reconciles of the Experiment, ${((1000 * reconcileS) / Math.max(1, reconciles)).toFixed(0)} ms each on average, wall clock with its API round trips (${(100 * reconcileS / wallS).toFixed(0)}% of the wall time busy); keys waited ${((1000 * waitS) / Math.max(1, waits)).toFixed(0)} ms on average in the queue; ${metric('cairn_status_writes_total')} status writes`,
      `  the operator's CPU over the run (its whole process: watches, HTTP, reconciles): ${operatorCpuS.toFixed(1)} s${options.operatorInProcess ? ' (the bench process: with the local node and the watches)' : ''}, ${((1000 * operatorCpuS) / Math.max(1, reconciles)).toFixed(1)} ms per reconcile, ${((1000 * operatorCpuS) / trials).toFixed(0)} ms per trial`,
      `  load average (1 min) ${loadBefore[0]!.toFixed(1)} at the start, ${loadAfter[0]!.toFixed(1)} at the end`,
      `  event-loop delay of the watches' thread (every stamp above): p50 ${watched.loopDelay.p50.toFixed(0)} ms, p99 ${watched.loopDelay.p99.toFixed(0)} ms, max ${watched.loopDelay.max.toFixed(0)} ms`,
      `  event-loop delay of the bench's main thread (the local node agent): p50 ${(loopDelay.percentile(50) / 1e6).toFixed(0)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms`,
      ...serverLatency(serverBefore, serverAfter),
    ].join('\n');
  } finally {
    await stopWatcher?.().catch(() => undefined);
    await operator?.stop().catch(() => undefined);
    await operatorProcess?.stop(5_000).catch(() => undefined);
    await cluster.stop();
    await rm(stateRoot, { recursive: true, force: true });
  }
}

/**
 * What the API server says of its own latency between two scrapes of its /metrics: the writes the floor and the
 * operator make (from its handler's start to the response written) and their storage part (the round trip to etcd).
 * Bucket bounds are coarse (5, 25, 50, 100, 200 ms...): quantiles are interpolated within a bucket.
 */
function serverLatency(before: Scrape, after: Scrape): string[] {
  const ms = (x: number | undefined) => (x === undefined ? '-' : (1000 * x).toFixed(0));
  const hist = (name: string, labels: Record<string, string>) => {
    const match = (s: Scrape) => s.filter((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v));
    const h = histogramBetween(match(before), match(after), name);
    return `p50 ${ms(h.quantile(0.5))} / p99 ${ms(h.quantile(0.99))} ms (n=${h.count})`;
  };
  const request = (resource: string, subresource = '') => hist('apiserver_request_duration_seconds', { verb: 'APPLY', resource, subresource });
  const dispatched = (resource: string) => total(after.filter((x) => x.labels.resource === resource), 'apiserver_watch_cache_events_dispatched_total') - total(before.filter((x) => x.labels.resource === resource), 'apiserver_watch_cache_events_dispatched_total');
  return [
    `  the API server's own latency over the run (its /metrics): configmaps APPLY ${request('configmaps')}, their etcd round trips (an apply, even one that creates, is an update there) ${hist('etcd_request_duration_seconds', { operation: 'update', resource: 'configmaps' })}`,
    `    experiments/status APPLY ${request('experiments', 'status')}; jobs APPLY ${request('jobs')}; pods/status (the local node) ${hist('apiserver_request_duration_seconds', { resource: 'pods', subresource: 'status' })}; watch cache events dispatched: configmaps ${dispatched('configmaps')}, pods ${dispatched('pods')}, jobs ${dispatched('jobs')}`,
  ];
}

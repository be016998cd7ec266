/**
 * The clock of bench/training-overhead.ts, in a worker thread of its own: the watches that stamp every time the bench
 * compares (a trial pod's end, its Job created and Complete, its metrics in the Experiment's status) and the floor's
 * ConfigMap write and echo. The bench's main thread also hosts the local node agent (every pod's spawns, probes and
 * status writes); on that event loop a stamp waited for whatever the agent was doing, up to a second under load. Here
 * nothing else runs, and this loop's own delay is measured and reported beside the figures.
 *
 * Messages: in, 'report' (answered with a {@link WatchReport}) and 'stop'; out, 'ready' once every watch is open.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { cairnResource } from '../src/controllers/resources.js';
import { jobVerdictChanged, podOutcomeChanged } from '../src/controllers/kit/index.js';
import type { InformerEvent } from '../src/runtime/informer.js';
import { loadRestConfig } from '../src/runtime/kube/config.js';
import { HttpKubeClient } from '../src/runtime/kube/http-client.js';
import type { KubeObject } from '../src/runtime/kube/object.js';
import { builtin } from '../src/runtime/kube/resource.js';

export interface WatchesInput {
  kubeconfigPath: string;
  namespace: string;
}

/** A trial's times, in this thread's performance.now() (ms): only compared with each other. */
export interface TrialTimes {
  podEnded?: number;
  /** The floor's ConfigMap: when its write was sent, when the API server answered, when its watch event came. */
  echoSent?: number;
  echoAnswered?: number;
  echoSeen?: number;
  jobCreated?: number;
  jobComplete?: number;
  inStatus?: number;
}

export interface WatchReport {
  times: Array<[string, TrialTimes]>;
  updates: { pod: { seen: number; passed: number }; job: { seen: number; passed: number } };
  /** This thread's event-loop delay since it started (ms). */
  loopDelay: { p50: number; p99: number; max: number };
}

const { kubeconfigPath, namespace } = workerData as WatchesInput;
const port = parentPort!;
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
// Its own client: its own connection pool, on this thread's loop.
const kube = new HttpKubeClient(loadRestConfig({ kubeconfig: kubeconfigPath }));
const times = new Map<string, TrialTimes>();
const at = (name: string): TrialTimes => times.get(name) ?? (times.set(name, {}), times.get(name)!);
const now = () => performance.now();

/** A watch that ends (a CRD just established, a timeout) starts again. */
async function watch(res: Parameters<typeof kube.watch>[0], handler: Parameters<typeof kube.watch>[2]): Promise<{ stop(): void }> {
  let handle: { stop(): void } | undefined;
  let stopped = false;
  const start = async (): Promise<void> => {
    handle = await kube.watch(res, { namespace }, handler, () => {
      if (!stopped) setTimeout(() => void start().catch(() => undefined), 100);
    });
  };
  await start();
  return { stop: () => ((stopped = true), handle?.stop()) };
}

// The trial pods' and Jobs' updates, and how many of them the Experiment controller's predicates let through.
const updates: WatchReport['updates'] = { pod: { seen: 0, passed: 0 }, job: { seen: 0, passed: 0 } };
const last = new Map<string, KubeObject>();
function countUpdate(kind: 'pod' | 'job', type: string, object: KubeObject, passes: (event: InformerEvent<KubeObject>) => boolean): void {
  const id = `${kind}/${object.metadata?.name}`;
  const old = last.get(id);
  if (type === 'DELETED') last.delete(id);
  else last.set(id, object);
  if (type !== 'MODIFIED' || !old) return;
  updates[kind].seen++;
  if (passes({ type: 'update', old, object })) updates[kind].passed++;
}

const watches = [
  await watch(builtin.pod, (type, pod) => {
    countUpdate('pod', type, pod, podOutcomeChanged);
    const trial = pod.metadata?.labels?.['cairn.dev/trial'];
    const phase = (pod as { status?: { phase?: string } }).status?.phase;
    if (trial && type !== 'DELETED' && phase === 'Succeeded' && at(trial).podEnded === undefined) {
      const t = at(trial);
      t.podEnded = now();
      // the floor under the same load: one write to the API server and its watch event back, nothing else
      const echo = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `echo-${trial}`, namespace, labels: { 'bench-echo': trial } } } as KubeObject;
      t.echoSent = now();
      void kube.apply(builtin.configMap, echo, { fieldManager: 'bench', force: true }).then(
        () => (t.echoAnswered = now()),
        () => undefined,
      );
    }
  }),
  await watch(builtin.configMap, (type, cm) => {
    const trial = cm.metadata?.labels?.['bench-echo'];
    if (trial && type === 'ADDED' && at(trial).echoSeen === undefined) at(trial).echoSeen = now();
  }),
  await watch(builtin.job, (type, job) => {
    countUpdate('job', type, job, jobVerdictChanged);
    const name = job.metadata?.name ?? '';
    if (type === 'ADDED' && at(name).jobCreated === undefined) at(name).jobCreated = now();
    const complete = (job as { status?: { conditions?: Array<{ type: string; status: string }> } }).status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True');
    if (complete && at(name).jobComplete === undefined) at(name).jobComplete = now();
  }),
  await watch(cairnResource('Experiment'), (_type, e) => {
    for (const t of (e as { status?: { trials?: Array<{ name: string; phase: string; metrics?: unknown }> } }).status?.trials ?? []) {
      if (t.phase === 'Succeeded' && t.metrics && at(t.name).inStatus === undefined) at(t.name).inStatus = now();
    }
  }),
];

port.on('message', (message: 'report' | 'stop') => {
  if (message === 'report') {
    const ms = (ns: number) => ns / 1e6;
    port.postMessage({ times: [...times], updates, loopDelay: { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) } } satisfies WatchReport);
  } else {
    for (const w of watches) w.stop();
    loopDelay.disable();
    port.close();
  }
});
port.postMessage('ready');

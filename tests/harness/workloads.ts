/** Helpers to run and observe workloads in integration tests (Jobs, Pods) through the API. */
import { BatchV1Api, CoreV1Api, type V1Job, type V1Pod, type V1PodSpec } from '@kubernetes/client-node';
import { join } from 'node:path';
import { isRunning } from '../../src/testenv/index.js';
import { adminKubeConfig, eventually, testenv } from './kube.js';

/** The fixture trainer (tests/fixtures/node-agent/trainer.py); image `cairn-fixture-trainer` runs it. */
export const FIXTURE_TRAINER_IMAGE = 'registry.example/cairn-fixture-trainer:v1';

export function fixtureTrainerPath(): string {
  return join(testenv().root, 'tests', 'fixtures', 'node-agent', 'trainer.py');
}

export function clients(): { core: CoreV1Api; batch: BatchV1Api } {
  const kc = adminKubeConfig();
  return { core: kc.makeApiClient(CoreV1Api), batch: kc.makeApiClient(BatchV1Api) };
}

/** Creates a Job with one pod template and `backoffLimit` (default 0). */
export async function createJob(namespace: string, name: string, spec: V1PodSpec, backoffLimit = 0): Promise<V1Job> {
  return clients().batch.createNamespacedJob({
    namespace,
    body: { metadata: { name }, spec: { backoffLimit, template: { metadata: { labels: { job: name } }, spec } } },
  });
}

/** Waits until the Job has a Complete or Failed condition and returns the Job. */
export async function jobFinished(namespace: string, name: string): Promise<{ job: V1Job; outcome: 'Complete' | 'Failed' }> {
  return eventually(`Job ${namespace}/${name} Complete or Failed`, async () => {
    const job = await clients().batch.readNamespacedJob({ name, namespace });
    const done = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    if (!done) throw new Error(`Job status: ${JSON.stringify({ active: job.status?.active, succeeded: job.status?.succeeded, failed: job.status?.failed, conditions: job.status?.conditions?.map((c) => `${c.type}=${c.status}`) })}`);
    return { job, outcome: done.type as 'Complete' | 'Failed' };
  });
}

export async function podsWithLabel(namespace: string, selector: string): Promise<V1Pod[]> {
  return (await clients().core.listNamespacedPod({ namespace, labelSelector: selector })).items;
}

/** Waits for Pod `name` to match `predicate` (described by `what`, e.g. 'Ready') and returns it. */
export async function podWhere(namespace: string, name: string, what: string, predicate: (pod: V1Pod) => boolean): Promise<V1Pod> {
  return eventually(`Pod ${namespace}/${name} ${what}`, async () => {
    const pod = await clients().core.readNamespacedPod({ name, namespace });
    if (!predicate(pod)) throw new Error(`Pod status: ${podSummary(pod)}`);
    return pod;
  });
}

/** Phase, conditions and container states of a Pod, in one line for a wait's message. */
function podSummary(pod: V1Pod): string {
  const conditions = pod.status?.conditions?.map((c) => `${c.type}=${c.status}`) ?? [];
  const containers = (pod.status?.containerStatuses ?? []).map((c) => `${c.name}: ${Object.entries(c.state ?? {}).filter(([, v]) => v !== undefined).map(([k]) => k).join(',') || 'no state'}${c.state?.waiting?.reason ? ` (${c.state.waiting.reason})` : ''}`);
  return JSON.stringify({ phase: pod.status?.phase, conditions, containers });
}

export function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The local process id the node agent reports in a container's containerID (`cairn-local://<pid>`). */
export function localPid(pod: V1Pod, container = 0): number {
  const id = pod.status?.containerStatuses?.[container]?.containerID ?? '';
  const match = /^cairn-local:\/\/(\d+)$/.exec(id);
  if (!match) throw new Error(`pod ${pod.metadata?.name} has no local containerID (got "${id}")`);
  return Number(match[1]);
}

/** True while a process with this pid runs (a zombie, exited but not yet reaped, counts as gone). */
export function processAlive(pid: number): Promise<boolean> {
  return isRunning(pid);
}

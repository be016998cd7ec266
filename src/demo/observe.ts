/**
 * What the demo watches during the retraining round, for the loop's timeline (timeline.ts): every pod's container
 * start and finish times, as the status gives them and as this watch saw them, to the millisecond (the profile
 * Job's fetch and profile containers, the trials' trainer containers; pods are
 * pruned once their result is recorded, so they are watched, not listed afterwards), and each canary step of the
 * cairn.dev Deployment with the time it started (status.rollout.stepStartedAt) and when a version became stable.
 */
import type { KubeClient, WatchHandle } from '../runtime/kube/client.js';
import type { KubeObject } from '../runtime/kube/object.js';
import { builtin, type ResourceType } from '../runtime/kube/resource.js';
import { LABEL_COMPONENT } from '../render/labels.js';
import type { Interval } from './timeline.js';

type ContainerState = { running?: { startedAt?: string }; terminated?: { startedAt?: string; finishedAt?: string } };
type PodObject = KubeObject & {
  spec?: unknown;
  status?: {
    conditions?: Array<{ type: string; status: string }>;
    initContainerStatuses?: Array<{ name: string; state?: ContainerState }>;
    containerStatuses?: Array<{ name: string; state?: ContainerState }>;
  };
};
type DeploymentObject = KubeObject & { status?: { stable?: { version?: number }; canary?: { version?: number; step?: number }; rollout?: { stepStartedAt?: string } } };

export interface ContainerRun {
  pod: string;
  component: string;
  labels: Record<string, string>;
  container: string;
  /** From the status (whole seconds, as the kubelet writes them). */
  start: number;
  /** Undefined while it runs. */
  end?: number;
  /** When this watch first saw the run started and ended (milliseconds, a watch event's delay after the fact). */
  seenStart?: number;
  seenEnd?: number;
}

/**
 * A container's run as an interval: the times this watch saw it start and end, when it saw them apart (both lag
 * by about one status write and one watch event, so the length holds to milliseconds); else, for a run first seen
 * already finished, the status times, which are whole seconds (a 0.4 s run may count as 0 or 1 s). Pure.
 */
export function runInterval(run: ContainerRun, now: number): Interval {
  if (run.seenStart !== undefined && (run.seenEnd === undefined ? run.end === undefined : run.seenEnd > run.seenStart)) return { start: run.seenStart, end: run.seenEnd ?? now };
  return { start: run.start, end: run.end ?? now };
}

export interface CanaryStep {
  version: number;
  step: number;
  startedAt: number;
}

/** One container's run from its status: the finished one, else the running one. */
export function containerRun(state: ContainerState | undefined): { start: number; end?: number } | undefined {
  const finished = state?.terminated;
  if (finished?.startedAt && finished.finishedAt) return { start: Date.parse(finished.startedAt), end: Date.parse(finished.finishedAt) };
  if (state?.running?.startedAt) return { start: Date.parse(state.running.startedAt) };
  return undefined;
}

/**
 * The time spent in canary steps of `kinds` (pause, analysis) of `version`: from each such step's start to the
 * next step's start (or `promotedAt` for the last). Pure.
 */
export function canaryStepIntervals(steps: readonly CanaryStep[], version: number, stepKinds: ReadonlyArray<'setWeight' | 'pause' | 'analysis' | undefined>, promotedAt: number | undefined): Interval[] {
  const mine = steps.filter((s) => s.version === version).sort((a, b) => a.startedAt - b.startedAt);
  const out: Interval[] = [];
  mine.forEach((s, i) => {
    const kind = stepKinds[s.step];
    if (kind !== 'pause' && kind !== 'analysis') return;
    const end = mine[i + 1]?.startedAt ?? promotedAt;
    if (end !== undefined) out.push({ start: s.startedAt, end });
  });
  return out;
}

/** A pod as the demo's watch saw it: its first sighting (its creation, within a watch event's delay) and each state's. */
export interface PodSighting {
  pod: string;
  component: string;
  labels: Record<string, string>;
  created: number;
  /** `<container>.running`, `<container>.terminated`, `ready`: when first seen. */
  seen: Record<string, number>;
}

/** The states a PodSighting records of a pod: each container running or terminated, and the pod Ready. */
function podStates(pod: PodObject): string[] {
  const states: string[] = [];
  for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    if (status.state?.running) states.push(`${status.name}.running`);
    if (status.state?.terminated) states.push(`${status.name}.running`, `${status.name}.terminated`);
  }
  if (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) states.push('ready');
  return states;
}

export class LoopObserver {
  readonly containers = new Map<string, ContainerRun>();
  /** Per pod uid: when this watch first saw each state (milliseconds, unlike the whole seconds of the status times). */
  readonly sightings = new Map<string, PodSighting>();
  readonly steps: CanaryStep[] = [];
  /** When each version was first seen stable (the watch event's arrival: status has no promotion time). */
  readonly stableAt = new Map<number, number>();
  private readonly handles: WatchHandle[] = [];
  private stopped = false;

  constructor(
    private readonly kube: KubeClient,
    private readonly namespace: string,
    private readonly deployment: { resource: ResourceType; name: string },
    private readonly now: () => number = Date.now,
  ) {}

  async start(): Promise<void> {
    await this.watch(builtin.pod, (obj) => this.onPod(obj as PodObject));
    await this.watch(this.deployment.resource, (obj) => {
      if (obj.metadata?.name === this.deployment.name) this.onDeployment(obj as DeploymentObject);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const h of this.handles.splice(0)) h.stop();
  }

  /** Intervals of the containers named `container` in pods whose component label is `component` (and whose labels match `where`). */
  intervals(component: string, containers: readonly string[], where: Record<string, string> = {}): Interval[] {
    return [...this.containers.values()]
      .filter((c) => c.component === component && containers.includes(c.container) && Object.entries(where).every(([k, v]) => c.labels[k] === v))
      .map((c) => runInterval(c, this.now()));
  }

  private async watch(res: ResourceType, onObject: (obj: KubeObject) => void): Promise<void> {
    const open = async (): Promise<void> => {
      const handle = await this.kube.watch(res, { namespace: this.namespace }, (type, obj) => {
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') onObject(obj);
      }, () => {
        // A watch ends now and then (a server timeout): open it again, the ADDED events repeat what is there.
        if (!this.stopped) setTimeout(() => void open().catch(() => undefined), 200).unref();
      });
      if (this.stopped) handle.stop();
      else this.handles.push(handle);
    };
    await open();
  }

  private onPod(pod: PodObject): void {
    const name = pod.metadata?.name ?? '';
    const labels = pod.metadata?.labels ?? {};
    const component = labels[LABEL_COMPONENT] ?? '';
    const uid = pod.metadata?.uid ?? name;
    const sighting = this.sightings.get(uid) ?? { pod: name, component, labels, created: this.now(), seen: {} };
    this.sightings.set(uid, sighting);
    const now = this.now();
    for (const key of podStates(pod)) sighting.seen[key] ??= now;
    for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const run = containerRun(status.state);
      if (!run) continue;
      const key = `${pod.metadata?.uid ?? name}/${status.name}`;
      const known = this.containers.get(key);
      const sameRun = known !== undefined && known.start === run.start;
      // A later status may lose a finished state (a pod deleted mid-update): never forget an end once seen.
      const end = run.end ?? (sameRun ? known.end : undefined);
      const seenStart = sameRun && known.seenStart !== undefined ? known.seenStart : now;
      const seenEnd = end === undefined ? undefined : sameRun && known.seenEnd !== undefined ? known.seenEnd : now;
      this.containers.set(key, { pod: name, component, labels, container: status.name, start: run.start, ...(end !== undefined ? { end } : {}), seenStart, ...(seenEnd !== undefined ? { seenEnd } : {}) });
    }
  }

  private onDeployment(d: DeploymentObject): void {
    const stable = d.status?.stable?.version;
    if (stable !== undefined && !this.stableAt.has(stable)) this.stableAt.set(stable, this.now());
    const canary = d.status?.canary;
    const startedAt = d.status?.rollout?.stepStartedAt;
    if (canary?.version === undefined || canary.step === undefined || !startedAt) return;
    const at = Date.parse(startedAt);
    if (!this.steps.some((s) => s.version === canary.version && s.step === canary.step && s.startedAt === at)) this.steps.push({ version: canary.version, step: canary.step, startedAt: at });
  }
}

/**
 * Which objects the operator has settled, seen through watches of the bench's own (all namespaces): an object is
 * settled once its status carries a Ready condition for its current generation, i.e. the operator reconciled it and
 * wrote what it found. A watch that ends is reopened from the last resourceVersion seen.
 */
import type { KubeClient } from '../src/runtime/kube/client.js';
import type { KubeObject } from '../src/runtime/kube/object.js';
import type { ResourceType } from '../src/runtime/kube/resource.js';

type Reconciled = KubeObject & { status?: { observedGeneration?: number; conditions?: Array<{ type: string; status?: string; reason?: string }> } };

const isSettled = (o: Reconciled) =>
  o.status?.observedGeneration !== undefined && o.status.observedGeneration === o.metadata?.generation && (o.status.conditions ?? []).some((c) => c.type === 'Ready');

export interface SettledWatch {
  /** Objects settled so far. */
  count(): number;
  /** performance.now() at which each object first settled, by `kind/namespace/name`. */
  readonly settledAt: ReadonlyMap<string, number>;
  /** How many objects settled with each `kind Ready=status reason`, e.g. `Experiment Ready=False DependencyNotReady`. */
  states(): Map<string, number>;
  /** Resolves once `n` objects have settled; rejects after `timeoutMs`. */
  reached(n: number, timeoutMs: number): Promise<void>;
  stop(): void;
}

export async function watchSettled(kube: KubeClient, resources: readonly ResourceType[]): Promise<SettledWatch> {
  const settledAt = new Map<string, number>();
  const stateOf = new Map<string, string>();
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const handles: Array<{ stop(): void }> = [];
  let stopped = false;
  const open = async (res: ResourceType, resourceVersion: string): Promise<void> => {
    let last = resourceVersion;
    const handle = await kube.watch(
      res,
      { resourceVersion: last },
      (type, object) => {
        last = object.metadata?.resourceVersion ?? last;
        if (type !== 'ADDED' && type !== 'MODIFIED') return;
        const key = `${res.kind}/${object.metadata?.namespace}/${object.metadata?.name}`;
        if (settledAt.has(key) || !isSettled(object as Reconciled)) return;
        settledAt.set(key, performance.now());
        const ready = (object as Reconciled).status?.conditions?.find((c) => c.type === 'Ready');
        stateOf.set(key, `${res.kind} Ready=${ready?.status} ${ready?.reason}`);
        for (const w of waiters.filter((w) => settledAt.size >= w.n)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      },
      () => {
        if (!stopped) setTimeout(() => void open(res, last), 100);
      },
    );
    handles.push(handle);
  };
  for (const res of resources) await open(res, (await kube.list(res)).resourceVersion);
  return {
    count: () => settledAt.size,
    states: () => {
      const counts = new Map<string, number>();
      for (const state of stateOf.values()) counts.set(state, (counts.get(state) ?? 0) + 1);
      return counts;
    },
    settledAt,
    reached: (n, timeoutMs) =>
      new Promise((resolve, reject) => {
        if (settledAt.size >= n) return resolve();
        const timer = setTimeout(() => reject(new Error(`Timed out: ${settledAt.size} of ${n} objects settled after ${timeoutMs / 1000} s`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      }),
    stop: () => {
      stopped = true;
      handles.forEach((h) => h.stop());
    },
  };
}

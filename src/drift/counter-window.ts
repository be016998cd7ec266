/**
 * Counter deltas over a window, from scrapes of several pods (docs/drift.md, "Live counts"). Pure: the caller
 * scrapes, passes the time, and keeps the returned state between evaluations.
 *
 * - Each pod's increase since its previous scrape is reset-aware, as Prometheus' increase() is: a counter that
 *   went down, or a process that started again (process_start_time_seconds moved), counted from zero, so the
 *   increase is the current value itself.
 * - A pod seen for the first time counts whole when its process started within the window: nothing it counted
 *   was counted here before (a pod the cache showed late, one whose earlier scrapes failed, a replica that just
 *   started), and all of it falls in the window. Otherwise its current values are only the baseline of its next
 *   increase, since nothing says when they were counted (the monitor is new, or the operator restarted).
 * - The increases of all pods are summed per evaluation and kept with their time; the window's counts are the
 *   sum of those newer than `now - window`. A pod that went away keeps what it counted in the window.
 *
 * src/rollout/analysis.ts takes the same kind of increase for the analysis' fixed counters; this one works on
 * any set of series (keyed by name and labels), which is what histograms on per-feature bins need.
 */

/** One pod's cumulative counters at a scrape, by series key. */
export interface PodScrape {
  /** Stable identity of the pod (its uid). */
  pod: string;
  /** When the process that counted started (ms since the epoch): process_start_time_seconds, else the pod's start. */
  processStartedAt?: number;
  counters: ReadonlyMap<string, number>;
}

interface PodMemory {
  processStartedAt?: number;
  counters: ReadonlyMap<string, number>;
  seenAt: number;
}

export interface WindowState {
  pods: ReadonlyMap<string, PodMemory>;
  /** Per evaluation: the increases of every pod, summed. */
  increments: ReadonlyArray<{ at: number; counts: ReadonlyMap<string, number> }>;
}

export const emptyWindow = (): WindowState => ({ pods: new Map(), increments: [] });

/** The increase of one pod's counters since `previous`; a counter that went down means a restart. */
export function counterIncrease(previous: ReadonlyMap<string, number>, current: ReadonlyMap<string, number>): Map<string, number> {
  let reset = false;
  for (const [key, value] of current) {
    if (value < (previous.get(key) ?? 0)) {
      reset = true;
      break;
    }
  }
  if (reset) return new Map(current);
  const increase = new Map<string, number>();
  for (const [key, value] of current) increase.set(key, value - (previous.get(key) ?? 0));
  return increase;
}

function addInto(total: Map<string, number>, counts: ReadonlyMap<string, number>): void {
  for (const [key, value] of counts) total.set(key, (total.get(key) ?? 0) + value);
}

/** Records one evaluation's scrapes at `now`; returns the new state and the counts of the last `windowMs`. */
export function advanceWindow(state: WindowState, scrapes: readonly PodScrape[], now: number, windowMs: number): { state: WindowState; counts: Map<string, number> } {
  const windowStart = now - windowMs;
  const increment = new Map<string, number>();
  const pods = new Map<string, PodMemory>();
  for (const scrape of scrapes) {
    const before = state.pods.get(scrape.pod);
    if (before) {
      const restarted = scrape.processStartedAt !== undefined && before.processStartedAt !== undefined && scrape.processStartedAt !== before.processStartedAt;
      addInto(increment, restarted ? scrape.counters : counterIncrease(before.counters, scrape.counters));
    } else if (scrape.processStartedAt !== undefined && scrape.processStartedAt >= windowStart) {
      addInto(increment, scrape.counters);
    }
    pods.set(scrape.pod, { ...(scrape.processStartedAt !== undefined ? { processStartedAt: scrape.processStartedAt } : {}), counters: scrape.counters, seenAt: now });
  }
  // A pod missing from this scrape (gone, or unreachable once) is remembered for a window, so it is not counted whole when it answers again.
  for (const [pod, memory] of state.pods) if (!pods.has(pod) && memory.seenAt > now - windowMs) pods.set(pod, memory);
  const increments = [...state.increments.filter((i) => i.at > now - windowMs), { at: now, counts: increment }];
  const counts = new Map<string, number>();
  for (const i of increments) addInto(counts, i.counts);
  return { state: { pods, increments }, counts };
}

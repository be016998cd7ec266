/**
 * Reads the drift counters straight from the serving pods' /metrics (docs/contracts.md §2), one GET per pod,
 * all at once, each bounded in time and size. A pod that does not answer is reported, not fatal: the others'
 * counts still make a window, and the one that failed is diffed correctly when it answers again
 * (src/drift/counter-window.ts remembers it).
 */
import { driftCounters, type PodScrape } from '../../drift/index.js';
import { parseExposition } from '../../metrics/exposition.js';
import type { Frozen, KubeObject } from '../../runtime/kube/object.js';
import { PROFILE_VOLUME, SERVING_PORT } from '../../render/serving.js';

export interface ServingPod extends KubeObject {
  metadata: KubeObject['metadata'] & { name: string; uid?: string };
  spec?: { containers?: Array<{ name: string; ports?: Array<{ name?: string; containerPort: number }> }>; volumes?: Array<{ name: string; configMap?: { name?: string } }> };
  status?: { phase?: string; podIP?: string; startTime?: string };
}

/** A serving pod's /metrics answer is a few hundred series; more than this is not a serving pod's answer. */
const MAX_BYTES = 8 * 1024 * 1024;
const TIMEOUT_MS = 5_000;

/** Pods that may hold counts: scheduled with an address, and not finished. */
export function scrapeable(pod: Frozen<ServingPod>): boolean {
  return pod.status?.podIP !== undefined && pod.status.phase === 'Running' && !pod.metadata?.deletionTimestamp;
}

/**
 * Whether the pod counts on the baseline's bins: it mounts that profile, or none. A pod started before the
 * baseline moved (the stable version changed) counts on the former profile's bins until it is replaced; its
 * counts would make the column unscorable for the whole window, so it is left out.
 */
export function countsOnBaseline(pod: Frozen<ServingPod>, baselineConfigMap: string): boolean {
  const mounted = pod.spec?.volumes?.find((v) => v.name === PROFILE_VOLUME)?.configMap?.name;
  return mounted === undefined || mounted === baselineConfigMap;
}

/** http://<podIP>:<the port named http, else the serving port>/metrics */
export function metricsUrl(pod: Frozen<ServingPod>): string {
  const port = pod.spec?.containers?.flatMap((c) => c.ports ?? []).find((p) => p.name === 'http')?.containerPort ?? SERVING_PORT;
  const ip = pod.status?.podIP ?? '';
  return `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}/metrics`;
}

async function fetchMetrics(url: string, signal: AbortSignal): Promise<string> {
  const answer = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]) });
  if (answer.status !== 200) throw new Error(`answered HTTP ${answer.status}`);
  const length = Number(answer.headers.get('content-length') ?? 0);
  if (length > MAX_BYTES) throw new Error(`answered ${length} bytes, more than ${MAX_BYTES}`);
  const text = await answer.text();
  if (text.length > MAX_BYTES) throw new Error(`answered more than ${MAX_BYTES} bytes`);
  return text;
}

export interface ScrapeOutcome {
  scrapes: PodScrape[];
  failures: Array<{ pod: string; message: string }>;
}

/** Scrapes every pod at once; only the series of `model` (the Deployment's) are kept. */
export async function scrapePods(pods: ReadonlyArray<Frozen<ServingPod>>, model: string, signal: AbortSignal): Promise<ScrapeOutcome> {
  const outcome: ScrapeOutcome = { scrapes: [], failures: [] };
  await Promise.all(
    pods.map(async (pod) => {
      const name = pod.metadata.name;
      try {
        const { counters, processStartedAt } = driftCounters(parseExposition(await fetchMetrics(metricsUrl(pod), signal)), model);
        const podStart = pod.status?.startTime ? Date.parse(pod.status.startTime) : undefined;
        const startedAt = processStartedAt ?? podStart;
        outcome.scrapes.push({ pod: pod.metadata.uid ?? name, counters, ...(startedAt !== undefined && !Number.isNaN(startedAt) ? { processStartedAt: startedAt } : {}) });
      } catch (err) {
        if (signal.aborted) throw err;
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        outcome.failures.push({ pod: name, message: `${(err as Error).message}${cause ? ` (${cause})` : ''}` });
      }
    }),
  );
  outcome.scrapes.sort((a, b) => a.pod.localeCompare(b.pod));
  return outcome;
}

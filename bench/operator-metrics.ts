/** What bench:scale reads from the operator's /metrics: counter totals and histogram quantiles between two scrapes. */
import { parseExposition, type Sample } from '../src/metrics/exposition.js';
import { histogramQuantile } from '../src/rollout/analysis.js';

export type Scrape = readonly Sample[];

export async function scrape(address: string): Promise<Scrape> {
  const res = await fetch(`${address}/metrics`);
  if (!res.ok) throw new Error(`GET ${address}/metrics answered ${res.status}`);
  return parseExposition(await res.text());
}

/** The sum of every series of `name` (all label values). */
export function total(samples: Scrape, name: string): number {
  return samples.filter((s) => s.name === name).reduce((sum, s) => sum + s.value, 0);
}

/** The cumulative buckets of histogram `name`, summed over its series: [le, count] by le. */
export function buckets(samples: Scrape, name: string): Array<[number, number]> {
  const byBound = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
    byBound.set(le, (byBound.get(le) ?? 0) + s.value);
  }
  return [...byBound.entries()].sort((a, b) => a[0] - b[0]);
}

/** What a histogram observed between two scrapes: its count and quantiles (Prometheus' histogram_quantile). */
export function histogramBetween(before: Scrape, after: Scrape, name: string): { count: number; quantile(q: number): number | undefined } {
  const earlier = new Map(buckets(before, name));
  const increase = buckets(after, name).map(([le, n]): [number, number] => [le, n - (earlier.get(le) ?? 0)]);
  return { count: increase.at(-1)?.[1] ?? 0, quantile: (q) => histogramQuantile(q, increase) };
}

/** The V8 heap of the scraped process (prom-client's default metrics), in MiB: used and reserved. */
export function heapMiB(samples: Scrape): { usedMiB: number; totalMiB: number } {
  return { usedMiB: total(samples, 'nodejs_heap_size_used_bytes') / 2 ** 20, totalMiB: total(samples, 'nodejs_heap_size_total_bytes') / 2 ** 20 };
}

/**
 * The null distribution of a binned statistic by simulation, for windows too small for its chi-square
 * approximation: PSI and Jensen-Shannon run hot there (1.9% and 1.7% false alarms at alpha 1% for windows of 100
 * in 10 bins, bench:drift), because cells with a few expected counts give ln(q/p) a heavy tail.
 *
 * Windows are drawn from the baseline's shares and scored against the baseline, and the statistic of each is the
 * null sample. Their size is nm/(n+m), not m: the baseline is a sample too, and under no drift the variance of the
 * difference of the two sides' shares is (1/n + 1/m) times a cell's. The p-value is (1 + #{null >= observed}) / (1 + draws), which never alarms more often than alpha. The
 * generator has a fixed seed, so the same counts always give the same p-value: the function stays pure.
 */

/** Draws of the null: the p-value's resolution is 1/2001, twenty draws beyond the 1% critical value. */
export const SIMULATED_DRAWS = 2000;
/** Below this many expected live counts in the thinnest non-empty cell the null is simulated. */
export const SIMULATED_BELOW_EXPECTED = 50;
const CACHE_SIZE = 32;

/** mulberry32: a small seeded generator (the same draws on every machine), for simulations and test data. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Whether a window of m live counts is too small for the chi-square approximation on these baseline cells. */
export function needsSimulation(baseline: readonly number[], n: number, m: number): boolean {
  let thinnest = Number.POSITIVE_INFINITY;
  for (const b of baseline) if (b > 0) thinnest = Math.min(thinnest, b / n);
  return m * thinnest < SIMULATED_BELOW_EXPECTED;
}

/** `size` draws from the cumulative shares, as counts. */
function draw(random: () => number, cumulative: Float64Array, size: number): number[] {
  const counts = new Array<number>(cumulative.length).fill(0);
  for (let i = 0; i < size; i++) {
    const u = random();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (u < cumulative[mid]!) hi = mid;
      else lo = mid + 1;
    }
    counts[lo]!++;
  }
  return counts;
}

const cache = new Map<string, Float64Array>();

/** The sorted null sample of `statistic` for a window of m against `baseline` (n counts); memoised per input. */
export function simulatedNull(name: string, baseline: readonly number[], n: number, m: number, statistic: (baseline: readonly number[], live: readonly number[]) => number): Float64Array {
  const key = `${name}|${m}|${baseline.join(',')}`;
  const known = cache.get(key);
  if (known) return known;
  const size = Math.max(1, Math.round((n * m) / (n + m)));
  const shares = baseline.map((b) => b / n);
  const cumulative = new Float64Array(shares.length);
  let sum = 0;
  shares.forEach((s, i) => (cumulative[i] = sum += s));
  cumulative[cumulative.length - 1] = 1;
  const random = mulberry32(0x5eed ^ m);
  const sample = new Float64Array(SIMULATED_DRAWS);
  for (let d = 0; d < SIMULATED_DRAWS; d++) sample[d] = statistic(baseline, draw(random, cumulative, size));
  sample.sort();
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, sample);
  return sample;
}

/** (1 + #{null >= observed}) / (1 + draws). */
export function simulatedPValue(sorted: Float64Array, observed: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < observed) lo = mid + 1;
    else hi = mid;
  }
  return (1 + sorted.length - lo) / (1 + sorted.length);
}

/**
 * The smallest null value at or above which the p-value is below alpha (ties aside), or null when no value can
 * be (alpha below 2 / (1 + draws)).
 */
export function simulatedCriticalValue(sorted: Float64Array, alpha: number): number | null {
  // p < alpha <=> at most g null values >= observed, g the largest integer with (1 + g) < alpha (1 + draws)
  const g = Math.ceil(alpha * (1 + sorted.length)) - 2;
  if (g < 0) return null;
  const index = sorted.length - g - 1;
  return index < 0 ? sorted[0]! : sorted[index]!;
}

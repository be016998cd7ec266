/**
 * The exact null distribution of the two-sample Kolmogorov-Smirnov statistic for continuous data (no ties):
 * under no drift, the merged order of the two samples is a uniformly random lattice path from (0, 0) to (n, m),
 * and D >= h/(nm) exactly when the path reaches a point with |i·m - j·n| >= h. A dynamic programme over the
 * path's points carries the probability of having stayed inside so far, and adds up the probability of first
 * stepping outside (a sum of positive terms, so small p-values keep their relative precision). This is
 * Hodges' (1958) method, which scipy.stats.ks_2samp(method='exact') also uses; O(n·m) time, O(m) memory.
 */

/** P(n·m·D >= h) for D the two-sample KS statistic of samples of n and m values; h an integer. */
export function ksExactSf(h: number, n: number, m: number): number {
  if (h <= 0) return 1;
  if (h > n * m) return 0;
  const inside = (i: number, j: number) => Math.abs(i * m - j * n) < h;
  let prev = new Float64Array(m + 1);
  let cur = new Float64Array(m + 1);
  let outside = 0;
  prev[0] = 1;
  for (let j = 1; j <= m; j++) {
    // along i = 0 only j-steps: from (0, j-1) the next step is a j-step with probability (m-j+1)/(n+m-j+1)
    const flow = prev[j - 1]! * ((m - j + 1) / (n + m - j + 1));
    if (inside(0, j)) prev[j] = flow;
    else {
      outside += flow;
      prev[j] = 0;
    }
  }
  for (let i = 1; i <= n; i++) {
    for (let j = 0; j <= m; j++) {
      // an i-step from (i-1, j), a j-step from (i, j-1)
      let flow = prev[j]! * ((n - i + 1) / (n - i + 1 + m - j));
      if (j > 0) flow += cur[j - 1]! * ((m - j + 1) / (n - i + m - j + 1));
      if (inside(i, j)) cur[j] = flow;
      else {
        outside += flow;
        cur[j] = 0;
      }
    }
    [prev, cur] = [cur, prev];
  }
  return Math.min(1, outside);
}

/** The smallest integer h with P(n·m·D >= h) < alpha, or null when no D up to 1 is that unlikely. */
export function ksExactCritical(alpha: number, n: number, m: number): number | null {
  let lo = 0; // ksExactSf(0) = 1 >= alpha
  let hi = n * m + 1; // ksExactSf(nm + 1) = 0 < alpha
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (ksExactSf(mid, n, m) < alpha) hi = mid;
    else lo = mid;
  }
  return hi > n * m ? null : hi;
}

/**
 * Kolmogorov's limiting distribution of sqrt(n) sup|F_n - F| (and of sqrt(nm/(n+m)) sup|F_n - G_m| for two
 * samples): P(K > x) = 2 Σ (-1)^(k-1) exp(-2k²x²), with the theta-function form
 * P(K <= x) = sqrt(2π)/x Σ exp(-(2k-1)²π²/(8x²)) for small x, where the first series converges slowly.
 * scipy.special.kolmogorov is the reference (tests/unit/drift/distributions.test.ts).
 */
import { invertDecreasing } from './invert.js';

/** P(K > x). */
export function kolmogorovSf(x: number): number {
  if (!(x > 0)) return 1;
  if (x < 1.18) {
    const w = (Math.PI * Math.PI) / (8 * x * x);
    let sum = 0;
    for (let k = 1; k < 100; k++) {
      const term = Math.exp(-(2 * k - 1) * (2 * k - 1) * w);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / x) * sum));
  }
  let sum = 0;
  for (let k = 1; k < 100; k++) {
    const term = Math.exp(-2 * k * k * x * x);
    sum += k % 2 === 1 ? term : -term;
    if (term < Math.abs(sum) * 1e-17) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

const isfMemo = new Map<number, number>();

/** The x with P(K > x) = p (remembered: a DriftMonitor asks for the same alpha every window). */
export function kolmogorovIsf(p: number): number {
  if (p >= 1) return 0;
  let x = isfMemo.get(p);
  if (x === undefined) {
    x = invertDecreasing(kolmogorovSf, p, 0, 1);
    if (isfMemo.size >= 1024) isfMemo.clear();
    isfMemo.set(p, x);
  }
  return x;
}

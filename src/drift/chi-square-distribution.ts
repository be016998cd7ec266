/**
 * The chi-square distribution's survival function and its inverse, through the regularized upper incomplete
 * gamma function Q(df/2, x/2): a power series below a+1 and a continued fraction (modified Lentz) above it, as
 * in Numerical Recipes §6.2, with ln Γ by Lanczos' approximation (g = 7, 9 terms; relative error near 1e-15).
 * Checked against scipy.stats.chi2 in tests/unit/drift/distributions.test.ts.
 */
import { invertDecreasing } from './invert.js';

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(a) for a > 0. */
export function logGamma(a: number): number {
  if (a < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * a)) - logGamma(1 - a);
  const z = a - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

const EPS = 1e-16;
const TINY = 1e-300;

/** Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma function, for a > 0. */
export function upperRegularizedGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  const logPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 100_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * EPS) break;
    }
    return Math.max(0, 1 - sum * Math.exp(logPrefix));
  }
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(logPrefix) * h;
}

/** P(X >= x) for X ~ chi-square with `df` degrees of freedom (df >= 1). */
export function chiSquareSf(x: number, df: number): number {
  return upperRegularizedGamma(df / 2, x / 2);
}

/** Critical values already found: every window of a DriftMonitor asks for the same few (alpha, df). */
const isfMemo = new Map<string, number>();

/** The x with P(X >= x) = p: the critical value of a chi-square test at level p. */
export function chiSquareIsf(p: number, df: number): number {
  if (p >= 1) return 0;
  const key = `${p} ${df}`;
  let x = isfMemo.get(key);
  if (x === undefined) {
    x = invertDecreasing((value) => chiSquareSf(value, df), p, 0, df);
    if (isfMemo.size >= 4096) isfMemo.clear(); // a bound, never reached by one monitor's few methods
    isfMemo.set(key, x);
  }
  return x;
}

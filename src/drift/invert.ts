/**
 * The x at which a decreasing function (a survival function) falls to `target`, by bisection: slow beside
 * Newton's method, but it needs no derivative, cannot leave the bracket, and is deterministic to the last bit.
 */
export function invertDecreasing(f: (x: number) => number, target: number, lo = 0, start = 1): number {
  let hi = Math.max(start, Number.MIN_VALUE);
  while (f(hi) > target) {
    lo = hi;
    hi *= 2;
    if (!Number.isFinite(hi)) return Infinity;
  }
  for (let i = 0; i < 2000; i++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break; // the bracket is two neighbouring doubles
    if (f(mid) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}

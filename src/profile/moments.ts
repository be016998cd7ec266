/**
 * Count, min, max, mean and population standard deviation (numpy's np.std, ddof=0) in one pass and constant
 * memory: each batch's mean and squared deviations, merged into the running ones (Welford's update, per batch).
 */
export class Moments {
  count = 0;
  min = Infinity;
  max = -Infinity;
  mean = 0;
  private m2 = 0;

  /** Adds a batch: its own mean and squared deviations in two sweeps, merged by Chan et al.'s formula. */
  add(values: Float64Array, length: number): void {
    if (length === 0) return;
    let sum = 0;
    let { min, max } = this;
    for (let j = 0; j < length; j++) {
      const x = values[j]!;
      sum += x;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    const mean = sum / length;
    let m2 = 0;
    for (let j = 0; j < length; j++) {
      const d = values[j]! - mean;
      m2 += d * d;
    }
    const count = this.count + length;
    const delta = mean - this.mean;
    this.mean += (delta * length) / count;
    this.m2 += m2 + ((delta * delta * this.count) / count) * length;
    this.count = count;
    this.min = min;
    this.max = max;
  }

  /** Population standard deviation (ddof = 0), 0 for fewer than two values. */
  get std(): number {
    return this.count > 1 ? Math.sqrt(this.m2 / this.count) : 0;
  }
}

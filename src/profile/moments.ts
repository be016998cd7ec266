/**
 * Count, min, max, mean and population standard deviation (numpy's np.std, ddof=0) in one pass and constant
 * memory, by Welford's update.
 */
export class Moments {
  count = 0;
  min = Infinity;
  max = -Infinity;
  mean = 0;
  private m2 = 0;

  add(values: Float64Array, length: number): void {
    let { count, min, max, mean, m2 } = this;
    for (let j = 0; j < length; j++) {
      const x = values[j]!;
      count++;
      const delta = x - mean;
      mean += delta / count;
      m2 += delta * (x - mean);
      if (x < min) min = x;
      if (x > max) max = x;
    }
    this.count = count;
    this.min = min;
    this.max = max;
    this.mean = mean;
    this.m2 = m2;
  }

  /** Population standard deviation (ddof = 0), 0 for fewer than two values. */
  get std(): number {
    return this.count > 1 ? Math.sqrt(this.m2 / this.count) : 0;
  }
}

/**
 * A Prometheus histogram whose buckets differ per series: prom-client gives one bucket set per metric, but each
 * feature's buckets are its own baseline bin edges. Implements prom-client's metric interface so it registers
 * in the same Registry and renders in the text format like any histogram.
 */
import type { Registry } from 'prom-client';

type Labels = Record<string, string>;

/** One series: fixed labels and buckets, observed in the hot path without allocation. */
export class HistogramSeries {
  readonly counts: Float64Array;
  /** The buckets as a typed array, for observeEvery's loop. */
  private readonly bounds: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    readonly buckets: readonly number[],
  ) {
    this.counts = new Float64Array(buckets.length);
    this.bounds = Float64Array.from(buckets);
  }

  observe(value: number): void {
    if (Number.isNaN(value)) return;
    // first bucket whose upper bound >= value (binary search; buckets are sorted)
    let lo = 0;
    let hi = this.buckets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.buckets[mid] as number) < value) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.counts.length) this.counts[lo]! += 1;
    this.sum += value;
    this.count += 1;
  }

  /**
   * Observes data[start], data[start + stride], ... of numeric data (a typed array's elements: one column of a
   * request's input) in one tight loop, with the same buckets, sum and count as observe on each.
   */
  observeEvery(data: ArrayLike<number>, start: number, stride: number): void {
    const { counts, bounds } = this;
    const m = bounds.length;
    let sum = this.sum;
    let count = this.count;
    for (let i = start; i < data.length; i += stride) {
      const value = data[i]!;
      if (value !== value) continue; // NaN
      let k = 0;
      while (k < m && bounds[k]! < value) k++; // a few buckets: a scan beats a binary search
      if (k < m) counts[k]! += 1;
      sum += value;
      count++;
    }
    this.sum = sum;
    this.count = count;
  }
}

export class VariableHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series: HistogramSeries[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** Adds a series with its own (sorted, distinct) bucket upper bounds; +Inf is implicit. */
  addSeries(labels: Labels, buckets: readonly number[]): HistogramSeries {
    const series = new HistogramSeries(labels, buckets);
    this.series.push(series);
    return series;
  }

  get() {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const s of this.series) {
      let cumulative = 0;
      s.buckets.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({ labels: { ...s.labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    for (const s of this.series) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}

/**
 * Request metrics of docs/contracts.md §2, registered in an injected prom-client Registry. The request counter
 * and duration histogram are observed on every inference request, and the batch size histogram on every run, so
 * they are plain counters here (a prom-client child still validates and hashes its labels on every observation)
 * that render exactly as prom-client's Counter and Histogram do: same series, same order (first observed first),
 * same labels.
 */
import type { Registry } from 'prom-client';

/** The inference protocols: V1 and V2 over HTTP, and V2 over gRPC. */
export type Protocol = 'v1' | 'v2' | 'grpc';

/** Latency buckets in seconds, dense below a millisecond where a small model's requests land. */
const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

export interface RequestMetrics {
  /** One finished inference request: its protocol, HTTP status and duration in seconds. */
  request(protocol: Protocol, status: number, seconds: number): void;
  /** One run of the model with `rows` rows. */
  batch(rows: number): void;
}

type Labels = Record<string, string>;

/** What prom-client's Registry reads from a metric (text and JSON exposition, reset). */
interface Exposed {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; values: object[]; aggregator: string }>;
  reset(): void;
}

/** One counter series: created on its first increment, like a prom-client Counter's. */
interface CounterSeries {
  labels: Labels;
  value: number;
}

/** The request counter, rendered like prom-client's Counter (values `{value, labels}` in first-increment order). */
class RequestCounter implements Exposed {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  /** Series in first-increment order; `byCode` finds one by protocol and status without building a key. */
  private series: CounterSeries[] = [];
  private byCode = { v1: new Map<number, CounterSeries>(), v2: new Map<number, CounterSeries>(), grpc: new Map<number, CounterSeries>() };

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series of a protocol and status, or undefined until add(). */
  find(protocol: Protocol, status: number): CounterSeries | undefined {
    return this.byCode[protocol].get(status);
  }

  add(protocol: Protocol, status: number, labels: Labels): CounterSeries {
    const series = { value: 0, labels };
    this.byCode[protocol].set(status, series);
    this.series.push(series);
    return series;
  }

  get() {
    const values = this.series.map((s) => ({ value: s.value, labels: s.labels }));
    return Promise.resolve({ help: this.help, name: this.name, type: this.type, values, aggregator: this.aggregator });
  }

  reset(): void {
    this.series = [];
    this.byCode = { v1: new Map(), v2: new Map(), grpc: new Map() };
  }
}

/** One histogram series: bucket counts (not cumulative), sum and count. */
class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    size: number,
  ) {
    this.counts = new Float64Array(size);
  }
}

/** A histogram rendered like prom-client's Histogram (le first, then the series labels; +Inf, sum, count). */
class RequestHistogram implements Exposed {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private series: HistogramSeries[] = [];
  private byKey = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series of `key`, or undefined until add(). */
  find(key: string): HistogramSeries | undefined {
    return this.byKey.get(key);
  }

  add(key: string, labels: Labels): HistogramSeries {
    const series = new HistogramSeries(labels, this.buckets.length);
    this.byKey.set(key, series);
    this.series.push(series);
    return series;
  }

  observe(series: HistogramSeries, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    const buckets = this.buckets;
    for (let i = 0; i < buckets.length; i++) {
      if (value <= buckets[i]!) {
        series.counts[i]! += 1;
        break;
      }
    }
    series.sum += value;
    series.count += 1;
  }

  get() {
    const values: object[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.series) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += s.counts[i]!;
        values.push({ value: cumulative, metricName: bucket, exemplar: null, labels: { le, ...s.labels } });
      });
      values.push({ value: s.count, metricName: bucket, exemplar: null, labels: { le: '+Inf', ...s.labels } });
      values.push({ value: s.sum, metricName: `${this.name}_sum`, labels: { ...s.labels } });
      values.push({ value: s.count, metricName: `${this.name}_count`, labels: { ...s.labels } });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  reset(): void {
    this.series = [];
    this.byKey = new Map();
  }
}

export function createRequestMetrics(registry: Registry, model: string, version: string): RequestMetrics {
  const requests = new RequestCounter('cairn_inference_requests_total', 'Inference requests by protocol and HTTP status code.', registry);
  const duration = new RequestHistogram(
    'cairn_inference_duration_seconds',
    'Inference request duration, from the request to the response, in seconds.',
    DURATION_BUCKETS,
    registry,
  );
  // Observed on every run (a 1-row request alone is one run): a plain histogram too, its one series created at the
  // first run as prom-client's would be.
  const batchSize = new RequestHistogram('cairn_inference_batch_size', 'Rows in each run of the model (after dynamic batching).', BATCH_BUCKETS, registry);
  const batchLabels = { model, version };
  return {
    request(protocol, status, seconds) {
      (requests.find(protocol, status) ?? requests.add(protocol, status, { model, version, protocol, code: String(status) })).value += 1;
      duration.observe(duration.find(protocol) ?? duration.add(protocol, { model, version, protocol }), seconds);
    },
    batch(rows) {
      batchSize.observe(batchSize.find('') ?? batchSize.add('', batchLabels), rows);
    },
  };
}

/**
 * Prediction logs (docs/contracts.md §2, "Prediction logs"): a sampled share of predictions as JSON lines, one per
 * prediction (id, model, version, inputs, outputs, latency), the shape Loki, OpenSearch or Kibana ingest.
 *
 * Kept off the hot path: a request pays for one random draw; only a sampled one takes a token from the rate limit and
 * pushes one record of references onto a bounded queue (no object is built for the others: bench:drift figure 4).
 * The lines are serialised and written after the responses, gathered into one write every flushMs (50 ms; sooner
 * when the queue is half full), so a request never waits on a line and a file is not written once per line (each
 * write is a trip to libuv's thread pool); the rate limit bounds what that costs the loop.
 * What the limit or a full queue (a destination that does not keep up) refuses is dropped and counted, never
 * waited for.
 */
import { Counter, type Registry } from 'prom-client';
import type { TensorMap, TensorValue } from './datatypes.js';

/** `cairn serve` defaults: --prediction-log-rate (lines per second). */
export const DEFAULT_PREDICTION_LOG_RATE = 100;
/** How long lines gather before they are written together. */
export const DEFAULT_PREDICTION_LOG_FLUSH_MS = 50;
/** Lines waiting to be written; more are dropped. */
export const PREDICTION_LOG_QUEUE = 1024;
/** Elements of one tensor written in a line; a larger tensor is cut, with `"truncated": true`. */
export const MAX_LOGGED_ELEMENTS = 1024;

export interface PredictionRecord {
  id?: string | undefined;
  protocol: string;
  inputs: TensorMap;
  outputs: TensorMap;
  latencyMs: number;
}

/** A prediction answered, before its latency is known. */
export type AnsweredPrediction = Omit<PredictionRecord, 'latencyMs'>;

/** Where the lines go: a write of whole lines; false when the destination is full (the next lines wait). */
export interface LogSink {
  write(text: string): boolean;
  /** Called once when a full sink can take more. */
  onDrain?(listener: () => void): void;
}

export interface PredictionLogOptions {
  model: string;
  version: string;
  /** Share of predictions logged, 0..1. */
  sample: number;
  /** Most lines per second (a token bucket holding one second of them). */
  ratePerSecond: number;
  sink: LogSink;
  random(): number;
  /** ms clock for the rate limit. */
  now(): number;
  /** Wall clock for each line's time. */
  wallClock?(): Date;
  registry?: Registry;
  maxQueue?: number;
  /** ms lines gather before one write; 0: at the next turn of the event loop. Default DEFAULT_PREDICTION_LOG_FLUSH_MS. */
  flushMs?: number;
}

function tensorJson(value: TensorValue): Record<string, unknown> {
  const { data, dims } = value;
  const n = Math.min(data.length, MAX_LOGGED_ELEMENTS);
  const out: Array<number | string | boolean> = new Array<number | string | boolean>(n);
  for (let i = 0; i < n; i++) {
    const v = data[i];
    out[i] = typeof v === 'bigint' ? Number(v) : value.type === 'bool' ? v === 1 : (v as number | string);
  }
  return data.length > MAX_LOGGED_ELEMENTS ? { shape: dims, data: out, truncated: true } : { shape: dims, data: out };
}

function tensorsJson(tensors: TensorMap): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(tensors)) out[name] = tensorJson(value);
  return out;
}

/** One prediction as a JSON line. Non-finite floats (--allow-nan) are written as null, as JSON has no NaN. */
export function predictionLine(record: PredictionRecord, model: string, version: string, time: Date): string {
  const line = {
    time: time.toISOString(),
    type: 'prediction',
    id: record.id, // left out when undefined
    model,
    version,
    protocol: record.protocol,
    latency_ms: Number(record.latencyMs.toFixed(3)),
    inputs: tensorsJson(record.inputs),
    outputs: tensorsJson(record.outputs),
  };
  return `${JSON.stringify(line)}\n`;
}

export class PredictionLog {
  private tokens: number;
  private refilledAt: number;
  private queue: PredictionRecord[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private blocked = false;
  private readonly maxQueue: number;
  private readonly lines?: Counter<'model' | 'version'>;
  private readonly dropped?: { rate: Counter.Internal; queue: Counter.Internal };
  private idle: Array<() => void> = [];

  constructor(private readonly options: PredictionLogOptions) {
    this.tokens = Math.max(1, options.ratePerSecond);
    this.refilledAt = options.now();
    this.maxQueue = options.maxQueue ?? PREDICTION_LOG_QUEUE;
    if (options.registry) {
      const registers = [options.registry];
      this.lines = new Counter({ name: 'cairn_prediction_log_lines_total', help: 'Prediction log lines written.', labelNames: ['model', 'version'], registers });
      const dropped = new Counter({
        name: 'cairn_prediction_log_dropped_total',
        help: 'Sampled predictions not logged: over the rate limit (rate) or with the queue full (queue).',
        labelNames: ['model', 'version', 'reason'],
        registers,
      });
      this.lines.labels(options.model, options.version).inc(0);
      // Each drop counts on the hot path: the series are looked up once.
      this.dropped = { rate: dropped.labels(options.model, options.version, 'rate'), queue: dropped.labels(options.model, options.version, 'queue') };
      this.dropped.rate.inc(0);
      this.dropped.queue.inc(0);
    }
  }

  /** On the hot path: sample, rate limit, queue. Never throws, never waits. */
  offer(prediction: AnsweredPrediction, latencyMs: number): void {
    const o = this.options;
    if (o.sample <= 0 || (o.sample < 1 && o.random() >= o.sample)) return;
    if (!this.takeToken()) return this.drop('rate');
    if (this.queue.length >= this.maxQueue) return this.drop('queue');
    const { id, protocol, inputs, outputs } = prediction;
    this.queue.push({ id, protocol, inputs, outputs, latencyMs });
    this.schedule();
  }

  /** Resolves once every queued line was handed to the sink (or dropped). */
  flushed(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private takeToken(): boolean {
    const { ratePerSecond, now } = this.options;
    const at = now();
    const capacity = Math.max(1, ratePerSecond);
    this.tokens = Math.min(capacity, this.tokens + ((at - this.refilledAt) / 1000) * ratePerSecond);
    this.refilledAt = at;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private drop(reason: 'rate' | 'queue'): void {
    this.dropped?.[reason].inc();
  }

  private schedule(): void {
    if (this.blocked) return;
    const flushMs = this.options.flushMs ?? DEFAULT_PREDICTION_LOG_FLUSH_MS;
    const soon = flushMs === 0 || this.queue.length * 2 >= this.maxQueue;
    if (this.scheduled && !(soon && this.timer)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduled = true;
    if (soon) setImmediate(() => this.write());
    else this.timer = setTimeout(() => this.write(), flushMs);
  }

  private write(): void {
    if (!this.scheduled) return; // written already by an earlier setImmediate
    this.scheduled = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    const { model, version, sink } = this.options;
    const time = this.options.wallClock?.() ?? new Date();
    let text = '';
    for (const record of batch) text += predictionLine(record, model, version, time);
    this.lines?.labels(model, version).inc(batch.length);
    const more = sink.write(text);
    if (!more && sink.onDrain) {
      // The destination is behind: lines queue (up to maxQueue, then drop) until it drains.
      this.blocked = true;
      sink.onDrain(() => {
        this.blocked = false;
        if (this.queue.length > 0) this.schedule();
        else this.settle();
      });
      return;
    }
    if (this.queue.length > 0) this.schedule();
    else this.settle();
  }

  private settle(): void {
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }
}

/** A sink on a writable stream (process.stdout, a file). */
export function streamSink(stream: NodeJS.WritableStream): LogSink {
  return { write: (text) => stream.write(text), onDrain: (listener) => stream.once('drain', listener) };
}

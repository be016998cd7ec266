import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock, Timer } from './clock.js';
import { describeError } from './errors.js';
import type { KubeClient } from './kube/client.js';
import type { Frozen, KubeObject } from './kube/object.js';
import { builtin } from './kube/resource.js';
import { microTime } from './microtime.js';
import type { OperatorMetrics } from './metrics.js';
import { redactString } from './redact.js';

export type EventType = 'Normal' | 'Warning';

/** The object an Event is about: apiVersion, kind, metadata.name (+ namespace, uid). */
export type Regarding = Frozen<KubeObject> | KubeObject;

export interface EventRecorderOptions {
  kube: KubeClient;
  clock: Clock;
  log: Logger;
  metrics?: OperatorMetrics;
  /** events.k8s.io reportingController, e.g. `cairn.dev/operator`. */
  reportingController: string;
  /** This replica (pod name). */
  reportingInstance: string;
  /** Repeats of the same event within this window update one Event's series instead of creating more. */
  aggregateWindowMs?: number;
  /** At most one series update per aggregated event per this interval. */
  seriesUpdateIntervalMs?: number;
  /** Per-object token bucket: burst, and one more token every refillMs (client-go's spam filter: 25, 5 min). */
  burst?: number;
  refillMs?: number;
}

interface Series {
  type: EventType;
  name: string;
  namespace: string;
  firstMs: number;
  count: number;
  writtenCount: number;
  lastObservedMs: number;
  lastWriteMs: number;
  flushTimer?: Timer;
}

const MAX_NOTE = 1024;
const MAX_TRACKED = 4096;

/**
 * Records events.k8s.io/v1 Events (docs/style.md §5: reason = the condition reason; notes are redacted).
 * Duplicates (same object, type, reason, note) within the aggregation window become one Event whose
 * `series.count` grows, written at most once per seriesUpdateIntervalMs; each object has a token bucket so a
 * hot loop cannot flood the API server. Recording never throws and never blocks a reconcile: writes are queued
 * and failures logged; {@link flush} awaits them (tests, shutdown).
 */
export class EventRecorder {
  private readonly series = new Map<string, Series>();
  private readonly buckets = new Map<string, { tokens: number; lastMs: number }>();
  private chain: Promise<void> = Promise.resolve();
  private readonly window: number;
  private readonly interval: number;
  private readonly burst: number;
  private readonly refillMs: number;

  constructor(private readonly o: EventRecorderOptions) {
    this.window = o.aggregateWindowMs ?? 10 * 60_000;
    this.interval = o.seriesUpdateIntervalMs ?? 30_000;
    this.burst = o.burst ?? 25;
    this.refillMs = o.refillMs ?? 5 * 60_000;
  }

  normal(regarding: Regarding, reason: string, note: string, action?: string): void {
    this.record(regarding, 'Normal', reason, note, action);
  }

  warning(regarding: Regarding, reason: string, note: string, action?: string): void {
    this.record(regarding, 'Warning', reason, note, action);
  }

  record(regarding: Regarding, type: EventType, reason: string, note: string, action = reason): void {
    const meta = regarding.metadata;
    if (!meta?.name || !regarding.kind) {
      this.o.log.debug({ reason }, 'Skipped an Event about an object without kind or name');
      return;
    }
    const cleanNote = truncate(redactString(note), MAX_NOTE);
    const objectId = meta.uid ?? `${regarding.kind}/${meta.namespace ?? ''}/${meta.name}`;
    const key = `${objectId}\u0000${type}\u0000${reason}\u0000${cleanNote}`;
    const now = this.o.clock.now();
    const existing = this.series.get(key);
    if (existing && now - existing.firstMs < this.window) {
      existing.count++;
      existing.lastObservedMs = now;
      this.o.metrics?.events.inc({ type, result: 'aggregated' });
      this.scheduleSeriesWrite(existing);
      return;
    }
    if (!this.takeToken(objectId, now)) {
      this.o.metrics?.events.inc({ type, result: 'dropped' });
      return;
    }
    const namespace = meta.namespace ?? 'default';
    const name = `${meta.name}.${randomBytes(8).toString('hex')}`;
    const s: Series = { type, name, namespace, firstMs: now, count: 1, writtenCount: 1, lastObservedMs: now, lastWriteMs: now };
    existing?.flushTimer?.cancel();
    this.series.set(key, s);
    this.evictOld();
    const event = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name, namespace },
      eventTime: microTime(now),
      reportingController: this.o.reportingController,
      reportingInstance: this.o.reportingInstance,
      action,
      reason,
      note: cleanNote,
      type,
      regarding: {
        apiVersion: regarding.apiVersion,
        kind: regarding.kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
      },
    };
    this.enqueue(type, 'created', () => this.o.kube.create(builtin.event, event));
  }

  /** Waits for every queued Event write. */
  flush(): Promise<void> {
    for (const s of this.series.values()) {
      if (s.flushTimer) {
        s.flushTimer.cancel();
        s.flushTimer = undefined;
        this.writeSeries(s);
      }
    }
    return this.chain;
  }

  private scheduleSeriesWrite(s: Series): void {
    if (s.flushTimer) return;
    const wait = Math.max(0, s.lastWriteMs + this.interval - this.o.clock.now());
    if (wait === 0) {
      this.writeSeries(s);
      return;
    }
    s.flushTimer = this.o.clock.setTimer(wait, () => {
      s.flushTimer = undefined;
      this.writeSeries(s);
    });
  }

  private writeSeries(s: Series): void {
    if (s.count === s.writtenCount) return;
    s.writtenCount = s.count;
    s.lastWriteMs = this.o.clock.now();
    const patch = { series: { count: s.count, lastObservedTime: microTime(s.lastObservedMs) } };
    this.enqueue(s.type, 'aggregated-write', () => this.o.kube.patch(builtin.event, s.name, s.namespace, patch, { type: 'merge' }));
  }

  private enqueue(type: EventType, what: string, write: () => Promise<unknown>): void {
    this.chain = this.chain.then(async () => {
      try {
        await write();
        if (what === 'created') this.o.metrics?.events.inc({ type, result: 'created' });
      } catch (err) {
        this.o.metrics?.events.inc({ type, result: 'failed' });
        this.o.log.debug({ err: describeError(err) }, 'Event write failed');
      }
    });
  }

  private takeToken(objectId: string, now: number): boolean {
    const b = this.buckets.get(objectId) ?? { tokens: this.burst, lastMs: now };
    const refill = Math.floor((now - b.lastMs) / this.refillMs);
    if (refill > 0) {
      b.tokens = Math.min(this.burst, b.tokens + refill);
      b.lastMs += refill * this.refillMs;
    }
    this.buckets.set(objectId, b);
    if (b.tokens <= 0) return false;
    b.tokens--;
    return true;
  }

  private evictOld(): void {
    if (this.series.size <= MAX_TRACKED) return;
    const oldest = this.series.keys().next().value;
    if (oldest !== undefined) {
      this.series.get(oldest)?.flushTimer?.cancel();
      this.series.delete(oldest);
    }
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

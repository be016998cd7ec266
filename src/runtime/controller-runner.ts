import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { ControllerDefinition, ReconcileRequest } from './controller.js';
import { describeError, isStalled, isWaiting } from './errors.js';
import { parseKey } from './keys.js';
import type { OperatorMetrics } from './metrics.js';
import type { Outcome } from './result.js';
import { WorkQueue } from './workqueue.js';

export interface RunnerOptions {
  definition: ControllerDefinition;
  clock: Clock;
  log: Logger;
  metrics: OperatorMetrics;
  /** Aborted when this term of leadership ends; handed to every reconcile. */
  signal: AbortSignal;
}

/**
 * One controller during one term of leadership: a {@link WorkQueue} and `concurrency` workers that take keys
 * and call the reconciler, turning its result or error into the next requeue (docs/style.md §6):
 * `{requeueAfterMs}` -> addAfter; StalledError -> not retried (but looked at again after its retryAfterMs); WaitingError -> addAfter(its delay), logged at
 * debug; other errors -> per-key backoff, logged as errors. Success forgets the key's backoff.
 */
export class ControllerRunner {
  readonly queue: WorkQueue;
  private workers: Promise<void>[] = [];
  /** When each key was first queued by {@link enqueue} since its last reconcile started (for the start latency). */
  private readonly queuedAt = new Map<string, number>();
  private readonly log: Logger;
  private readonly name: string;

  constructor(private readonly o: RunnerOptions) {
    this.name = o.definition.name;
    this.log = o.log.child({ controller: this.name });
    const labels = { controller: this.name };
    this.queue = new WorkQueue({
      clock: o.clock,
      backoff: o.definition.backoff,
      observer: {
        depth: (n) => o.metrics.queueDepth.set(labels, n),
        added: () => o.metrics.queueAdds.inc(labels),
        latency: (s) => o.metrics.queueLatency.observe(labels, s),
        retried: () => o.metrics.queueRetries.inc(labels),
      },
    });
  }

  /** Queues `key` for an event (a watch event, a sync request); timer requeues go to the queue directly. */
  enqueue(key: string): void {
    if (this.queue.isShuttingDown()) return;
    if (!this.queuedAt.has(key)) this.queuedAt.set(key, this.o.clock.now());
    this.queue.add(key);
  }

  start(): void {
    const n = Math.max(1, this.o.definition.concurrency ?? 2);
    for (let i = 0; i < n; i++) this.workers.push(this.work());
  }

  /** Stops taking keys and waits for running reconciles; true if they finished within `deadlineMs`. */
  async stop(deadlineMs: number): Promise<boolean> {
    this.queue.shutDown();
    let timer: { cancel(): void } | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = this.o.clock.setTimer(deadlineMs, () => resolve(false));
    });
    const finished = await Promise.race([Promise.all(this.workers).then(() => true as const), timedOut]);
    timer?.cancel();
    return finished;
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.process(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** Runs one reconcile of `key` and schedules what comes next. Never throws. */
  async process(key: string): Promise<Outcome> {
    const { definition, metrics, clock, signal } = this.o;
    const ref = parseKey(key);
    const req: ReconcileRequest = { key, namespace: ref.namespace, name: ref.name };
    const reconcileID = randomUUID();
    const log = this.log.child({ namespace: ref.namespace, name: ref.name, reconcileID });
    const started = clock.now();
    const queuedAt = this.queuedAt.get(key);
    if (queuedAt !== undefined) {
      // An event that arrives while this reconcile runs sets a new time, which the next reconcile reports.
      this.queuedAt.delete(key);
      metrics.reconcileStartLatency.observe({ controller: this.name }, (started - queuedAt) / 1000);
    }
    let outcome: Outcome;
    try {
      const result = await definition.reconcile(req, { log, signal, reconcileID, retries: this.queue.retries(key) });
      this.queue.forget(key);
      const after = result?.requeueAfterMs ?? 0;
      if (after > 0) {
        this.queue.addAfter(key, after);
        outcome = 'requeue';
      } else {
        outcome = 'success';
      }
    } catch (err) {
      if (isStalled(err)) {
        this.queue.forget(key);
        if (err.retryAfterMs !== undefined && err.retryAfterMs > 0) this.queue.addAfter(key, err.retryAfterMs);
        log.info({ reason: err.reason, err: err.message, ...(err.retryAfterMs ? { lookAgainInMs: err.retryAfterMs } : {}) }, 'Reconciliation stalled, not retrying until the object changes');
        outcome = 'stalled';
      } else if (isWaiting(err)) {
        this.queue.forget(key);
        this.queue.addAfter(key, err.requeueAfterMs);
        log.debug({ reason: err.reason, err: err.message, requeueAfterMs: err.requeueAfterMs }, 'Reconciliation waiting');
        outcome = 'waiting';
      } else if (signal.aborted) {
        log.info({ err: describeError(err) }, 'Reconciliation interrupted by shutdown or leadership loss');
        outcome = 'error';
      } else {
        const delay = this.queue.addRateLimited(key);
        metrics.reconcileErrors.inc({ controller: this.name });
        log.error({ err, retryInMs: delay }, 'Reconciliation failed');
        outcome = 'error';
      }
    } finally {
      metrics.reconcileDuration.observe({ controller: this.name }, (clock.now() - started) / 1000);
    }
    metrics.reconcileTotal.inc({ controller: this.name, result: outcome });
    return outcome;
  }
}

import { backoffDelay, reconcileBackoff, type BackoffPolicy } from './backoff.js';
import type { Clock, Timer } from './clock.js';

/** Hooks the queue calls so a Prometheus adapter (or a test) can observe it; all optional. */
export interface QueueObserver {
  depth?(n: number): void;
  added?(): void;
  /** Seconds a key waited between becoming ready and being taken by a worker. */
  latency?(seconds: number): void;
  retried?(): void;
}

export interface WorkQueueOptions {
  clock: Clock;
  /** Per-key backoff for {@link WorkQueue.addRateLimited}. */
  backoff?: BackoffPolicy;
  observer?: QueueObserver;
}

/**
 * A keyed work queue with the semantics of client-go's rate-limiting workqueue:
 *
 * - **dedup**: a key is at most once in the queue, however many times it is added;
 * - **per-key exclusivity**: a key taken by a worker is not handed out again until {@link done}; if it was
 *   added meanwhile, it is queued again on `done`, so the change is never lost;
 * - **delays**: {@link addAfter} (requeue-after) keeps the earliest pending time per key; when a worker takes a
 *   key, its pending delayed add is cancelled, because the reconcile that is about to run decides the next one;
 * - **backoff**: {@link addRateLimited} re-adds after a per-key exponential delay; {@link forget} resets it.
 *
 * Concurrency is bounded by the number of workers calling {@link get}. No timers of its own other than delayed
 * adds, all on the injected clock.
 */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly backoff: BackoffPolicy;
  private readonly observer: QueueObserver;
  private readonly ready: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly readySince = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; timer: Timer }>();
  private readonly failures = new Map<string, number>();
  private waiters: Array<(key: string | undefined) => void> = [];
  private idleWaiters: Array<() => void> = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions) {
    this.clock = options.clock;
    this.backoff = options.backoff ?? reconcileBackoff;
    this.observer = options.observer ?? {};
  }

  /** Queues `key` now unless it is already queued. Ignored after {@link shutDown}. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.observer.added?.();
    if (this.processing.has(key)) return; // re-queued by done()
    this.pushReady(key);
  }

  /** Queues `key` after `ms`; an earlier pending time for the same key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimer(ms, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { at, timer });
  }

  /** Re-queues `key` after its next backoff delay and returns that delay in ms. */
  addRateLimited(key: string): number {
    const attempt = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, attempt);
    const delay = backoffDelay(this.backoff, attempt);
    this.observer.retried?.();
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the failure count of `key` (after a successful reconcile). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Failures recorded for `key` since the last {@link forget}. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /**
   * The next key to process, waiting until one is ready. Resolves `undefined` once the queue is shut down.
   * The caller must call {@link done} with the key when it finishes.
   */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.ready.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` finished; if it was added while being processed, it is queued again now. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.pushReady(key);
    if (this.processing.size === 0) {
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of idle) resolve();
    }
  }

  /** Keys ready and waiting for a worker (not counting delayed keys or keys being processed). */
  len(): number {
    return this.ready.length;
  }

  /** Keys waiting for a delayed add. */
  delayedLen(): number {
    return this.delayed.size;
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Stops the queue: no more adds, pending delayed adds cancelled, waiting and future {@link get} calls resolve
   * `undefined`. Keys being processed may still call {@link done}; {@link drained} waits for them.
   */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) timer.cancel();
    this.delayed.clear();
    this.ready.length = 0;
    this.dirty.clear();
    this.readySince.clear();
    this.observer.depth?.(0);
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve(undefined);
  }

  /** Resolves when no key is being processed. */
  drained(): Promise<void> {
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pushReady(key: string): void {
    this.readySince.set(key, this.clock.now());
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(this.take(key));
      return;
    }
    this.ready.push(key);
    this.observer.depth?.(this.ready.length);
  }

  private take(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    const since = this.readySince.get(key);
    this.readySince.delete(key);
    if (since !== undefined) this.observer.latency?.((this.clock.now() - since) / 1000);
    const pending = this.delayed.get(key);
    if (pending) {
      pending.timer.cancel();
      this.delayed.delete(key);
    }
    this.observer.depth?.(this.ready.length);
    return key;
  }
}

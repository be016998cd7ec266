/**
 * A work queue keyed by string: a key is processed by one call at a time, events for a key that is being
 * processed coalesce into one more pass, and a pass may ask to run again after a delay. Failures back off
 * exponentially per key (1 s doubling to 30 s).
 */
export class KeyedQueue {
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly failures = new Map<string, number>();
  private stopped = false;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly process: (key: string) => Promise<number | undefined>,
    private readonly onError: (key: string, error: unknown) => void,
  ) {}

  add(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    this.active.add(key);
    void this.loop(key);
  }

  private later(key: string, delayMs: number): void {
    clearTimeout(this.timers.get(key));
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  private async loop(key: string): Promise<void> {
    do {
      // Yield to I/O between passes: a pass that marks its own key dirty must not starve the event loop.
      await new Promise((resolve) => setImmediate(resolve));
      this.dirty.delete(key);
      try {
        const again = await this.process(key);
        this.failures.delete(key);
        if (again !== undefined) this.later(key, again);
      } catch (error) {
        const count = (this.failures.get(key) ?? 0) + 1;
        this.failures.set(key, count);
        this.onError(key, error);
        this.later(key, Math.min(1_000 * 2 ** (count - 1), 30_000));
      }
    } while (this.dirty.has(key) && !this.stopped);
    this.active.delete(key);
    if (this.active.size === 0) for (const resolve of this.idle) resolve();
  }

  /** Stops accepting work and waits for the passes in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    if (this.active.size > 0) await new Promise<void>((resolve) => this.idle.add(resolve));
  }
}

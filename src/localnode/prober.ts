import type { V1Container, V1Probe } from '@kubernetes/client-node';
import type { ProbeResult } from './probe.js';

export type ProbeKind = 'Startup' | 'Liveness' | 'Readiness';

/** What the prober of one container process reports to its container. */
export interface ProberHooks {
  /** Runs one attempt of `probe` against the container. */
  run(probe: V1Probe): Promise<ProbeResult>;
  /** The startup probe passed (at once when there is none): liveness and readiness probing begins. */
  started(): void;
  readiness(ready: boolean): void;
  /** A failed attempt (the kubelet's `Unhealthy` Event). */
  unhealthy(kind: ProbeKind, output: string): void;
  /** The startup or liveness probe failed `failureThreshold` times in a row: the container must be killed. */
  kill(kind: 'startup' | 'liveness', probe: V1Probe): void;
}

/**
 * The probes of one container process, with the kubelet's semantics: the startup probe runs first and
 * liveness and readiness wait for it; initialDelaySeconds counts from the process start, then one attempt
 * starts every periodSeconds (counted from the previous attempt's start, as the kubelet's ticker); a result flips after failureThreshold failures or successThreshold successes in a row.
 * Readiness starts false when there is a readiness probe, true otherwise. A new process gets a new prober.
 */
export class ContainerProber {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private readonly startedAt = Date.now();

  constructor(
    private readonly spec: Pick<V1Container, 'startupProbe' | 'livenessProbe' | 'readinessProbe'>,
    private readonly hooks: ProberHooks,
  ) {}

  start(): void {
    const startup = this.spec.startupProbe;
    if (!startup) return this.onStarted();
    this.loop('Startup', startup, (ok, _successes, failures) => {
      if (ok) {
        this.onStarted();
        return false;
      }
      if (failures >= (startup.failureThreshold ?? 3)) {
        this.hooks.kill('startup', startup);
        return false;
      }
      return true;
    });
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private onStarted(): void {
    if (this.stopped) return;
    this.hooks.started();
    const liveness = this.spec.livenessProbe;
    if (liveness) {
      this.loop('Liveness', liveness, (_ok, _successes, failures) => {
        if (failures < (liveness.failureThreshold ?? 3)) return true;
        this.hooks.kill('liveness', liveness);
        return false;
      });
    }
    const readiness = this.spec.readinessProbe;
    if (!readiness) return this.hooks.readiness(true);
    this.loop('Readiness', readiness, (_ok, successes, failures) => {
      if (successes >= (readiness.successThreshold ?? 1)) this.hooks.readiness(true);
      else if (failures >= (readiness.failureThreshold ?? 3)) this.hooks.readiness(false);
      return true;
    });
  }

  /**
   * Probes every periodSeconds after initialDelaySeconds (from the process start) until `decide` returns
   * false; `decide` gets the attempt's result and the consecutive successes and failures so far.
   */
  private loop(kind: ProbeKind, probe: V1Probe, decide: (ok: boolean, successes: number, failures: number) => boolean): void {
    let successes = 0;
    let failures = 0;
    const schedule = (delayMs: number): void => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void tick();
      }, delayMs);
      this.timers.add(timer);
    };
    const tick = async (): Promise<void> => {
      if (this.stopped) return;
      const attemptStarted = Date.now();
      let result: ProbeResult;
      try {
        result = await this.hooks.run(probe);
      } catch (error) {
        result = { ok: false, output: error instanceof Error ? error.message : String(error) };
      }
      if (this.stopped) return;
      if (result.ok) {
        successes += 1;
        failures = 0;
      } else {
        failures += 1;
        successes = 0;
        this.hooks.unhealthy(kind, result.output);
      }
      // The kubelet's ticker: attempts start every periodSeconds, however long one took (an attempt longer than
      // the period is followed at once by the next), so an exec probe's own run time does not widen the period.
      if (decide(result.ok, successes, failures) && !this.stopped) schedule(Math.max(0, attemptStarted + (probe.periodSeconds ?? 10) * 1000 - Date.now()));
    };
    const initialDelayMs = (probe.initialDelaySeconds ?? 0) * 1000;
    schedule(Math.max(0, this.startedAt + initialDelayMs - Date.now()));
  }
}

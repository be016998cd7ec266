/** Startup, liveness and readiness probing of one container process, on a fake clock. */
import type { V1Probe } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ContainerProber, type ProberHooks } from '../../../src/localnode/prober.js';

/** Probes answer from `answers[kind]` (true: pass), recording every hook call in order. */
function harness(spec: ConstructorParameters<typeof ContainerProber>[0], answers: Record<string, () => boolean>) {
  const calls: string[] = [];
  const kindOf = (probe: V1Probe): string => (probe === spec.startupProbe ? 'startup' : probe === spec.livenessProbe ? 'liveness' : 'readiness');
  const hooks: ProberHooks = {
    run: async (probe) => {
      const kind = kindOf(probe);
      const ok = answers[kind]?.() ?? true;
      calls.push(`${kind}:${ok ? 'pass' : 'fail'}`);
      return { ok, output: ok ? '' : `${kind} says no` };
    },
    started: () => calls.push('started'),
    readiness: (ready) => calls.push(`ready=${ready}`),
    unhealthy: (kind, output) => calls.push(`Unhealthy ${kind}: ${output}`),
    kill: (kind) => calls.push(`kill ${kind}`),
  };
  return { prober: new ContainerProber(spec, hooks), calls };
}

describe('ContainerProber', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('without probes: started and ready at once', () => {
    const { prober, calls } = harness({}, {});
    prober.start();
    expect(calls).toEqual(['started', 'ready=true']);
  });

  it('liveness and readiness wait for the startup probe', async () => {
    let up = false;
    const probe = (extra: Partial<V1Probe> = {}): V1Probe => ({ exec: { command: ['x'] }, periodSeconds: 1, ...extra });
    const { prober, calls } = harness({ startupProbe: probe({ failureThreshold: 10 }), livenessProbe: probe({ failureThreshold: 1 }), readinessProbe: probe() }, { startup: () => up, liveness: () => up, readiness: () => up });
    prober.start();
    await vi.advanceTimersByTimeAsync(2_100);
    expect(calls).toEqual(['startup:fail', 'Unhealthy Startup: startup says no', 'startup:fail', 'Unhealthy Startup: startup says no', 'startup:fail', 'Unhealthy Startup: startup says no']);
    up = true;
    calls.length = 0;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toEqual(['startup:pass', 'started', 'liveness:pass', 'readiness:pass', 'ready=true']);
    prober.stop();
  });

  it('a startup probe failing failureThreshold times in a row asks for a kill and stops', async () => {
    const { prober, calls } = harness({ startupProbe: { exec: { command: ['x'] }, periodSeconds: 1, failureThreshold: 2 } }, { startup: () => false });
    prober.start();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls.filter((c) => !c.startsWith('Unhealthy'))).toEqual(['startup:fail', 'startup:fail', 'kill startup']);
  });

  it('liveness: failures must be consecutive; initialDelaySeconds counts from the start', async () => {
    const answers = [true, false, true, false, false];
    const { prober, calls } = harness({ livenessProbe: { exec: { command: ['x'] }, periodSeconds: 1, failureThreshold: 2, initialDelaySeconds: 5 } }, { liveness: () => answers.shift() ?? true });
    prober.start();
    await vi.advanceTimersByTimeAsync(4_900);
    expect(calls).toEqual(['started', 'ready=true']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls.filter((c) => !c.startsWith('Unhealthy'))).toEqual(['started', 'ready=true', 'liveness:pass', 'liveness:fail', 'liveness:pass', 'liveness:fail', 'liveness:fail', 'kill liveness']);
  });

  it('readiness flips after successThreshold successes and failureThreshold failures', async () => {
    const answers = [true, false, true, true, false, false];
    const { prober, calls } = harness({ readinessProbe: { exec: { command: ['x'] }, periodSeconds: 1, successThreshold: 2, failureThreshold: 2 } }, { readiness: () => answers.shift() ?? false });
    prober.start();
    await vi.advanceTimersByTimeAsync(5_500);
    prober.stop();
    expect(calls.filter((c) => c.startsWith('ready') || c === 'started')).toEqual(['started', 'ready=true', 'ready=false']);
    expect(calls.filter((c) => c.startsWith('readiness'))).toEqual(['readiness:pass', 'readiness:fail', 'readiness:pass', 'readiness:pass', 'readiness:fail', 'readiness:fail']);
  });

  it.each([
    { case: 'an attempt shorter than the period: the next starts a period after this one started', attemptMs: 600, periodSeconds: 1, starts: [0, 1_000, 2_000, 3_000] },
    { case: 'an attempt longer than the period: the next starts as soon as it ends', attemptMs: 2_500, periodSeconds: 1, starts: [0, 2_500] },
  ])('attempts start on the kubelet ticker: $case', async ({ attemptMs, periodSeconds, starts }) => {
    const started: number[] = [];
    const t0 = Date.now();
    const hooks: ProberHooks = {
      run: async () => {
        started.push(Date.now() - t0);
        await new Promise((r) => setTimeout(r, attemptMs));
        return { ok: false, output: 'not yet' };
      },
      started: () => undefined,
      readiness: () => undefined,
      unhealthy: () => undefined,
      kill: () => undefined,
    };
    const prober = new ContainerProber({ startupProbe: { exec: { command: ['x'] }, periodSeconds, failureThreshold: 100 } }, hooks);
    prober.start();
    await vi.advanceTimersByTimeAsync(starts.at(-1)! + 100);
    prober.stop();
    // (a timer of 0 ms fires after 1 ms)
    expect(started.map((ms) => Math.round(ms / 10) * 10)).toEqual(starts);
  });

  it('stop ends all probing', async () => {
    const { prober, calls } = harness({ livenessProbe: { exec: { command: ['x'] }, periodSeconds: 1 } }, {});
    prober.start();
    prober.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toEqual(['started', 'ready=true']);
  });
});

import { describe, expect, it } from 'vitest';
import type { ReconcileContext, ReconcileRequest } from '../../../src/runtime/controller.js';
import { ControllerRunner } from '../../../src/runtime/controller-runner.js';
import { StalledError, WaitingError } from '../../../src/runtime/errors.js';
import { FakeClock } from '../../support/index.js';
import type { Result } from '../../../src/runtime/result.js';
import { captureLogger, metrics, widgets } from './helpers.js';

function runner(reconcile: (req: ReconcileRequest, ctx: ReconcileContext) => Promise<Result | void>) {
  const clock = new FakeClock();
  const { log, lines } = captureLogger();
  const m = metrics();
  const r = new ControllerRunner({
    definition: { name: 'widget', for: widgets, reconcile, backoff: { baseMs: 1_000, maxMs: 60_000 } },
    clock,
    log,
    metrics: m.metrics,
    signal: new AbortController().signal,
  });
  return { r, clock, lines, registry: m.registry };
}

describe('ControllerRunner.process', () => {
  it('requeues after the delay a successful reconcile asks for', async () => {
    const { r, clock } = runner(async () => ({ requeueAfterMs: 60_000 }));
    expect(await r.process('ns/a')).toBe('requeue');
    clock.advance(59_999);
    expect(r.queue.len()).toBe(0);
    clock.advance(1);
    expect(r.queue.len()).toBe(1);
  });

  it('does not requeue a plain success, and resets the backoff of the key', async () => {
    let fail = true;
    const { r, clock } = runner(async () => {
      if (fail) throw new Error('boom');
    });
    await r.process('ns/a');
    expect(r.queue.retries('ns/a')).toBe(1);
    fail = false;
    expect(await r.process('ns/a')).toBe('success');
    expect(r.queue.retries('ns/a')).toBe(0);
    clock.advance(3_600_000);
    await r.queue.get(); // the retry scheduled by the failure
    r.queue.done('ns/a');
    expect(r.queue.len() + r.queue.delayedLen()).toBe(0);
  });

  it('backs off exponentially on errors and logs them as errors with the reconcile bindings', async () => {
    const { r, lines, registry } = runner(async () => {
      throw new Error('API server said no');
    });
    expect(await r.process('ns/a')).toBe('error');
    expect(await r.process('ns/a')).toBe('error');
    expect(r.queue.retries('ns/a')).toBe(2);
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatchObject({ controller: 'widget', namespace: 'ns', name: 'a', msg: 'Reconciliation failed', retryInMs: 1_000 });
    expect(errors[1]).toMatchObject({ retryInMs: 2_000 });
    expect(typeof errors[0]!.reconcileID).toBe('string');
    expect(errors[0]!.reconcileID).not.toBe(errors[1]!.reconcileID);
    expect(await registry.getSingleMetricAsString('cairn_reconcile_errors_total')).toContain('controller="widget"} 2');
    expect(await registry.getSingleMetricAsString('cairn_reconcile_total')).toContain('controller="widget",result="error"} 2');
  });

  it('does not retry a Stalled error', async () => {
    const { r, clock, lines } = runner(async () => {
      throw new StalledError('InvalidSpec', 'spec.url is not a Git URL');
    });
    expect(await r.process('ns/a')).toBe('stalled');
    clock.advance(24 * 3_600_000);
    expect(r.queue.len() + r.queue.delayedLen()).toBe(0);
    expect(lines.some((l) => l.level === 'error')).toBe(false);
    expect(lines.find((l) => l.reason === 'InvalidSpec')?.level).toBe('info');
  });

  it('looks at a Stalled error again after its retryAfterMs, without backoff', async () => {
    const { r, clock } = runner(async () => {
      throw new StalledError('InvalidSpec', 'Secret s: no identity', { retryAfterMs: 60_000 });
    });
    expect(await r.process('ns/a')).toBe('stalled');
    expect(r.queue.retries('ns/a')).toBe(0);
    clock.advance(59_999);
    expect(r.queue.len()).toBe(0);
    clock.advance(1);
    expect(r.queue.len()).toBe(1);
  });

  it('requeues a Waiting error after its own delay, without an error log or error count', async () => {
    const { r, clock, lines, registry } = runner(async () => {
      throw new WaitingError('DependencyNotReady', 'Dataset driver-stats is not Ready', 15_000);
    });
    expect(await r.process('ns/a')).toBe('waiting');
    clock.advance(14_999);
    expect(r.queue.len()).toBe(0);
    clock.advance(1);
    expect(r.queue.len()).toBe(1);
    expect(r.queue.retries('ns/a')).toBe(0);
    expect(lines.some((l) => l.level === 'error')).toBe(false);
    expect(await registry.getSingleMetricAsString('cairn_reconcile_errors_total')).not.toContain('controller="widget"');
  });

  it('passes namespace and name parsed from the key', async () => {
    const seen: ReconcileRequest[] = [];
    const { r } = runner(async (req) => {
      seen.push(req);
    });
    await r.process('ml/eta');
    await r.process('cluster-wide');
    expect(seen).toEqual([
      { key: 'ml/eta', namespace: 'ml', name: 'eta' },
      { key: 'cluster-wide', namespace: undefined, name: 'cluster-wide' },
    ]);
  });
});

describe('ControllerRunner start latency', () => {
  /** The observations of cairn_reconcile_start_latency_seconds: count and sum. */
  async function startLatency(registry: import('prom-client').Registry) {
    const text = await registry.getSingleMetricAsString('cairn_reconcile_start_latency_seconds');
    const value = (name: string) => Number(new RegExp(`^${name}\\{controller="widget"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    return { count: value('cairn_reconcile_start_latency_seconds_count'), sum: value('cairn_reconcile_start_latency_seconds_sum') };
  }

  it.each([
    { case: 'an event, taken after 40 ms', events: [0], takenAt: 40, want: { count: 1, sum: 0.04 } },
    { case: 'two events before the reconcile: from the first', events: [0, 30], takenAt: 50, want: { count: 1, sum: 0.05 } },
    { case: 'no event (a timer requeue)', events: [], takenAt: 10, want: { count: 0, sum: 0 } },
  ])('observes $case', async ({ events, takenAt, want }) => {
    const { r, clock, registry } = runner(async () => undefined);
    const start = clock.now();
    for (const at of events) {
      clock.advance(start + at - clock.now());
      r.enqueue('ns/a');
    }
    clock.advance(start + takenAt - clock.now());
    await r.process('ns/a');
    const seen = await startLatency(registry);
    expect(seen.count).toBe(want.count);
    expect(seen.sum).toBeCloseTo(want.sum, 6);
  });

  it('reports an event that arrives during a reconcile with the next reconcile, not the running one', async () => {
    let calls = 0;
    const { r, clock, registry } = runner(async () => {
      if (calls++ > 0) return;
      clock.advance(100); // the first reconcile takes 100 ms, and a watch event for its key comes at its end
      r.enqueue('ns/a');
    });
    await r.process('ns/a'); // started by a timer: nothing to observe
    expect((await startLatency(registry)).count).toBe(0);
    clock.advance(5);
    await r.process('ns/a'); // the re-run for the event, 5 ms after it
    const seen = await startLatency(registry);
    expect(seen.count).toBe(1);
    expect(seen.sum).toBeCloseTo(0.005, 6);
  });
});

describe('ControllerRunner workers', () => {
  it('runs at most `concurrency` reconciles at once and never two for the same key', async () => {
    const clock = new FakeClock();
    const { log } = captureLogger('silent');
    const m = metrics();
    let running = 0;
    let maxRunning = 0;
    const perKey = new Map<string, number>();
    let maxPerKey = 0;
    const calls: string[] = [];
    const release: Array<() => void> = [];
    const r = new ControllerRunner({
      definition: {
        name: 'widget',
        for: widgets,
        concurrency: 2,
        reconcile: async (req) => {
          running++;
          calls.push(req.key);
          perKey.set(req.key, (perKey.get(req.key) ?? 0) + 1);
          maxRunning = Math.max(maxRunning, running);
          maxPerKey = Math.max(maxPerKey, perKey.get(req.key)!);
          await new Promise<void>((resolve) => release.push(resolve));
          perKey.set(req.key, perKey.get(req.key)! - 1);
          running--;
        },
      },
      clock,
      log,
      metrics: m.metrics,
      signal: new AbortController().signal,
    });
    r.start();
    for (const k of ['a', 'b', 'c', 'a']) r.enqueue(`ns/${k}`);
    const tick = () => new Promise((res) => setImmediate(res));
    await tick();
    expect(running).toBe(2);
    r.enqueue('ns/a'); // a change for a key being reconciled: must wait, then run again
    while (release.length) {
      release.shift()!();
      await tick();
      await tick();
    }
    expect(maxRunning).toBe(2);
    expect(maxPerKey).toBe(1);
    // Deduplicated before it started, re-run once for the change that arrived while it ran.
    expect(calls.filter((k) => k === 'ns/a')).toHaveLength(2);
    expect(calls.sort()).toEqual(['ns/a', 'ns/a', 'ns/b', 'ns/c']);
    expect(await r.stop(1_000)).toBe(true);
  });
});

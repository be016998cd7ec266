/** ControllerDeps for unit tests of controllers: an in-memory API, real informers over it, recorded Events. */
import type { ControllerDeps, ReconcileContext } from '../../../src/runtime/controller.js';
import type { EventRecorder } from '../../../src/runtime/events.js';
import { InformerFactory } from '../../../src/runtime/informer-factory.js';
import { FakeClock, FakeKube } from '../../support/index.js';
import { captureLogger, metrics } from '../runtime/helpers.js';

export interface RecordedEvent {
  type: string;
  reason: string;
  note: string;
}

export function controllerDeps(settings: Partial<ControllerDeps['settings']> = {}) {
  const kube = new FakeKube();
  const clock = new FakeClock(Date.parse('2026-11-29T10:00:00Z'));
  const { log, lines } = captureLogger('debug');
  const events: RecordedEvent[] = [];
  const informers = new InformerFactory({ kube, clock, log });
  const m = metrics();
  const deps: ControllerDeps = {
    kube,
    informers,
    clock,
    log,
    metrics: m.metrics,
    events: { record: (_o: unknown, type: string, reason: string, note: string) => events.push({ type, reason, note }) } as unknown as EventRecorder,
    settings: { allowFileUrls: false, gitCacheDir: '/nonexistent', fieldManager: 'cairn', ...settings },
  };
  const ctx = { log, signal: new AbortController().signal, reconcileID: 'test', retries: 0 } as ReconcileContext;
  /** Lets FakeKube's watch events reach the informers. */
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  return { deps, kube, clock, events, informers, ctx, settle, lines, registry: m.registry };
}

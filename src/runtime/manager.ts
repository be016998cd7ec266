import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { ControllerDefinition, ControllerDeps, ControllerFactory, OperatorSettings } from './controller.js';
import { ControllerRunner } from './controller-runner.js';
import { EventRecorder } from './events.js';
import type { InformerEvent } from './informer.js';
import { InformerFactory } from './informer-factory.js';
import { objectKey } from './keys.js';
import type { KubeClient } from './kube/client.js';
import { guardWrites } from './kube/guard.js';
import type { KubeObject } from './kube/object.js';
import { LeaderElector, type LeaderElectionOptions } from './leader-election.js';
import type { OperatorMetrics } from './metrics.js';
import { controllerOwnerKeys } from './predicates.js';

export interface ManagerOptions {
  kube: KubeClient;
  clock: Clock;
  log: Logger;
  metrics: OperatorMetrics;
  settings: OperatorSettings;
  /** This replica's identity (Lease holder, Event reportingInstance). */
  identity: string;
  /** Namespaces to watch; empty or undefined for all. */
  namespaces?: readonly string[];
  /** Lease settings; undefined runs the controllers at once without election (one replica, tests). */
  leaderElection?: Omit<LeaderElectionOptions, 'kube' | 'clock' | 'log' | 'metrics' | 'identity'>;
  /** How long running reconciles get to finish at shutdown or at the end of a term. Default 20 s. */
  drainTimeoutMs?: number;
}

const abortedSignal = (): AbortSignal => AbortSignal.abort(new Error('not leading'));

/**
 * Owns the shared informers, the controllers and leader election, and their order of start and stop:
 *
 * - informers start at once and keep running on standby replicas (warm caches, fast failover, /readyz);
 * - controllers run only while leading: each term waits for the caches to sync, enqueues every primary
 *   object once (a full level-triggered pass), then starts the workers;
 * - the `kube` client given to controllers refuses writes outside a term, so a reconcile still running when
 *   leadership is lost cannot write;
 * - {@link stop}: queues stop taking keys, informers stop, running reconciles drain (with a deadline), pending
 *   Events are flushed, the term ends and the Lease is released.
 */
export class Manager {
  readonly informers: InformerFactory;
  readonly events: EventRecorder;
  private readonly guardedKube: KubeClient;
  private readonly definitions: ControllerDefinition[] = [];
  private readonly runners = new Map<string, ControllerRunner>();
  private readonly elector: LeaderElector | undefined;
  private readonly log: Logger;
  private term: { controller: AbortController; ready: Promise<void> } | undefined;
  private termSignal: AbortSignal = abortedSignal();
  private started = false;
  private stopping = false;

  constructor(private readonly o: ManagerOptions) {
    this.log = o.log;
    this.informers = new InformerFactory({ kube: o.kube, clock: o.clock, log: o.log, metrics: o.metrics, namespaces: o.namespaces });
    this.guardedKube = guardWrites(o.kube, () => this.termSignal);
    this.events = new EventRecorder({
      kube: this.guardedKube,
      clock: o.clock,
      log: o.log,
      metrics: o.metrics,
      reportingController: 'cairn.dev/operator',
      reportingInstance: o.identity,
    });
    this.elector = o.leaderElection
      ? new LeaderElector({ ...o.leaderElection, kube: o.kube, clock: o.clock, log: o.log, metrics: o.metrics, identity: o.identity })
      : undefined;
  }

  /** What controller factories receive. */
  get deps(): ControllerDeps {
    return {
      kube: this.guardedKube,
      informers: this.informers,
      clock: this.o.clock,
      log: this.o.log,
      metrics: this.o.metrics,
      events: this.events,
      settings: this.o.settings,
    };
  }

  /**
   * Registers a controller: builds it and subscribes its watches. Call before {@link start}: a term starts only
   * once every informer created so far has synced, so a factory should also touch (`deps.informers.for(res)`)
   * every kind its reconciler reads from cache.
   */
  add(factory: ControllerFactory): ControllerDefinition {
    if (this.started) throw new Error('Controllers must be added before the manager starts');
    const def = factory(this.deps);
    if (this.definitions.some((d) => d.name === def.name)) throw new Error(`Controller ${def.name} is registered twice`);
    this.definitions.push(def);
    const enqueue = (key: string): void => this.runners.get(def.name)?.enqueue(key);
    this.informers.for(def.for).on((event: InformerEvent<KubeObject>) => {
      if (!def.predicate || def.predicate(event)) enqueue(objectKey(event.object));
    });
    for (const owned of def.owns ?? []) {
      const owners = controllerOwnerKeys(def.for);
      this.informers.for(owned).on((event) => owners(event.object).forEach(enqueue));
    }
    for (const w of def.watches ?? []) {
      this.informers.for(w.resource, { labelSelector: w.labelSelector }).on((event) => {
        if (!w.predicate || w.predicate(event)) w.map(event.object).forEach(enqueue);
      });
    }
    return def;
  }

  /** Queues `key` for controller `name` now; false if that controller is not running here (not the leader). */
  enqueue(name: string, key: string): boolean {
    const runner = this.runners.get(name);
    if (!runner || this.termSignal.aborted) return false;
    runner.enqueue(key);
    return true;
  }

  isLeader(): boolean {
    return !this.termSignal.aborted;
  }

  /** Ready to serve: started, not stopping, every informer synced (leader or not). */
  ready(): boolean {
    return this.started && !this.stopping && this.informers.hasSynced();
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.informers.start();
    if (this.elector) {
      this.elector.run({
        onStartedLeading: (signal) => this.beginTerm(signal),
        onStoppedLeading: () => this.endTerm(),
      });
    } else {
      this.beginTerm(new AbortController().signal);
    }
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const runner of this.runners.values()) runner.queue.shutDown();
    await this.informers.stop();
    await this.endTerm();
    await this.elector?.stop();
    this.log.info('Stopped controllers and informers');
  }

  private beginTerm(leaderSignal: AbortSignal): void {
    const controller = new AbortController();
    leaderSignal.addEventListener('abort', () => controller.abort(), { once: true });
    this.termSignal = controller.signal;
    const ready = (async () => {
      // Never reconcile against a cold cache: a missing object would look deleted.
      if (!(await this.informers.waitForSync(controller.signal)) || controller.signal.aborted) return;
      for (const def of this.definitions) {
        const runner = new ControllerRunner({ definition: def, clock: this.o.clock, log: this.o.log, metrics: this.o.metrics, signal: controller.signal });
        this.runners.set(def.name, runner);
        for (const obj of this.informers.for(def.for).list()) runner.enqueue(objectKey(obj));
        runner.start();
      }
      this.log.info({ controllers: this.definitions.map((d) => d.name) }, 'Started controllers');
    })();
    this.term = { controller, ready };
  }

  private async endTerm(): Promise<void> {
    const term = this.term;
    if (!term) return;
    this.term = undefined;
    if (this.runners.size === 0) term.controller.abort();
    await term.ready;
    const drainMs = this.o.drainTimeoutMs ?? 20_000;
    const results = await Promise.all([...this.runners.values()].map((r) => r.stop(drainMs)));
    if (results.some((finished) => !finished)) this.log.warn({ drainTimeoutMs: drainMs }, 'Reconciles still running at the drain deadline were cut off');
    await this.events.flush();
    term.controller.abort();
    this.runners.clear();
  }
}

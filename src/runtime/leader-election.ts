import type { Logger } from 'pino';
import { withJitter } from './backoff.js';
import { sleep, type Clock } from './clock.js';
import { describeError } from './errors.js';
import type { KubeClient } from './kube/client.js';
import { isAlreadyExists, isConflict } from './kube/errors.js';
import type { KubeObject } from './kube/object.js';
import { builtin } from './kube/resource.js';
import type { OperatorMetrics } from './metrics.js';
import { microTime } from './microtime.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export type Lease = KubeObject & { spec?: LeaseSpec };

type Attempt = 'acquired' | 'held' | 'failed';

export interface LeaderElectionOptions {
  kube: KubeClient;
  clock: Clock;
  log: Logger;
  metrics?: OperatorMetrics;
  namespace: string;
  /** Lease name; `cairn-operator` by default. */
  name?: string;
  /** This replica, unique among replicas (pod name + a random suffix). */
  identity: string;
  /** How long a lease is valid after its holder's last renewal, as seen by the others. Default 15 s. */
  leaseDurationMs?: number;
  /** The leader gives up if it could not renew for this long. Must be < leaseDuration. Default 10 s. */
  renewDeadlineMs?: number;
  /** Time between attempts to acquire or renew. Default 2 s. */
  retryPeriodMs?: number;
}

export interface LeaderCallbacks {
  /** Leadership acquired; `signal` aborts when this term ends. */
  onStartedLeading(signal: AbortSignal): void;
  /** Leadership lost or given up; resolve once every write of this term has stopped. */
  onStoppedLeading(): Promise<void> | void;
  /** Another replica became (or stayed) the leader. */
  onNewLeader?(identity: string): void;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease (client-go's leaderelection, simplified):
 *
 * - acquire: create the Lease, or take it over when it is free (empty holder, after a release) or expired;
 * - expiry is judged by the local clock from when *this* replica last saw the Lease record change, never
 *   from the renewTime another node wrote, so clock skew between nodes does not matter;
 * - every write is a PUT with the observed resourceVersion: of two replicas racing, one gets 409 and loses;
 * - the leader renews every retryPeriod and steps down when it could not renew for renewDeadline, which is
 *   shorter than leaseDuration: it has stopped before anyone else may take over (two replicas never both act);
 * - {@link stop} ends the current term (callbacks first) and then releases the Lease (empty holder), so a
 *   standby takes over at once instead of waiting for expiry.
 */
export class LeaderElector {
  private readonly name: string;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly stop$ = new AbortController();
  private observed: { resourceVersion: string; spec: LeaseSpec } | undefined;
  private observedAtMs = 0;
  private leading = false;
  private loop: Promise<void> | undefined;
  private lastLeader: string | undefined;

  constructor(private readonly o: LeaderElectionOptions) {
    this.name = o.name ?? 'cairn-operator';
    this.leaseDurationMs = o.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = o.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = o.retryPeriodMs ?? 2_000;
    if (!(this.renewDeadlineMs < this.leaseDurationMs)) throw new Error('renewDeadline must be shorter than leaseDuration');
    if (!(this.retryPeriodMs < this.renewDeadlineMs)) throw new Error('retryPeriod must be shorter than renewDeadline');
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder this replica last observed ('' when free, undefined before the first read). */
  observedLeader(): string | undefined {
    return this.observed?.spec.holderIdentity;
  }

  /** Starts campaigning in the background; terms begin and end through `callbacks`. */
  run(callbacks: LeaderCallbacks): void {
    this.loop ??= this.campaign(callbacks);
  }

  /** Ends the current term (awaiting onStoppedLeading), releases the Lease if held, stops campaigning. */
  async stop(): Promise<void> {
    this.stop$.abort();
    await this.loop;
  }

  private async campaign(cb: LeaderCallbacks): Promise<void> {
    const { clock, log } = this.o;
    const stopped = this.stop$.signal;
    while (!stopped.aborted) {
      // Acquire.
      while (!stopped.aborted && (await this.tryAcquireOrRenew(cb)) !== 'acquired') {
        await sleep(clock, withJitter(this.retryPeriodMs * 1.2, 0.2), stopped);
      }
      if (stopped.aborted) break;
      const term = new AbortController();
      this.setLeading(true);
      log.info({ lease: `${this.o.namespace}/${this.name}`, replica: this.o.identity }, 'Acquired leader Lease');
      cb.onStartedLeading(term.signal);
      // Renew until the deadline passes without a successful renewal, or until stop.
      let lastRenewMs = clock.now();
      while (!stopped.aborted) {
        await sleep(clock, this.retryPeriodMs, stopped);
        if (stopped.aborted) break;
        const remaining = this.renewDeadlineMs - (clock.now() - lastRenewMs);
        const attempt = remaining > 0 ? await this.withDeadline(this.tryAcquireOrRenew(cb), remaining) : 'failed';
        if (attempt === 'acquired') lastRenewMs = clock.now();
        else if (attempt === 'held') {
          log.warn({ lease: `${this.o.namespace}/${this.name}`, leader: this.observedLeader() }, 'Lost leader Lease to another replica');
          break;
        } else if (clock.now() - lastRenewMs >= this.renewDeadlineMs) {
          log.warn({ lease: `${this.o.namespace}/${this.name}` }, 'Lost leader Lease: could not renew before the deadline');
          break;
        }
      }
      term.abort();
      this.setLeading(false);
      await cb.onStoppedLeading();
    }
    await this.release();
  }

  /** One attempt: `acquired` if this replica holds the Lease afterwards, `held` if another valid holder has it. */
  private async tryAcquireOrRenew(cb: LeaderCallbacks): Promise<Attempt> {
    const { kube, clock, namespace, identity, log } = this.o;
    const now = clock.now();
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    try {
      const current = await kube.get<Lease>(builtin.lease, this.name, namespace);
      if (!current) {
        const created = await kube.create<Lease>(builtin.lease, { metadata: { name: this.name, namespace }, spec });
        this.observe(created, clock.now());
        return 'acquired';
      }
      const rv = current.metadata?.resourceVersion ?? '';
      const old = current.spec ?? {};
      if (this.observed?.resourceVersion !== rv) this.observe(current, now);
      const holder = old.holderIdentity ?? '';
      const heldByOther = holder !== '' && holder !== identity;
      if (heldByOther) {
        this.noteLeader(holder, cb);
        const durationMs = (old.leaseDurationSeconds ?? Math.ceil(this.leaseDurationMs / 1000)) * 1000;
        if (this.observedAtMs + durationMs > now) return 'held';
      }
      if (holder === identity) {
        spec.acquireTime = old.acquireTime ?? spec.acquireTime;
        spec.leaseTransitions = old.leaseTransitions ?? 0;
      } else {
        spec.leaseTransitions = (old.leaseTransitions ?? 0) + 1;
      }
      const updated = await kube.replace<Lease>(builtin.lease, { ...current, spec });
      this.observe(updated, clock.now());
      return 'acquired';
    } catch (err) {
      if (!isConflict(err) && !isAlreadyExists(err)) {
        log.warn({ err: describeError(err) }, 'Failed to acquire or renew the leader Lease');
      }
      return 'failed';
    }
  }

  private async release(): Promise<void> {
    const { kube, clock, namespace, identity, log } = this.o;
    if (this.observed?.spec.holderIdentity !== identity) return;
    try {
      const current = await kube.get<Lease>(builtin.lease, this.name, namespace);
      if (!current || current.spec?.holderIdentity !== identity) return;
      const now = microTime(clock.now());
      await kube.replace<Lease>(builtin.lease, {
        ...current,
        spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now },
      });
      log.info({ lease: `${namespace}/${this.name}` }, 'Released leader Lease');
    } catch (err) {
      log.warn({ err: describeError(err) }, 'Failed to release the leader Lease; it will expire');
    }
  }

  private observe(lease: Lease, atMs: number): void {
    this.observed = { resourceVersion: lease.metadata?.resourceVersion ?? '', spec: { ...(lease.spec ?? {}) } };
    this.observedAtMs = atMs;
  }

  private noteLeader(holder: string, cb: LeaderCallbacks): void {
    if (holder === this.lastLeader) return;
    this.lastLeader = holder;
    this.o.log.info({ leader: holder }, 'Observed another leader');
    cb.onNewLeader?.(holder);
  }

  private setLeading(value: boolean): void {
    this.leading = value;
    this.lastLeader = value ? this.o.identity : this.lastLeader;
    this.o.metrics?.leader.set({ lease: `${this.o.namespace}/${this.name}` }, value ? 1 : 0);
  }

  /** `p`, or `failed` if it does not settle within `ms` on the injected clock. */
  private withDeadline(p: Promise<Attempt>, ms: number): Promise<Attempt> {
    return new Promise((resolve) => {
      const timer = this.o.clock.setTimer(ms, () => resolve('failed'));
      p.then((v) => {
        timer.cancel();
        resolve(v);
      }, () => {
        timer.cancel();
        resolve('failed');
      });
    });
  }
}

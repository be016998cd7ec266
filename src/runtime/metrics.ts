import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Every operator-side Prometheus metric, registered on an injected Registry (one per process, one per test;
 * never the prom-client global). Names are part of the public surface: dashboards and alerts use them.
 */
export interface OperatorMetrics {
  /** cairn_reconcile_total{controller,result}: result = success | requeue | waiting | stalled | error. */
  reconcileTotal: Counter<'controller' | 'result'>;
  /** cairn_reconcile_errors_total{controller}: reconciles that ended in an error retried with backoff. */
  reconcileErrors: Counter<'controller'>;
  /** cairn_reconcile_duration_seconds{controller}. */
  reconcileDuration: Histogram<'controller'>;
  /** cairn_status_writes_total{controller}: status writes; flat while nothing changes (a rising rate is a hot loop). */
  statusWrites: Counter<'controller'>;
  /** cairn_condition_transitions_total{controller,type,status}: condition changes that got an Event. */
  conditionTransitions: Counter<'controller' | 'type' | 'status'>;
  /** cairn_workqueue_depth{controller}: keys ready and waiting for a worker. */
  queueDepth: Gauge<'controller'>;
  /** cairn_workqueue_adds_total{controller}. */
  queueAdds: Counter<'controller'>;
  /** cairn_workqueue_latency_seconds{controller}: time from becoming ready to being taken by a worker. */
  queueLatency: Histogram<'controller'>;
  /**
   * cairn_reconcile_start_latency_seconds{controller}: from the watch event (or request) that queued a key to the
   * start of its reconcile, including any wait behind a reconcile of the same key already running. Timer requeues
   * (resyncs, waits, backoff) are not counted: nothing happened that a reconcile should follow.
   */
  reconcileStartLatency: Histogram<'controller'>;
  /** cairn_workqueue_retries_total{controller}: rate-limited (backoff) re-adds. */
  queueRetries: Counter<'controller'>;
  /** cairn_informer_restarts_total{resource}: watches restarted after an error. */
  informerRestarts: Counter<'resource'>;
  /** cairn_informer_synced{resource}: 1 once the first list completed. */
  informerSynced: Gauge<'resource'>;
  /** cairn_leader{lease}: 1 while this process holds the Lease. */
  leader: Gauge<'lease'>;
  /** cairn_gitsource_sync_duration_seconds{namespace,name,result}: fetch + apply of one GitSource sync. */
  gitSyncDuration: Histogram<'namespace' | 'name' | 'result'>;
  /** cairn_gitsource_revision_info{namespace,name,revision}: 1 for the last applied revision (one series per source). */
  gitRevision: GitRevisionInfo;
  /** cairn_webhook_requests_total{code}: Git webhook deliveries by HTTP status answered. */
  webhookRequests: Counter<'code'>;
  /** cairn_events_total{type,result}: Kubernetes Events recorded (result = created | aggregated | dropped | failed). */
  events: Counter<'type' | 'result'>;
  /** cairn_drift_score{namespace,name,feature,method}: a DriftMonitor's last score per checked column (a p-value for ks and chi2). */
  driftScore: Gauge<'namespace' | 'name' | 'feature' | 'method'>;
}

const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Finer below 100 ms, where a reconcile should start after an event (bench/scale.ts reads p50 and p99 from them). */
const startLatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export function createOperatorMetrics(registry: Registry): OperatorMetrics {
  const registers = [registry];
  return {
    reconcileTotal: new Counter({
      name: 'cairn_reconcile_total',
      help: 'Reconciles by controller and result (success, requeue, waiting, stalled, error).',
      labelNames: ['controller', 'result'],
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'cairn_reconcile_errors_total',
      help: 'Reconciles that failed and were requeued with backoff.',
      labelNames: ['controller'],
      registers,
    }),
    statusWrites: new Counter({
      name: 'cairn_status_writes_total',
      help: 'Status writes by controller; flat while nothing changes.',
      labelNames: ['controller'],
      registers,
    }),
    conditionTransitions: new Counter({
      name: 'cairn_condition_transitions_total',
      help: 'Condition transitions (each recorded as an Event) by controller, condition type and new status.',
      labelNames: ['controller', 'type', 'status'],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'cairn_reconcile_duration_seconds',
      help: 'Duration of one reconcile.',
      labelNames: ['controller'],
      buckets: durationBuckets,
      registers,
    }),
    queueDepth: new Gauge({
      name: 'cairn_workqueue_depth',
      help: 'Keys ready in the work queue, waiting for a worker.',
      labelNames: ['controller'],
      registers,
    }),
    queueAdds: new Counter({
      name: 'cairn_workqueue_adds_total',
      help: 'Keys added to the work queue (after de-duplication).',
      labelNames: ['controller'],
      registers,
    }),
    queueLatency: new Histogram({
      name: 'cairn_workqueue_latency_seconds',
      help: 'Time a key waited in the work queue before a worker took it.',
      labelNames: ['controller'],
      buckets: durationBuckets,
      registers,
    }),
    reconcileStartLatency: new Histogram({
      name: 'cairn_reconcile_start_latency_seconds',
      help: 'Time from the event that queued a key to the start of its reconcile (timer requeues not counted).',
      labelNames: ['controller'],
      buckets: startLatencyBuckets,
      registers,
    }),
    queueRetries: new Counter({
      name: 'cairn_workqueue_retries_total',
      help: 'Keys re-added with backoff after a failed reconcile.',
      labelNames: ['controller'],
      registers,
    }),
    informerRestarts: new Counter({
      name: 'cairn_informer_restarts_total',
      help: 'Informer list/watch restarts after an error.',
      labelNames: ['resource'],
      registers,
    }),
    informerSynced: new Gauge({
      name: 'cairn_informer_synced',
      help: '1 once the informer completed its first list.',
      labelNames: ['resource'],
      registers,
    }),
    leader: new Gauge({
      name: 'cairn_leader',
      help: '1 while this process holds the leader election Lease.',
      labelNames: ['lease'],
      registers,
    }),
    gitSyncDuration: new Histogram({
      name: 'cairn_gitsource_sync_duration_seconds',
      help: 'Duration of one GitSource sync (fetch, validate, apply, prune).',
      labelNames: ['namespace', 'name', 'result'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    gitRevision: new GitRevisionInfo(
      new Gauge({
        name: 'cairn_gitsource_revision_info',
        help: 'The revision a GitSource last applied (value 1).',
        labelNames: ['namespace', 'name', 'revision'],
        registers,
      }),
    ),
    webhookRequests: new Counter({
      name: 'cairn_webhook_requests_total',
      help: 'Git webhook deliveries by the HTTP status answered.',
      labelNames: ['code'],
      registers,
    }),
    events: new Counter({
      name: 'cairn_events_total',
      help: 'Kubernetes Events recorded by result (created, aggregated, dropped, failed).',
      labelNames: ['type', 'result'],
      registers,
    }),
    driftScore: new Gauge({
      name: 'cairn_drift_score',
      help: 'Last drift score of a DriftMonitor per checked feature or output (statistic, or p-value for ks and chi2).',
      labelNames: ['namespace', 'name', 'feature', 'method'],
      registers,
    }),
  };
}

/**
 * Keeps exactly one cairn_gitsource_revision_info series per GitSource: setting a new revision removes the
 * series of the previous one (prom-client cannot remove by partial labels).
 */
export class GitRevisionInfo {
  private readonly last = new Map<string, string>();

  constructor(private readonly gauge: Gauge<'namespace' | 'name' | 'revision'>) {}

  set(namespace: string, name: string, revision: string): void {
    const key = `${namespace}/${name}`;
    const previous = this.last.get(key);
    if (previous !== undefined && previous !== revision) this.gauge.remove({ namespace, name, revision: previous });
    this.gauge.set({ namespace, name, revision }, 1);
    this.last.set(key, revision);
  }

  /** Drops the series of a deleted GitSource. */
  delete(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const previous = this.last.get(key);
    if (previous !== undefined) this.gauge.remove({ namespace, name, revision: previous });
    this.last.delete(key);
  }
}

import { CoreV1Api, PatchStrategy, setHeaderOptions, type CoreV1Event, type V1Pod } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { errorMessage, statusCode, type Logger } from '../testenv/index.js';
import { rfc3339 } from './node.js';

/** The reporting controller of every Event the local node writes. */
export const REPORTING_CONTROLLER = 'cairn.dev/local-node';
/** A repeated Event is counted in memory and written at most this often. */
const REPEAT_WRITE_INTERVAL_MS = 5_000;
/** Aggregates not repeated for this long are forgotten (the API server's Event TTL is 1 h). */
const AGGREGATE_TTL_MS = 3_600_000;

export type EventType = 'Normal' | 'Warning';

/** The object an Event is about: a Pod unless `kind` says otherwise (objects from an informer lack it). */
export interface Involved {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string };
  spec?: { containers?: { name: string }[] };
}

/** Records Events about one pod (`container` sets involvedObject.fieldPath, as the kubelet does). */
export type PodEventSink = (type: EventType, reason: string, message: string, container?: string) => void;

interface Aggregate {
  name: string;
  count: number;
  written: number;
  lastWriteAt: number;
  /** Writes in order, one at a time. */
  chain: Promise<void>;
}

/**
 * core/v1 Events about pods, as the kubelet's recorder writes them: source and reportingComponent name the
 * local node, and a repeat of the same (pod, container, type, reason, message) increments `count` and moves
 * `lastTimestamp` on the Event already written instead of creating another. Writing never throws: an Event
 * that cannot be written (the namespace is terminating, the API is down) is logged and dropped.
 */
export class EventRecorder {
  private readonly aggregates = new Map<string, Aggregate>();

  constructor(
    private readonly core: CoreV1Api,
    private readonly nodeName: string,
    private readonly logger: Logger,
  ) {}

  forPod(pod: V1Pod): PodEventSink {
    return (type, reason, message, container) => this.record(pod, type, reason, message, container);
  }

  /** Records an Event about `object` (a Pod, or e.g. a PersistentVolumeClaim of the provisioner). */
  record(object: Involved, type: EventType, reason: string, message: string, container?: string): void {
    const meta = object.metadata ?? {};
    const key = JSON.stringify([meta.uid, container ?? '', type, reason, message]);
    let aggregate = this.aggregates.get(key);
    if (aggregate === undefined) {
      this.prune();
      aggregate = { name: `${meta.name}.${randomBytes(8).toString('hex')}`, count: 0, written: 0, lastWriteAt: 0, chain: Promise.resolve() };
      this.aggregates.set(key, aggregate);
    }
    aggregate.count += 1;
    const first = aggregate.count === 1;
    const now = Date.now();
    if (!first && now - aggregate.lastWriteAt < REPEAT_WRITE_INTERVAL_MS) return;
    aggregate.lastWriteAt = now;
    const a = aggregate;
    a.chain = a.chain.then(async () => {
      if (a.written === a.count) return;
      const count = a.count;
      try {
        if (a.written === 0) await this.create(object, a.name, type, reason, message, container, count);
        else await this.core.patchNamespacedEvent({ name: a.name, namespace: meta.namespace ?? '', body: { count, lastTimestamp: rfc3339(new Date()) } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
        a.written = count;
      } catch (error) {
        // A namespace being deleted refuses new Events (403) and a gone one 404s: nothing to report then.
        const code = statusCode(error);
        if (code !== 403 && code !== 404) this.logger.warn({ pod: `${meta.namespace}/${meta.name}`, reason, error: errorMessage(error) }, 'Failed to write an Event');
      }
    });
  }

  /** Forgets aggregates not repeated for an hour (pods come and go; the map must not grow with them). */
  private prune(): void {
    const now = Date.now();
    for (const [key, a] of this.aggregates) if (now - a.lastWriteAt > AGGREGATE_TTL_MS) this.aggregates.delete(key);
  }

  private async create(object: Involved, name: string, type: EventType, reason: string, message: string, container: string | undefined, count: number): Promise<void> {
    const meta = object.metadata ?? {};
    const now = new Date();
    const isMain = (object.spec?.containers ?? []).some((c) => c.name === container);
    const fieldPath = container === undefined ? undefined : isMain ? `spec.containers{${container}}` : `spec.initContainers{${container}}`;
    const body: CoreV1Event = {
      metadata: { name, namespace: meta.namespace },
      involvedObject: { apiVersion: object.apiVersion ?? 'v1', kind: object.kind ?? 'Pod', name: meta.name, namespace: meta.namespace, uid: meta.uid, ...(fieldPath ? { fieldPath } : {}) },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: REPORTING_CONTROLLER, host: this.nodeName },
      reportingComponent: REPORTING_CONTROLLER,
      reportingInstance: this.nodeName,
      firstTimestamp: now,
      lastTimestamp: now,
      count,
    };
    await this.core.createNamespacedEvent({ namespace: meta.namespace ?? '', body });
  }
}

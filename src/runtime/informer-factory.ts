import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import { Informer, type InformerHealth } from './informer.js';
import type { KubeClient } from './kube/client.js';
import type { KubeObject } from './kube/object.js';
import { resourceId, type ResourceType } from './kube/resource.js';
import type { OperatorMetrics } from './metrics.js';

export interface InformerFactoryOptions {
  kube: KubeClient;
  clock: Clock;
  log: Logger;
  metrics?: OperatorMetrics;
  /** Namespaces to watch; empty or undefined for all namespaces. */
  namespaces?: readonly string[];
}

/**
 * Shares one {@link Informer} per resource type (and label selector) between every controller that reads or
 * watches it, so two controllers watching Pods open one watch and hold one cache.
 */
export class InformerFactory {
  private readonly informers = new Map<string, Informer<KubeObject>>();
  private started = false;

  constructor(private readonly o: InformerFactoryOptions) {}

  /** The shared informer for `res`; created on first use, started at once if the factory already runs. */
  for<T extends KubeObject>(res: ResourceType, opts: { labelSelector?: string } = {}): Informer<T> {
    const id = `${resourceId(res)}?${opts.labelSelector ?? ''}`;
    let informer = this.informers.get(id);
    if (!informer) {
      informer = new Informer<KubeObject>({
        kube: this.o.kube,
        resource: res,
        namespaces: this.o.namespaces,
        labelSelector: opts.labelSelector,
        clock: this.o.clock,
        log: this.o.log,
        metrics: this.o.metrics,
      });
      this.informers.set(id, informer);
      if (this.started) informer.start();
    }
    return informer as unknown as Informer<T>;
  }

  start(): void {
    this.started = true;
    for (const informer of this.informers.values()) informer.start();
  }

  async stop(): Promise<void> {
    this.started = false;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  hasSynced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced());
  }

  /** Resolves true when every informer created so far has synced; false if `signal` aborts first. */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  health(): InformerHealth[] {
    return [...this.informers.values()].map((i) => i.health());
  }
}

import { CoreV1Api, ListWatch, Watch, type KubeConfig, type V1Pod, type V1Service } from '@kubernetes/client-node';
import { rename, rm, writeFile } from 'node:fs/promises';
import { formatServiceHosts } from '../../net/service-hosts.js';
import { errorMessage, type Logger } from '../../testenv/index.js';
import { hostEntries, proxyRules, type ProxyRule } from './endpoints.js';
import { PortListener } from './listener.js';

/** A listener that could not bind (another run holds the same ClusterIP:port) is tried again after this. */
const RETRY_BIND_MS = 5_000;

export interface ServiceProxyOptions {
  kubeConfig: KubeConfig;
  /** Pods of this Node are the endpoints (the only ones with addresses on this machine). */
  nodeName: string;
  /** The service hosts file to keep current (src/net/service-hosts.ts). */
  hostsFile: string;
  logger: Logger;
}

/**
 * The local node's kube-proxy: watches Services and the Pods of its Node, and keeps one PortListener per
 * Service port (ClusterIP:port, and 127.0.0.1:nodePort for NodePort Services) whose endpoints are the ready
 * Pods the Service selects. It also keeps the service hosts file that resolves `<svc>.<ns>.svc`.
 * Level-triggered: every watch event schedules one pass that recomputes everything from the caches.
 */
export class ServiceProxy {
  private readonly core: CoreV1Api;
  private readonly listeners = new Map<string, PortListener>();
  private readonly rules = new Map<string, ProxyRule>();
  /** Keys whose bind failed, with the time to try again; each failure is logged once. */
  private readonly failed = new Map<string, number>();
  private services: ListWatch<V1Service> | undefined;
  private pods: ListWatch<V1Pod> | undefined;
  private hostsText = '';
  private pass: Promise<void> = Promise.resolve();
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: ServiceProxyOptions) {
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
  }

  async start(): Promise<void> {
    const watch = new Watch(this.options.kubeConfig);
    const fieldSelector = `spec.nodeName=${this.options.nodeName}`;
    this.services = this.informer(new ListWatch<V1Service>('/api/v1/services', watch, () => this.core.listServiceForAllNamespaces(), false), 'Service');
    this.pods = this.informer(
      new ListWatch<V1Pod>('/api/v1/pods', watch, () => this.core.listPodForAllNamespaces({ fieldSelector }), false, undefined, fieldSelector),
      'Pod',
    );
    await Promise.all([this.services.start(), this.pods.start()]);
    this.schedule();
    await this.pass;
  }

  /** The Services of `namespace` as cached now (for the Service environment variables of a new container). */
  servicesIn(namespace: string): V1Service[] {
    return [...(this.services?.list(namespace) ?? [])];
  }

  /** Waits for the pass in progress and any pass scheduled before this call. */
  async settled(): Promise<void> {
    let pass: Promise<void>;
    do {
      pass = this.pass;
      await pass;
    } while (pass !== this.pass);
  }

  /** Stops watching, closes every listener (and the connections through it), and removes the hosts file. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await Promise.all([this.services?.stop(), this.pods?.stop()]);
    await this.pass;
    await Promise.all([...this.listeners.values()].map((l) => l.close()));
    this.listeners.clear();
    await rm(this.options.hostsFile, { force: true });
  }

  private informer<T extends V1Service | V1Pod>(informer: ListWatch<T>, kind: string): ListWatch<T> {
    const changed = (): void => this.schedule();
    informer.on('add', changed);
    informer.on('update', changed);
    informer.on('delete', changed);
    informer.on('error', (error) => {
      if (this.stopped) return;
      this.options.logger.warn({ node: this.options.nodeName, kind, error: errorMessage(error) }, 'Watch for the service proxy failed; restarting it');
      setTimeout(() => void informer.start().catch(() => undefined), 1_000).unref();
    });
    return informer;
  }

  /** Coalesces events: at most one pass runs, and one more follows it when something changed meanwhile. */
  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    this.pass = this.pass.then(async () => {
      this.scheduled = false;
      if (this.stopped) return;
      try {
        await this.sync();
      } catch (error) {
        this.options.logger.warn({ node: this.options.nodeName, error: errorMessage(error) }, 'Failed to sync the service proxy');
      }
    });
  }

  private async sync(): Promise<void> {
    const services = this.services?.list() ?? [];
    const pods = this.pods?.list() ?? [];
    const desired = new Map<string, ProxyRule>();
    for (const rule of proxyRules(services, pods)) if (!desired.has(rule.key)) desired.set(rule.key, rule);
    for (const [key, listener] of this.listeners) {
      if (desired.has(key)) continue;
      await listener.close();
      this.listeners.delete(key);
      this.rules.delete(key);
      this.options.logger.info({ listen: key }, 'Stopped proxying a Service port');
    }
    for (const key of this.failed.keys()) if (!desired.has(key)) this.failed.delete(key);
    let retryAt: number | undefined;
    for (const [key, rule] of desired) {
      const listener = this.listeners.get(key) ?? (await this.open(rule));
      if (listener === undefined) {
        retryAt = Math.min(retryAt ?? Infinity, this.failed.get(key) ?? 0);
        continue;
      }
      listener.setEndpoints(rule.endpoints);
      const before = this.rules.get(key);
      if (before === undefined || before.endpoints.map((e) => `${e.ip}:${e.port}`).join() !== rule.endpoints.map((e) => `${e.ip}:${e.port}`).join()) {
        this.options.logger.info({ service: rule.service, listen: key, endpoints: rule.endpoints.map((e) => `${e.ip}:${e.port}`) }, 'Updated the endpoints of a Service port');
      }
      this.rules.set(key, rule);
    }
    if (retryAt !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.schedule(), Math.max(0, retryAt - Date.now()));
      this.retryTimer.unref();
    }
    await this.writeHosts(formatServiceHosts(hostEntries(services, pods)));
  }

  /** Binds a new listener; undefined (logged once, retried later) when the address is taken. */
  private async open(rule: ProxyRule): Promise<PortListener | undefined> {
    const retryAt = this.failed.get(rule.key);
    if (retryAt !== undefined && retryAt > Date.now()) return undefined;
    const listener = new PortListener(rule.ip, rule.port, (error, endpoint) =>
      this.options.logger.warn({ service: rule.service, endpoint: `${endpoint.ip}:${endpoint.port}`, pod: endpoint.pod, error: error.message }, 'Failed to connect to a Service endpoint'),
    );
    try {
      await listener.listen();
    } catch (error) {
      if (retryAt === undefined) this.options.logger.warn({ service: rule.service, listen: rule.key, error: errorMessage(error) }, 'Failed to listen on a Service port; retrying');
      this.failed.set(rule.key, Date.now() + RETRY_BIND_MS);
      return undefined;
    }
    this.failed.delete(rule.key);
    this.listeners.set(rule.key, listener);
    this.options.logger.info({ service: rule.service, listen: rule.key }, 'Proxying a Service port');
    return listener;
  }

  /** Replaces the hosts file atomically (a reader sees the old or the new file, never a part). */
  private async writeHosts(text: string): Promise<void> {
    if (text === this.hostsText) return;
    const temp = `${this.options.hostsFile}.${process.pid}.tmp`;
    await writeFile(temp, text);
    await rename(temp, this.options.hostsFile);
    this.hostsText = text;
  }
}

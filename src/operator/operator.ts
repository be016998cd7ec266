import type { KubeConfig } from '@kubernetes/client-node';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { startConsole, type RunningConsole } from '../console/console.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { gitWebhookRoutes } from '../runtime/http/git-webhook.js';
import { buildServer } from '../runtime/http/server.js';
import type { KubeClient } from '../runtime/kube/client.js';
import { loadRestConfig } from '../runtime/kube/config.js';
import { HttpKubeClient } from '../runtime/kube/http-client.js';
import type { RestConfig } from '../runtime/kube/rest-config.js';
import { Manager } from '../runtime/manager.js';
import { createOperatorMetrics } from '../runtime/metrics.js';
import { defaultComponents, type OperatorComponents } from './components.js';
import { replicaIdentity } from './identity.js';
import type { OperatorOptions } from './options.js';

/** The process's I/O, injected so tests run operators in-process (two replicas in one test, say). */
export interface OperatorIO {
  log: Logger;
  /** Defaults to a fresh Registry with the process default metrics. */
  registry?: Registry;
  /**
   * Defaults to loading options.kubeconfig / in-cluster config. A @kubernetes/client-node KubeConfig is accepted
   * too (tests build them); the type import loads nothing.
   */
  kubeConfig?: RestConfig | KubeConfig;
  /** Defaults to an HttpKubeClient over kubeConfig. */
  kube?: KubeClient;
  clock?: Clock;
  identity?: string;
  components?: OperatorComponents;
}

export interface RunningOperator {
  manager: Manager;
  server: FastifyInstance;
  /** `http://host:port` the HTTP server listens on. */
  address: string;
  /** The read-only web console, with --console-bind-address. */
  console?: RunningConsole;
  identity: string;
  /** Graceful stop: stop accepting HTTP, stop informers, drain reconciles, release the Lease. */
  stop(): Promise<void>;
}

/**
 * Wires and starts one operator replica: kube client, metrics registry, manager (informers, controllers,
 * leader election, events), and the HTTP server (/healthz, /readyz, /metrics, Git webhook).
 */
export async function startOperator(options: OperatorOptions, io: OperatorIO): Promise<RunningOperator> {
  const log = io.log;
  const registry = io.registry ?? defaultRegistry();
  const metrics = createOperatorMetrics(registry);
  const kube = io.kube ?? new HttpKubeClient(io.kubeConfig ?? loadRestConfig({ kubeconfig: options.kubeconfig, context: options.context }));
  const identity = io.identity ?? replicaIdentity();
  const components = io.components ?? defaultComponents(options);
  const manager = new Manager({
    kube,
    clock: io.clock ?? systemClock(),
    log,
    metrics,
    identity,
    namespaces: options.namespaces,
    settings: { allowFileUrls: options.allowFileUrls, gitCacheDir: options.gitCacheDir, fieldManager: 'cairn' },
    drainTimeoutMs: options.drainTimeoutMs,
    leaderElection: options.leaderElect
      ? {
          namespace: options.leaseNamespace,
          name: options.leaseName,
          leaseDurationMs: options.leaseDurationMs,
          renewDeadlineMs: options.renewDeadlineMs,
          retryPeriodMs: options.retryPeriodMs,
        }
      : undefined,
  });
  for (const factory of components.controllers) manager.add(factory);
  const server = await buildServer({
    registry,
    log,
    health: {
      live: () => true,
      ready: () => ({ ready: manager.ready(), leader: manager.isLeader(), informers: manager.informers.health() }),
    },
    routes: components.gitWebhook ? [gitWebhookRoutes({ callbacks: components.gitWebhook(manager, kube), log, metrics })] : [],
  });
  const address = await server.listen({ host: options.host, port: options.port });
  let webConsole: RunningConsole | undefined;
  try {
    webConsole = options.console ? await startOperatorConsole(options, kube, io) : undefined;
  } catch (err) {
    await server.close();
    throw err;
  }
  manager.start();
  log.info(
    { address, ...(webConsole ? { console: webConsole.url } : {}), replica: identity, namespaces: options.namespaces.length ? options.namespaces : 'all', leaderElect: options.leaderElect, allowFileUrls: options.allowFileUrls },
    'Started operator',
  );
  let stopping: Promise<void> | undefined;
  return {
    manager,
    server,
    address,
    ...(webConsole ? { console: webConsole } : {}),
    identity,
    stop: () =>
      (stopping ??= (async () => {
        // Stop taking requests, but never wait on a slow client before draining the controllers and releasing
        // the lease: connections still open after a moment are cut.
        const closed = server.close();
        const cut = setTimeout(() => server.server.closeAllConnections(), 2_000);
        await closed;
        clearTimeout(cut);
        await webConsole?.stop();
        await manager.stop();
        log.info('Stopped operator');
      })()),
  };
}

/**
 * The web console of `cairn console`, served from the operator for in-cluster use: its own watches with the
 * operator's client (so it shows what the operator's ServiceAccount may list: get/list/watch only), read-only.
 */
function startOperatorConsole(options: OperatorOptions, kube: KubeClient, io: OperatorIO): Promise<RunningConsole> {
  const { host, port } = options.console!;
  return startConsole(
    {
      address: host,
      port,
      namespaces: options.namespaces,
      readOnly: true,
      readOnlyReason: 'the operator serves the console read-only: promote or abort with `cairn rollout promote|abort` or `cairn console` and your own credentials',
    },
    { kube, clock: io.clock ?? systemClock(), log: io.log.child({ component: 'console' }), now: () => new Date() },
  );
}

function defaultRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

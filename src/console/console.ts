/**
 * `cairn console` as a function: watches the cluster with the given client, bundles the page, and serves both.
 * `cairn console` listens on a loopback address with the user's credentials; `cairn operator
 * --console-bind-address` on the pod's address with the operator's, read-only. The caller decides when to stop
 * (docs/style.md §10).
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Clock } from '../runtime/clock.js';
import type { KubeClient } from '../runtime/kube/client.js';
import { requestRolloutAction } from './actions.js';
import { consoleScripts } from './bundle.js';
import { ClusterView } from './cluster.js';
import { buildConsoleServer } from './server.js';

export interface ConsoleOptions {
  address: string;
  /** 0 picks a free port. */
  port: number;
  /** The namespaces to watch; empty or absent watches all. */
  namespaces?: readonly string[];
  readOnly: boolean;
  /** Why the console is read-only, said to a refused promote or abort (default: the --read-only flag). */
  readOnlyReason?: string;
}

export interface ConsoleIo {
  kube: KubeClient;
  clock: Clock;
  log: Logger;
  now: () => Date;
}

export interface RunningConsole {
  url: string;
  view: ClusterView;
  stop(): Promise<void>;
}

export async function startConsole(options: ConsoleOptions, io: ConsoleIo): Promise<RunningConsole> {
  const scripts = await consoleScripts();
  const view = new ClusterView({ kube: io.kube, readOnly: options.readOnly, clock: io.clock, log: io.log, ...(options.namespaces?.length ? { namespaces: options.namespaces } : {}) });
  view.start();
  const server = buildConsoleServer({
    view,
    scripts,
    log: io.log,
    ...(options.readOnly ? (options.readOnlyReason ? { readOnlyReason: options.readOnlyReason } : {}) : { act: (namespace, name, action) => requestRolloutAction(io.kube, namespace, name, action, io.now()) }),
  });
  server.listen(options.port, options.address);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const host = options.address.includes(':') ? `[${options.address}]` : options.address;
  return {
    url: `http://${host}:${port}/`,
    view,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await view.stop();
    },
  };
}

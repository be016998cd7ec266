import './node-compat.js';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { missingBinaries } from './binaries.js';
import { startApiServer } from './components/apiserver.js';
import type { ComponentContext } from './components/context.js';
import { startControllerManager } from './components/controller-manager.js';
import { startEtcd } from './components/etcd.js';
import { startKwok } from './components/kwok.js';
import { startScheduler } from './components/scheduler.js';
import { createFakeNodes } from './fake-nodes.js';
import { writeKubeconfig } from './kubeconfig.js';
import type { Logger } from './logger.js';
import { generatePki, type Pki } from './pki.js';
import { allocatePorts } from './ports.js';
import type { ManagedProcess, SpawnOptions } from './process.js';
import { Run } from './run.js';
import { waitFor } from './wait.js';

export interface ControlPlaneOptions {
  /** Directory with the binaries built by scripts/testenv/build.sh (see ensureBinaries). */
  binDir: string;
  logger: Logger;
  /** Parent of the run directories (default `$CAIRN_TESTENV_STATE` or `<tmpdir>/cairn-testenv`). */
  stateRoot?: string;
  /** Number of kwok fake nodes (default 2). */
  kwokNodes?: number;
  /** Deadline for each component to come up (default 120 s: a cold start on a busy 2-core machine). */
  startTimeoutMs?: number;
  /** SIGTERM-to-SIGKILL grace on stop (default 5 s). */
  stopGraceMs?: number;
  /**
   * The Services' ClusterIP range, inside loopback (default 127.0.64.0/18). Two control planes on one machine
   * (the tests' and the demo's, or `cairn dev`'s) need disjoint ones: their local nodes listen on the ClusterIPs.
   */
  serviceCidr?: string;
}

/** Loopback ports the control plane listens on. */
export interface ControlPlanePorts {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

export interface ControlPlane {
  /** The run directory: certificates, etcd data, logs/, kubeconfigs; removed by stop(). */
  readonly dir: string;
  readonly binDir: string;
  /** Admin kubeconfig (client certificate in group system:masters). */
  readonly kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** CA of the API server's serving certificate. */
  readonly caFile: string;
  readonly pki: Pki;
  readonly ports: ControlPlanePorts;
  readonly kwokNodes: string[];
  /** A KubeConfig loaded from the admin kubeconfig. */
  kubeConfig(): KubeConfig;
  /** Starts an extra process tied to this run (ended by stop(), or by the watchdog if the owner dies). */
  spawn(options: SpawnOptions): ManagedProcess;
  /** Components by name (etcd, kube-apiserver, ...), for logs and liveness. */
  readonly components: ReadonlyMap<string, ManagedProcess>;
  /**
   * Stops kube-apiserver (SIGTERM, as in a rolling upgrade of a control-plane node) and starts it again on the
   * same port with the same etcd, resolving when it is ready: how tests prove that clients survive a restart.
   */
  restartApiServer(): Promise<void>;
  /** Stops every process (SIGTERM, then SIGKILL after the grace period) and removes the run directory. */
  stop(): Promise<void>;
}

/** The environment components start with: a few variables from the caller, nothing else. */
function componentEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? homedir(),
    LANG: 'C.UTF-8',
  };
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok (with its fake nodes) on free
 * loopback ports, in a fresh run directory, and waits until they are ready: API server /readyz, namespace
 * `default` and its ServiceAccount `default` (the serviceaccount controller works), controller-manager and
 * scheduler /healthz, kwok nodes Ready. Any failure stops what was started and throws with the failing
 * component's last log lines.
 */
export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { logger, binDir } = options;
  const missing = await missingBinaries(binDir);
  if (missing.length > 0) throw new Error(`test environment binaries missing in ${binDir}: ${missing.join(', ')} (run scripts/testenv/build.sh)`);
  const started = Date.now();
  const run = await Run.create({ stateRoot: options.stateRoot, logger, graceMs: options.stopGraceMs });
  const components = new Map<string, ManagedProcess>();
  const graceMs = options.stopGraceMs ?? 5_000;
  try {
    await mkdir(run.path('logs'));
    const ctx: ComponentContext = { run, binDir, logger, timeoutMs: options.startTimeoutMs ?? 120_000, env: componentEnv() };
    const [etcdClient, etcdPeer, apiserverPort, kcmPort, schedulerPort, kwokPort] = (await allocatePorts(6)) as [number, number, number, number, number, number];
    const ports: ControlPlanePorts = { etcdClient, etcdPeer, apiserver: apiserverPort, controllerManager: kcmPort, scheduler: schedulerPort, kwok: kwokPort };
    const pki = await generatePki(run.path('pki'));

    const etcd = await startEtcd(ctx, { client: etcdClient, peer: etcdPeer });
    components.set('etcd', etcd.proc);
    const apiserver = await startApiServer(ctx, { port: apiserverPort, etcdUrl: etcd.url, pki, ...(options.serviceCidr ? { serviceCidr: options.serviceCidr } : {}) });
    components.set('kube-apiserver', apiserver.proc);
    const kubeconfigPath = await writeKubeconfig(run.path('admin.kubeconfig'), {
      name: 'cairn-testenv',
      server: apiserver.server,
      caFile: pki.caCert,
      credentials: { clientCertFile: pki.adminCert, clientKeyFile: pki.adminKey },
    });
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    await waitFor(async () => ((await core.readNamespace({ name: 'default' })) ? true : undefined), {
      what: 'namespace default',
      timeoutMs: ctx.timeoutMs,
      watch: [etcd.proc, apiserver.proc],
    });
    logger.info({ server: apiserver.server, elapsedMs: Date.now() - started }, 'Started etcd and kube-apiserver');

    const [kcm, scheduler, kwok] = await Promise.all([
      startControllerManager(ctx, { port: kcmPort, kubeconfig: kubeconfigPath, pki }).then((p) => (components.set(p.name, p), p)),
      startScheduler(ctx, { port: schedulerPort, kubeconfig: kubeconfigPath }).then((p) => (components.set(p.name, p), p)),
      startKwok(ctx, { port: kwokPort, kubeconfig: kubeconfigPath }).then((p) => (components.set(p.name, p), p)),
    ]);
    const all = [etcd.proc, apiserver.proc, kcm, scheduler, kwok];
    const kwokNodes = Array.from({ length: options.kwokNodes ?? 2 }, (_, i) => `kwok-node-${i}`);
    await createFakeNodes(kc, kwokNodes, { timeoutMs: ctx.timeoutMs, watch: all });
    await waitFor(async () => ((await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' })) ? true : undefined), {
      what: 'ServiceAccount default/default (serviceaccount controller)',
      timeoutMs: ctx.timeoutMs,
      watch: all,
    });
    logger.info({ server: apiserver.server, dir: run.dir, elapsedMs: Date.now() - started }, 'Started the control plane');

    let stopping: Promise<void> | undefined;
    return {
      dir: run.dir,
      binDir,
      kubeconfigPath,
      server: apiserver.server,
      caFile: pki.caCert,
      pki,
      ports,
      kwokNodes,
      components,
      kubeConfig: () => {
        const config = new KubeConfig();
        config.loadFromFile(kubeconfigPath);
        return config;
      },
      spawn: (spawnOptions) => run.spawn(spawnOptions),
      restartApiServer: async () => {
        await components.get('kube-apiserver')?.stop(graceMs);
        const restarted = await startApiServer(ctx, { port: apiserverPort, etcdUrl: etcd.url, pki, ...(options.serviceCidr ? { serviceCidr: options.serviceCidr } : {}) });
        components.set('kube-apiserver', restarted.proc);
        logger.info({ server: restarted.server }, 'Restarted kube-apiserver');
      },
      stop: () => (stopping ??= stopAll(run, components, graceMs, logger)),
    };
  } catch (error) {
    await stopAll(run, components, graceMs, logger);
    throw error;
  }
}

/** Stops the components in reverse dependency order, then everything else of the run, and removes its dir. */
async function stopAll(run: Run, components: Map<string, ManagedProcess>, graceMs: number, logger: Logger): Promise<void> {
  const started = Date.now();
  const byName = (names: string[]): ManagedProcess[] => names.flatMap((name) => components.get(name) ?? []);
  await Promise.all(byName(['kwok', 'kube-scheduler', 'kube-controller-manager']).map((p) => p.stop(graceMs)));
  await Promise.all(byName(['kube-apiserver']).map((p) => p.stop(graceMs)));
  await Promise.all(byName(['etcd']).map((p) => p.stop(graceMs)));
  await run.close(graceMs);
  logger.info({ dir: run.dir, elapsedMs: Date.now() - started }, 'Stopped the control plane');
}

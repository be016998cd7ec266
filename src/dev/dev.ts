/**
 * `cairn dev`: a local cluster with Cairn in it, for trying Cairn on your own YAML with no Docker. Compiles src/ to
 * dist/ when the sources changed (the operator and the pods' `cairn` run compiled, as the image does: src/dev/compiled.ts),
 * builds (first run) or reuses the control plane and the example trainer's Python environment, starts them with the local node
 * and an S3 server, installs the CRDs, gives
 * pods in `default` their storage credentials (Secret `cairn-storage`), starts `cairn operator` unless told not
 * to, writes the admin kubeconfig and prints the `export KUBECONFIG=...` line; then waits. Stopping (Ctrl-C,
 * SIGTERM) ends every process it started and removes the run directory and the kubeconfig it wrote.
 */
import { chmod, copyFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { kinds } from '../api/kinds/index.js';
import { installCrds, startOperatorInPlane } from '../demo/cluster.js';
import { demoLogger, step } from '../demo/progress.js';
import { SERVICE_HOSTS_ENV } from '../net/service-hosts.js';
import { storageSecretName } from '../render/trial-job.js';
import { HttpKubeClient } from '../runtime/kube/http-client.js';
import type { KubeObject } from '../runtime/kube/object.js';
import { builtin } from '../runtime/kube/resource.js';
import type { S3Server } from '../testenv/index.js';
import { ensureTrainerEnv, TRAINER_REQUIREMENTS } from '../testenv/trainer-env.js';
import { startLocalCluster, type LocalCluster } from './cluster.js';
import { ensureCompiledCairn, FROM_DIST_ENV } from './compiled.js';

export interface DevOptions {
  root: string;
  /** Copy the admin kubeconfig here (removed on stop); default: the one inside the run directory. */
  kubeconfigOut?: string;
  /** Start `cairn operator` (false: run it yourself, e.g. from an IDE). */
  operator: boolean;
  /** Where the run directory goes (default ~/.cache/cairn/runs). */
  stateRoot?: string;
  /** The S3 bucket made for the examples. */
  bucket: string;
  out: (line: string) => void;
  /** Resolves when the user asks to stop. */
  interrupted: Promise<void>;
  /** Called once everything is up, with what a client needs (tests use it). */
  onReady?: (ready: DevReady) => void;
}

export interface DevReady {
  kubeconfig: string;
  runDir: string;
  server: string;
  s3Endpoint: string;
  /** `http://host:port` of the operator's metrics, probes and webhook receiver, when it runs. */
  operatorAddress?: string;
}

const fieldManager = 'cairn-dev';
/** Not the tests' 127.0.1.x, so `cairn dev` and an integration run can share the machine. */
const DEV_POD_IPS = '127.0.2.';
/** Nor the tests' ClusterIPs (127.0.64.0/18): this node listens on its Services' ClusterIPs beside theirs. */
const DEV_SERVICE_CIDR = '127.0.192.0/18';

/** The keys `cairn fetch` and `cairn upload` read (docs/contracts.md §1), for pods of the local node. */
export function storageCredentials(s3: Pick<S3Server, 'accessKeyId' | 'secretAccessKey' | 'region' | 'endpoint'>): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
    CAIRN_S3_ENDPOINT: s3.endpoint,
    CAIRN_S3_PATH_STYLE: 'true',
  };
}

export async function runDev(options: DevOptions): Promise<void> {
  const started = Date.now();
  let stopRequested = false;
  void options.interrupted.then(() => (stopRequested = true));
  const say = (line: string) => options.out(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}`);
  let cluster: LocalCluster | undefined;
  let wroteKubeconfig: string | undefined;
  try {
    // The operator and the pods run `cairn` compiled, as the image does (no compiler in each container start).
    await step('compiling src/ to dist/ (npm run build)', () => ensureCompiledCairn({ root: options.root, say }));
    say("Checking the example trainer's Python environment (made on first use: about a minute)");
    const trainer = await step(`making the example trainer's Python environment (pip install -r ${TRAINER_REQUIREMENTS})`, () =>
      ensureTrainerEnv({ root: options.root, log: (line) => say(`  ${line}`) }),
    );
    if (stopRequested) return;
    say('Starting the control plane, the local node and an S3 server (the binaries are built on first use: ~30 min on 2 cores)');
    cluster = await step('starting the local cluster', () =>
      startLocalCluster({ root: options.root, trainerPython: trainer.python, logger: demoLogger(say), buildLogger: demoLogger(say, { info: true }), stateRoot: options.stateRoot, buckets: [options.bucket], podIpPrefix: DEV_POD_IPS, serviceCidr: DEV_SERVICE_CIDR, kwokNodes: 0, cairnFromDist: true }),
    );
    const { plane, agent } = cluster;
    const s3 = cluster.s3!;
    say(`Control plane up at ${plane.server}; node ${agent.nodeName} runs pods as local processes; S3 at ${s3.endpoint} (bucket ${options.bucket})`);
    if (stopRequested) return;

    const kube = new HttpKubeClient(plane.kubeConfig());
    await step('installing the CRDs of crds/', () => installCrds(kube, join(options.root, 'crds'), fieldManager, { stopped: () => stopRequested }));
    say(`Installed the CRDs of ${kinds.map((k) => k.kind).join(', ')}`);
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: storageSecretName, namespace: 'default' }, stringData: storageCredentials(s3) };
    await step(`creating Secret default/${storageSecretName}`, () => kube.apply(builtin.secret, secret as KubeObject, { fieldManager }));

    let operatorAddress: string | undefined;
    if (options.operator) {
      const operator = await step('starting cairn operator', () =>
        startOperatorInPlane(plane, options.root, {
          podName: 'cairn-dev',
          env: { [SERVICE_HOSTS_ENV]: agent.serviceHostsFile, [FROM_DIST_ENV]: '1' },
          poll: { stopped: () => stopRequested },
        }),
      );
      operatorAddress = operator.address;
      say(`Started cairn operator at ${operator.address}, all namespaces (log: ${operator.logFile})`);
    } else {
      say(`Not starting the operator (--no-operator). Run it with: ${SERVICE_HOSTS_ENV}=${agent.serviceHostsFile} cairn operator --kubeconfig <kubeconfig>`);
    }

    let kubeconfig = plane.kubeconfigPath;
    if (options.kubeconfigOut) {
      kubeconfig = resolve(options.kubeconfigOut);
      await copyFile(plane.kubeconfigPath, kubeconfig);
      await chmod(kubeconfig, 0o600);
      wroteKubeconfig = kubeconfig;
    }
    options.onReady?.({ kubeconfig, runDir: plane.dir, server: plane.server, s3Endpoint: s3.endpoint, operatorAddress });
    options.out('');
    options.out(`export KUBECONFIG=${kubeconfig}`);
    options.out(`export PATH=${plane.binDir}:$PATH   # kubectl and helm of the same version as the control plane`);
    options.out('');
    say(`Ready. kubectl apply -f works as on a cluster; pods reach s3://${options.bucket}/ with the Secret ${storageSecretName}. Ctrl-C stops everything.`);
    await options.interrupted;
  } finally {
    if (cluster) say('Stopping the operator, the pods, the S3 server and the control plane');
    await cluster?.stop();
    if (wroteKubeconfig) await rm(wroteKubeconfig, { force: true });
    if (cluster) say('Stopped; nothing left running');
  }
}

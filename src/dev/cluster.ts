/**
 * A local cluster with no Docker: the real control plane (src/testenv/), Cairn's local node that runs the pods
 * bound to it as local processes (src/localnode/), and optionally a real S3 server. `cairn dev` and the
 * integration tests start it the same way, so a pod behaves the same under both.
 */
import { join } from 'node:path';
import { defaultImages, NodeAgent, type ImageCommand } from '../localnode/index.js';
import { ensureBinaries, startControlPlane, startS3Server, type ControlPlane, type Logger, type S3Server } from '../testenv/index.js';

export interface LocalClusterOptions {
  /** The checkout: scripts/testenv/build.sh, bin/cairn.js and examples/ live here. */
  root: string;
  logger: Logger;
  /** Progress of the binaries' first build (default: `logger`). */
  buildLogger?: Logger;
  /** Where the run directory goes (default ~/.cache/cairn/runs). */
  stateRoot?: string;
  /** Image entries beside defaultImages(root). */
  images?: Iterable<[string, ImageCommand]>;
  /** Start an S3 server with these buckets (none: no S3 server). */
  buckets?: string[];
  /** The node's pod IPs, `127.x.y.` (default 127.0.1.): another local cluster on the machine needs another. */
  podIpPrefix?: string;
  /** The example trainer's interpreter (src/testenv/trainer-env.ts); default $CAIRN_TRAINER_PYTHON, else python3. */
  trainerPython?: string;
  /** kwok's fake nodes (default 2), which fake only the Pods that tolerate kwok's taint. */
  kwokNodes?: number;
  /** The Services' ClusterIP range (default the tests' 127.0.64.0/18): another local cluster on the machine needs another. */
  serviceCidr?: string;
  /** The `cairn` image runs dist/ (src/dev/compiled.ts must have built it), as the container image does. */
  cairnFromDist?: boolean;
}

export interface LocalCluster {
  plane: ControlPlane;
  agent: NodeAgent;
  s3: S3Server | undefined;
  /** Wall time of binaries + control plane + node (+ S3 server) start. */
  startMs: number;
  /** Stops the node (its pods first), the S3 server and the control plane, and removes the run directory. */
  stop(): Promise<void>;
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const started = Date.now();
  const binDir = await ensureBinaries({ root: options.root, logger: options.buildLogger ?? options.logger });
  const plane = await startControlPlane({ binDir, logger: options.logger, stateRoot: options.stateRoot, kwokNodes: options.kwokNodes, ...(options.serviceCidr ? { serviceCidr: options.serviceCidr } : {}) });
  const agent = new NodeAgent({
    kubeConfig: plane.kubeConfig(),
    server: plane.server,
    caFile: plane.caFile,
    spawn: (spawnOptions) => plane.spawn(spawnOptions),
    images: new Map([...defaultImages(options.root, { trainerPython: options.trainerPython, cairnFromDist: options.cairnFromDist }), ...(options.images ?? [])]),
    stateDir: join(plane.dir, 'pods'),
    logger: options.logger,
    podIpPrefix: options.podIpPrefix,
    // the `cairn` and example-trainer images run this checkout's files: a Job's /tmp volume must not hide them
    visiblePaths: [options.root],
    kubeletTls: { certFile: plane.pki.nodeServingCert, keyFile: plane.pki.nodeServingKey, clientCaFile: plane.pki.caCert },
  });
  let s3: S3Server | undefined;
  try {
    await agent.start();
    if (options.buckets) {
      s3 = await startS3Server({ binDir, dir: join(plane.dir, 's3'), logger: options.logger, spawn: (o) => plane.spawn(o), buckets: options.buckets });
    }
  } catch (error) {
    await agent.stop().catch(() => undefined);
    await plane.stop();
    throw error;
  }
  let stopping: Promise<void> | undefined;
  return {
    plane,
    agent,
    s3,
    startMs: Date.now() - started,
    stop: () =>
      (stopping ??= (async () => {
        await agent.stop();
        await s3?.stop();
        await plane.stop();
      })()),
  };
}

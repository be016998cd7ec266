/**
 * A real S3-compatible server for the storage tests and benchmarks: versitygw (built by
 * scripts/testenv/build.sh) with its posix backend over a folder of the run directory, on a free loopback
 * port, with a root access key and secret. Buckets are folders of that data folder.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { homedir } from 'node:os';
import type { Logger } from './logger.js';
import { allocatePorts, isPortClosed } from './ports.js';
import type { ManagedProcess, SpawnOptions } from './process.js';
import { Run } from './run.js';
import { http200, waitFor } from './wait.js';

export interface S3ServerOptions {
  binDir: string;
  /** Folder for the server's data (`data/`, one sub-folder per bucket) and log; created when missing. */
  dir: string;
  logger: Logger;
  /**
   * Starts a process tied to a test environment run (ControlPlane.spawn). Without it the server gets a run of
   * its own (state under `stateRoot`), ended by stop() or by the run's watchdog.
   */
  spawn?: (options: SpawnOptions) => ManagedProcess;
  stateRoot?: string;
  /** Buckets to create before the server starts. */
  buckets?: string[];
  region?: string;
  /** Deadline for the server to answer (default 60 s). */
  timeoutMs?: number;
}

/** What tests need to reach the server: plain JSON, so it can go through vitest's provide/inject. */
export interface S3ServerInfo {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  port: number;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The posix backend's root: `<dataDir>/<bucket>/<key>`. */
  dataDir: string;
  logFile: string;
}

export interface S3Server extends S3ServerInfo {
  readonly proc: ManagedProcess;
  /** Stops the server (SIGTERM, SIGKILL after 5 s) and waits until its port is closed. */
  stop(): Promise<void>;
}

export async function startS3Server(options: S3ServerOptions): Promise<S3Server> {
  const region = options.region ?? 'us-east-1';
  const dataDir = join(options.dir, 'data');
  await mkdir(dataDir, { recursive: true });
  for (const bucket of options.buckets ?? []) await mkdir(join(dataDir, bucket), { recursive: true });
  const ownRun = options.spawn ? undefined : await Run.create({ stateRoot: options.stateRoot, logger: options.logger });
  const spawn = options.spawn ?? ((spawnOptions: SpawnOptions) => ownRun!.spawn(spawnOptions));
  const [port] = (await allocatePorts(1)) as [number];
  const accessKeyId = `cairn${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const logFile = join(options.dir, 'versitygw.log');
  const endpoint = `http://127.0.0.1:${port}`;
  let proc: ManagedProcess | undefined;
  const stop = async (): Promise<void> => {
    await proc?.stop(5_000);
    if (!(await isPortClosed(port))) options.logger.warn({ port }, 'versitygw port still open after stop');
    await ownRun?.close();
  };
  try {
    proc = spawn({
      name: 'versitygw',
      command: join(options.binDir, 'versitygw'),
      // The key pair goes in the environment, not the arguments, so `ps` does not show it.
      args: ['--port', `127.0.0.1:${port}`, '--region', region, '--health', '/health', '--quiet', 'posix', dataDir],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? homedir(),
        ROOT_ACCESS_KEY_ID: accessKeyId,
        ROOT_SECRET_ACCESS_KEY: secretAccessKey,
      },
      cwd: options.dir,
      logFile,
    });
    await waitFor(http200(`${endpoint}/health`), { what: 'versitygw /health', timeoutMs: options.timeoutMs ?? 60_000, watch: [proc] });
  } catch (error) {
    await stop();
    throw error;
  }
  options.logger.info({ endpoint, dataDir }, 'Started versitygw');
  return { endpoint, port, region, accessKeyId, secretAccessKey, dataDir, logFile, proc, stop };
}

/** The plain-JSON part of a server, for provide/inject. */
export function s3ServerInfo(server: S3Server): S3ServerInfo {
  const { endpoint, port, region, accessKeyId, secretAccessKey, dataDir, logFile } = server;
  return { endpoint, port, region, accessKeyId, secretAccessKey, dataDir, logFile };
}

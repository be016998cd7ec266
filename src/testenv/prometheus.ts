/**
 * A real Prometheus for the rollout-analysis tests: the binary of scripts/testenv/build-prometheus.sh on a free
 * loopback port, with its TSDB in a temporary run directory, scraping every 1 s the targets a test lists in a
 * file_sd file (setTargets), so targets can be added after it started (a pod's address is known only once
 * the pod runs). Started by the test file that needs it, never by the global setup: the others do not pay
 * for its build or its start.
 */
import { rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import type { Logger } from './logger.js';
import { allocatePorts, isPortClosed } from './ports.js';
import type { ManagedProcess } from './process.js';
import { ensurePrometheus } from './prometheus-binary.js';
import { Run } from './run.js';
import { http200, httpStatus, waitFor } from './wait.js';

/** The scrape job every target of setTargets belongs to. */
export const PROMETHEUS_JOB = 'cairn-test';

export interface PrometheusTargetGroup {
  /** host:port addresses whose /metrics Prometheus scrapes. */
  targets: string[];
  /** Labels added to every series of these targets. */
  labels?: Record<string, string>;
}

export interface PrometheusOptions {
  logger: Logger;
  /** The prometheus binary; built (or taken from the cache) by ensurePrometheus when not given. */
  binary?: string;
  /** Run directories go under this root (default `$CAIRN_TESTENV_STATE` or `<tmpdir>/cairn-testenv`). */
  stateRoot?: string;
  /** Targets to scrape from the start; setTargets replaces them. */
  targets?: PrometheusTargetGroup[];
  /** Scrape and rule-evaluation interval (default 1s). */
  scrapeInterval?: string;
  /** Deadline for /-/ready (default 60 s). */
  timeoutMs?: number;
}

export interface PrometheusTarget {
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

export interface Prometheus {
  /** http://127.0.0.1:<port>: the address queryPrometheus takes. */
  readonly address: string;
  readonly port: number;
  /** Its run directory (config, targets file, TSDB, log): removed by stop(). */
  readonly dir: string;
  readonly logFile: string;
  readonly proc: ManagedProcess;
  /** Replaces the scraped targets (the file_sd file is rewritten whole; Prometheus picks it up within a second). */
  setTargets(groups: PrometheusTargetGroup[]): Promise<void>;
  /** The targets Prometheus is scraping now, from /api/v1/targets. */
  activeTargets(): Promise<PrometheusTarget[]>;
  /** Stops Prometheus (SIGTERM, SIGKILL after 10 s), waits for its port to close and removes its directory. */
  stop(): Promise<void>;
}

function configYaml(interval: string, targetsFile: string): string {
  // JSON is YAML: no YAML library needed for three levels of keys.
  return JSON.stringify({
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    scrape_configs: [{ job_name: PROMETHEUS_JOB, file_sd_configs: [{ files: [targetsFile], refresh_interval: interval }] }],
  });
}

export async function startPrometheus(options: PrometheusOptions): Promise<Prometheus> {
  const binary = options.binary ?? (await ensurePrometheus({ logger: options.logger }));
  const run = await Run.create({ stateRoot: options.stateRoot, logger: options.logger });
  const interval = options.scrapeInterval ?? '1s';
  const targetsFile = run.path('targets.json');
  const configFile = run.path('prometheus.yml');
  const logFile = run.path('prometheus.log');
  let proc: ManagedProcess | undefined;
  let port = 0;
  const setTargets = async (groups: PrometheusTargetGroup[]): Promise<void> => {
    // Written beside, then renamed: Prometheus never reads a half-written file.
    await writeFile(`${targetsFile}.tmp`, JSON.stringify(groups.map((g) => ({ targets: g.targets, labels: g.labels ?? {} }))));
    await rename(`${targetsFile}.tmp`, targetsFile);
  };
  const stop = async (): Promise<void> => {
    await proc?.stop(10_000);
    if (port > 0 && !(await isPortClosed(port))) options.logger.warn({ port }, 'Prometheus port still open after stop');
    await run.close();
  };
  try {
    await setTargets(options.targets ?? []);
    await writeFile(configFile, configYaml(interval, targetsFile));
    [port] = (await allocatePorts(1)) as [number];
    proc = run.spawn({
      name: 'prometheus',
      command: binary,
      args: [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${run.path('data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.format=json',
      ],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? homedir() },
      cwd: run.dir,
      logFile,
    });
    await waitFor(http200(`http://127.0.0.1:${port}/-/ready`), { what: 'Prometheus /-/ready', timeoutMs: options.timeoutMs ?? 60_000, watch: [proc] });
  } catch (error) {
    await stop();
    throw error;
  }
  const address = `http://127.0.0.1:${port}`;
  options.logger.info({ address, dir: run.dir }, 'Started Prometheus');
  const activeTargets = async (): Promise<PrometheusTarget[]> => {
    const { status, body } = await httpStatus(`${address}/api/v1/targets?state=active`);
    if (status !== 200) throw new Error(`GET ${address}/api/v1/targets answered ${status}: ${body.slice(0, 200)}`);
    const answer = JSON.parse(body) as { data: { activeTargets: PrometheusTarget[] } };
    return answer.data.activeTargets.map(({ scrapeUrl, health, lastError }) => ({ scrapeUrl, health, lastError }));
  };
  return { address, port, dir: run.dir, logFile, proc, setTargets, activeTargets, stop };
}


import { join } from 'node:path';
import type { ManagedProcess } from '../process.js';
import { http200, waitFor } from '../wait.js';
import { LOOPBACK, type ComponentContext } from './context.js';

export interface Etcd {
  proc: ManagedProcess;
  url: string;
}

/** Single-member etcd on loopback, fsync off (envtest's flags plus an explicit initial cluster). */
export async function startEtcd(ctx: ComponentContext, ports: { client: number; peer: number }): Promise<Etcd> {
  const url = `http://${LOOPBACK}:${ports.client}`;
  const peer = `http://${LOOPBACK}:${ports.peer}`;
  const proc = ctx.run.spawn({
    name: 'etcd',
    command: join(ctx.binDir, 'etcd'),
    args: [
      '--name=default',
      `--data-dir=${ctx.run.path('etcd')}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    env: ctx.env,
    logFile: ctx.run.path('logs', 'etcd.log'),
  });
  await waitFor(http200(`${url}/health`), { what: 'etcd /health', timeoutMs: ctx.timeoutMs, watch: [proc] });
  return { proc, url };
}

import { join } from 'node:path';
import type { ManagedProcess } from '../process.js';
import { http200, waitFor } from '../wait.js';
import { LOOPBACK, type ComponentContext } from './context.js';

/** kube-scheduler with the default profile; it binds Pods to kwok nodes and to the local node agent's node. */
export async function startScheduler(ctx: ComponentContext, options: { port: number; kubeconfig: string }): Promise<ManagedProcess> {
  const proc = ctx.run.spawn({
    name: 'kube-scheduler',
    command: join(ctx.binDir, 'kube-scheduler'),
    args: [
      `--kubeconfig=${options.kubeconfig}`,
      `--authentication-kubeconfig=${options.kubeconfig}`,
      `--authorization-kubeconfig=${options.kubeconfig}`,
      '--leader-elect=false',
      `--bind-address=${LOOPBACK}`,
      `--secure-port=${options.port}`,
      `--cert-dir=${ctx.run.path('scheduler')}`,
      '--profiling=false',
    ],
    env: ctx.env,
    logFile: ctx.run.path('logs', 'kube-scheduler.log'),
  });
  await waitFor(http200(`https://${LOOPBACK}:${options.port}/healthz`, { insecure: true }), {
    what: 'kube-scheduler /healthz',
    timeoutMs: ctx.timeoutMs,
    watch: [proc],
  });
  return proc;
}

import { join } from 'node:path';
import type { ManagedProcess } from '../process.js';
import { http200, waitFor } from '../wait.js';
import { LOOPBACK, type ComponentContext } from './context.js';

/** kwok manages only the Nodes carrying this annotation: the node agent's Node is left alone. */
export const KWOK_NODE_ANNOTATION = 'kwok.x-k8s.io/node';
export const KWOK_NODE_ANNOTATION_VALUE = 'fake';
/** Pod IPs kwok hands out; distinct from the service CIDR and from the node agent's 127.0.1.0/24. */
const KWOK_POD_CIDR = '10.244.0.0/16';

/**
 * The kwok controller, out of cluster: it plays the node-initialize, heartbeat-with-lease, pod-ready,
 * pod-complete and pod-delete stages that scripts/testenv/build.sh copied from the kwok module next to the
 * binary (standalone kwok loads no stages by itself). It does not schedule: kube-scheduler binds the Pods.
 */
export async function startKwok(ctx: ComponentContext, options: { port: number; kubeconfig: string }): Promise<ManagedProcess> {
  const proc = ctx.run.spawn({
    name: 'kwok',
    command: join(ctx.binDir, 'kwok'),
    args: [
      `--kubeconfig=${options.kubeconfig}`,
      `--config=${join(ctx.binDir, 'kwok-stages.yaml')}`,
      '--manage-all-nodes=false',
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=${KWOK_NODE_ANNOTATION_VALUE}`,
      `--cidr=${KWOK_POD_CIDR}`,
      '--node-lease-duration-seconds=40',
      `--server-address=${LOOPBACK}:${options.port}`,
    ],
    env: ctx.env,
    logFile: ctx.run.path('logs', 'kwok.log'),
  });
  await waitFor(http200(`http://${LOOPBACK}:${options.port}/healthz`), { what: 'kwok /healthz', timeoutMs: ctx.timeoutMs, watch: [proc] });
  return proc;
}

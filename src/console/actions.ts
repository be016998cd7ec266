/**
 * The console's only writes: promote and abort a rollout, with the same annotations as `cairn rollout
 * promote|abort` (src/cli/rollout.ts): a new timestamp in cairn.dev/promote or cairn.dev/abort, which the
 * Deployment controller acts on once per value. The answer is an HTTP status and a message for the page.
 */
import { ABORT_ANNOTATION, deploymentResource, PROMOTE_ANNOTATION } from '../controllers/deployment/index.js';
import { describeError } from '../runtime/errors.js';
import type { KubeClient } from '../runtime/kube/client.js';
import { KubeApiError } from '../runtime/kube/errors.js';
import type { ConsoleObject } from './model.js';

export type RolloutAction = 'promote' | 'abort';

export interface ActionResult {
  status: number;
  message: string;
}

export async function requestRolloutAction(kube: KubeClient, namespace: string, name: string, action: RolloutAction, now: Date): Promise<ActionResult> {
  try {
    const existing = await kube.get<ConsoleObject>(deploymentResource, name, namespace);
    if (!existing) return { status: 404, message: `Deployment ${namespace}/${name} (cairn.dev) not found` };
    const canary = existing.status?.canary as { version?: number } | undefined;
    if (action === 'promote' && canary === undefined) {
      const phase = typeof existing.status?.phase === 'string' ? existing.status.phase : 'no status yet';
      return { status: 409, message: `Deployment ${name} has no rollout in progress to promote (${phase})` };
    }
    const annotation = action === 'promote' ? PROMOTE_ANNOTATION : ABORT_ANNOTATION;
    await kube.patch(deploymentResource, name, namespace, { metadata: { annotations: { [annotation]: now.toISOString() } } }, { type: 'merge' });
    const version = canary?.version !== undefined ? ` for version ${canary.version}` : '';
    return { status: 200, message: `Deployment ${name}: ${action} requested${version} (${annotation})` };
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 403) return { status: 403, message: `not permitted: ${err.message}` };
    return { status: 502, message: `the API server refused: ${describeError(err)}` };
  }
}

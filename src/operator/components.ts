import type { ControllerFactory } from '../runtime/controller.js';
import type { GitWebhookCallbacks } from '../runtime/http/git-webhook.js';
import type { Manager } from '../runtime/manager.js';

/**
 * What `cairn operator` runs. The only place that imports src/controllers/ (ARCHITECTURE.md): add a controller
 * by appending its factory here. The Git webhook route is mounted when `gitWebhook` is set.
 */
export interface OperatorComponents {
  controllers: ControllerFactory[];
  /** Builds the webhook receiver's callbacks (secret lookup, sync trigger) once the manager exists. */
  gitWebhook?: (manager: Manager) => GitWebhookCallbacks;
}

export function defaultComponents(): OperatorComponents {
  return {
    controllers: [],
  };
}

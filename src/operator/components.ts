import { defaultCairnImage, experimentController } from '../controllers/experiment/index.js';
import { datasetController } from '../controllers/dataset/index.js';
import { gitSourceComponents } from '../controllers/gitsource/index.js';
import { modelVersionController } from '../controllers/modelversion/index.js';
import type { ControllerFactory } from '../runtime/controller.js';
import type { GitWebhookCallbacks } from '../runtime/http/git-webhook.js';
import type { KubeClient } from '../runtime/kube/client.js';
import type { Manager } from '../runtime/manager.js';
import type { OperatorOptions } from './options.js';

/**
 * What `cairn operator` runs. The only place that imports src/controllers/ (docs/architecture.md): add a controller
 * by appending its factory here. The Git webhook route is mounted when `gitWebhook` is set.
 */
export interface OperatorComponents {
  controllers: ControllerFactory[];
  /**
   * Builds the webhook receiver's callbacks (secret lookup, sync trigger) once the manager exists. `kube` is the
   * unguarded client: a standby replica may record a sync request for the leader.
   */
  gitWebhook?: (manager: Manager, kube: KubeClient) => GitWebhookCallbacks;
}

export function defaultComponents(options: Pick<OperatorOptions, 'gitCacheDir' | 'allowFileUrls'>): OperatorComponents {
  const gitSources = gitSourceComponents({ gitCacheDir: options.gitCacheDir, allowFileUrls: options.allowFileUrls });
  return {
    controllers: [gitSources.controller, datasetController({ cairnImage: process.env.CAIRN_IMAGE }), modelVersionController({ cairnImage: process.env.CAIRN_IMAGE }), experimentController({ cairnImage: process.env.CAIRN_IMAGE ?? defaultCairnImage, allowFileUrls: options.allowFileUrls })],
    gitWebhook: gitSources.webhook,
  };
}

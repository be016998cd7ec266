import { defaultCairnImage, experimentController } from '../controllers/experiment/index.js';
import { datasetController } from '../controllers/dataset/index.js';
import { deploymentController } from '../controllers/deployment/index.js';
import { driftMonitorController } from '../controllers/driftmonitor/index.js';
import { gitSourceComponents } from '../controllers/gitsource/index.js';
import { modelVersionController } from '../controllers/modelversion/index.js';
import type { ControllerFactory } from '../runtime/controller.js';
import type { GitWebhookCallbacks } from '../runtime/http/git-webhook.js';
import type { KubeClient } from '../runtime/kube/client.js';
import type { Manager } from '../runtime/manager.js';
import { CONTROLLER_NAMES, type ControllerName, type OperatorOptions } from './options.js';

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

/**
 * The controllers of `options.controllers` (all when absent), as kube-controller-manager's `--controllers` does:
 * a replica can run a subset, and a test of one kind is not loaded by the Jobs of the others.
 */
export function defaultComponents(options: Pick<OperatorOptions, 'gitCacheDir' | 'allowFileUrls' | 'controllers'>): OperatorComponents {
  const enabled = new Set<ControllerName>(options.controllers ?? CONTROLLER_NAMES);
  const cairnImage = process.env.CAIRN_IMAGE;
  const gitSources = enabled.has('gitsource') ? gitSourceComponents({ gitCacheDir: options.gitCacheDir, allowFileUrls: options.allowFileUrls }) : undefined;
  const factories: Record<ControllerName, () => ControllerFactory | undefined> = {
    gitsource: () => gitSources?.controller,
    dataset: () => datasetController({ cairnImage }),
    modelversion: () => modelVersionController({ cairnImage }),
    experiment: () => experimentController({ cairnImage: cairnImage ?? defaultCairnImage, allowFileUrls: options.allowFileUrls }),
    deployment: () => deploymentController({ ...(cairnImage ? { cairnImage } : {}) }),
    driftmonitor: () => driftMonitorController(),
  };
  const controllers = CONTROLLER_NAMES.filter((name) => enabled.has(name)).flatMap((name) => factories[name]() ?? []);
  return { controllers, ...(gitSources ? { gitWebhook: gitSources.webhook } : {}) };
}

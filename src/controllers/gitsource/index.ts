/**
 * What `cairn operator` needs for GitSources: the controller and the webhook receiver's callbacks.
 */
import type { GitSource } from '../../api/kinds/index.js';
import { GitFetcher } from '../../gitops/git/index.js';
import type { ControllerFactory } from '../../runtime/controller.js';
import type { GitWebhookCallbacks } from '../../runtime/http/git-webhook.js';
import { keyOf } from '../../runtime/keys.js';
import type { KubeClient } from '../../runtime/kube/client.js';
import type { KubeObject } from '../../runtime/kube/object.js';
import { builtin } from '../../runtime/kube/resource.js';
import type { Manager } from '../../runtime/manager.js';
import { gitSourceController, gitSourceResource, requestedAtAnnotation } from './controller.js';

export { gitSourceController, gitSourceResource, requestedAtAnnotation } from './controller.js';

/** The key of the GitSource's Secret that holds the webhook token (GitHub secret or GitLab token). */
export const webhookTokenKey = 'webhookToken';

export interface GitSourceComponents {
  controller: ControllerFactory;
  /** `kube` must be the unguarded client: a standby replica records the request on the GitSource for the leader. */
  webhook(manager: Manager, kube: KubeClient): GitWebhookCallbacks;
}

export function gitSourceComponents(settings: { gitCacheDir: string; allowFileUrls: boolean; fieldManager?: string }): GitSourceComponents {
  const controller = gitSourceController({ fetcher: new GitFetcher({ cacheDir: settings.gitCacheDir, allowFileUrls: settings.allowFileUrls }) });
  return {
    controller,
    webhook: (manager, kube) => ({
      async lookupSecret(namespace, name) {
        const source = manager.informers.for<GitSource & KubeObject>(gitSourceResource).get(name, namespace);
        const secretName = source?.spec.secretRef?.name;
        if (!secretName) return undefined;
        const secret = await kube.get<KubeObject & { data?: Record<string, string> }>(builtin.secret, secretName, namespace);
        const token = secret?.data?.[webhookTokenKey];
        return token ? Buffer.from(token, 'base64') : undefined;
      },
      async triggerSync(namespace, name) {
        controller.requestSync(namespace, name);
        if (manager.enqueue('gitsource', keyOf(namespace, name))) return;
        // Not the leader here: the annotation reaches the leader through its watch.
        await kube.patch(gitSourceResource, name, namespace, { metadata: { annotations: { [requestedAtAnnotation]: new Date().toISOString() } } }, { type: 'merge', fieldManager: settings.fieldManager ?? 'cairn' });
      },
    }),
  };
}

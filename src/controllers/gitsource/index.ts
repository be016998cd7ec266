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

/**
 * How long a webhook token read from a Secret is reused. The webhook is reachable without credentials: without
 * this, every request naming a source would cost an API read. A rotated token applies within this time.
 */
export const webhookTokenTtlMs = 10_000;

export function gitSourceComponents(settings: { gitCacheDir: string; allowFileUrls: boolean; fieldManager?: string; now?: () => number }): GitSourceComponents {
  const controller = gitSourceController({ fetcher: new GitFetcher({ cacheDir: settings.gitCacheDir, allowFileUrls: settings.allowFileUrls }) });
  const now = settings.now ?? Date.now;
  return {
    controller,
    webhook: (manager, kube) => {
      const tokens = new Map<string, { token: Buffer; at: number }>();
      return {
        async lookupSecret(namespace, name) {
          const source = manager.informers.for<GitSource & KubeObject>(gitSourceResource).get(name, namespace);
          const secretName = source?.spec.secretRef?.name;
          if (!secretName) return undefined;
          const key = keyOf(namespace, secretName);
          const cached = tokens.get(key);
          if (cached && now() - cached.at < webhookTokenTtlMs) return cached.token;
          const secret = await kube.get<KubeObject & { data?: Record<string, string> }>(builtin.secret, secretName, namespace);
          const data = secret?.data?.[webhookTokenKey];
          const token = data ? Buffer.from(data, 'base64') : undefined;
          // Only a token found is kept: a Secret created a moment later must work at once.
          if (token) {
            if (tokens.size > 10_000) tokens.clear(); // bounded: one entry per Secret in use
            tokens.set(key, { token, at: now() });
          }
          return token;
        },
        async triggerSync(namespace, name) {
          controller.requestSync(namespace, name);
          if (manager.enqueue('gitsource', keyOf(namespace, name))) return;
          // Not the leader here: the annotation reaches the leader through its watch.
          await kube.patch(gitSourceResource, name, namespace, { metadata: { annotations: { [requestedAtAnnotation]: new Date().toISOString() } } }, { type: 'merge', fieldManager: settings.fieldManager ?? 'cairn' });
        },
      };
    },
  };
}

import type { CoreV1Api, V1PersistentVolume, V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { statusCode } from '../../testenv/index.js';

/** A ServiceAccount token and when it expires. */
export interface IssuedToken {
  token: string;
  expiresAt: number;
}

/** What volumes read from the API server (the agent passes its client; unit tests can pass maps). */
export interface VolumeSources {
  /** `data` and `binaryData` of a ConfigMap, as bytes; undefined when it does not exist. */
  configMap(namespace: string, name: string): Promise<Record<string, Buffer> | undefined>;
  secret(namespace: string, name: string): Promise<Record<string, Buffer> | undefined>;
  claim(namespace: string, name: string): Promise<V1PersistentVolumeClaim | undefined>;
  persistentVolume(name: string): Promise<V1PersistentVolume | undefined>;
  /** A TokenRequest for the pod's ServiceAccount, bound to the pod, as the kubelet requests it. */
  token(pod: V1Pod, audience: string | undefined, expirationSeconds: number): Promise<IssuedToken>;
}

async function orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (statusCode(error) === 404) return undefined;
    throw error;
  }
}

export function apiVolumeSources(core: CoreV1Api): VolumeSources {
  return {
    configMap: async (namespace, name) => {
      const cm = await orUndefined(() => core.readNamespacedConfigMap({ name, namespace }));
      if (cm === undefined) return undefined;
      const text = Object.entries(cm.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'utf8')] as const);
      const binary = Object.entries(cm.binaryData ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')] as const);
      return Object.fromEntries([...text, ...binary]);
    },
    secret: async (namespace, name) => {
      const secret = await orUndefined(() => core.readNamespacedSecret({ name, namespace }));
      if (secret === undefined) return undefined;
      return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]));
    },
    claim: (namespace, name) => orUndefined(() => core.readNamespacedPersistentVolumeClaim({ name, namespace })),
    persistentVolume: (name) => orUndefined(() => core.readPersistentVolume({ name })),
    token: async (pod, audience, expirationSeconds) => {
      const meta = pod.metadata ?? {};
      const response = await core.createNamespacedServiceAccountToken({
        name: pod.spec?.serviceAccountName || 'default',
        namespace: meta.namespace ?? 'default',
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { audiences: audience ? [audience] : [], expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: meta.name, uid: meta.uid } },
        },
      });
      const token = response.status?.token;
      if (!token) throw new Error(`TokenRequest for pod ${meta.namespace}/${meta.name} returned no token`);
      const expires = response.status?.expirationTimestamp;
      return { token, expiresAt: expires ? new Date(expires).getTime() : Date.now() + expirationSeconds * 1000 };
    },
  };
}

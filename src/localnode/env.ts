import type { CoreV1Api, V1Container, V1Pod, V1Service } from '@kubernetes/client-node';
import { statusCode } from '../testenv/index.js';
import { expandVars } from './command.js';
import { serviceEnv } from './services/env-vars.js';

/** The container's configuration cannot be built yet (the kubelet's CreateContainerConfigError). */
export class ContainerConfigError extends Error {}

/** Reads ConfigMaps and Secrets for env references (the agent passes its client; tests can pass maps). */
export interface EnvSources {
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** The Services known now (the node's service proxy cache), for the `<SVC>_SERVICE_HOST` variables. */
  services?(namespace: string): readonly V1Service[];
}

export function apiEnvSources(core: CoreV1Api): EnvSources {
  const notFoundAsUndefined = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  };
  return {
    configMap: async (namespace, name) => (await notFoundAsUndefined(() => core.readNamespacedConfigMap({ name, namespace })))?.data ?? undefined,
    secret: async (namespace, name) => {
      const secret = await notFoundAsUndefined(() => core.readNamespacedSecret({ name, namespace }));
      if (secret === undefined) return undefined;
      return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
    },
  };
}

/** Value of a downward-API fieldRef path for `pod`. */
function fieldValue(pod: V1Pod, path: string): string {
  const item = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (item) return (item[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[item[2] ?? ''] ?? '';
  switch (path) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    case 'status.podIPs':
      return (pod.status?.podIPs ?? []).map((ip) => ip.ip).join(',');
    default:
      throw new ContainerConfigError(`fieldRef ${path} is not supported by the node agent`);
  }
}

/**
 * The environment of `container` as the kubelet builds it: the Service variables of the Pod's namespace (unless
 * `enableServiceLinks: false`) and `base` first, then `envFrom` sources, then `env` entries in order (later ones
 * may reference earlier ones with `$(VAR)`). `pod` must already carry its podIP.
 */
export async function resolveEnv(pod: V1Pod, container: V1Container, sources: EnvSources, base: Record<string, string>): Promise<Record<string, string>> {
  const namespace = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks !== false && sources.services ? serviceEnv(sources.services(namespace), namespace) : {};
  const env: Record<string, string> = { ...links, ...base };
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref?.name) continue;
    const data = from.configMapRef ? await sources.configMap(namespace, ref.name) : await sources.secret(namespace, ref.name);
    if (data === undefined) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${from.configMapRef ? 'configmap' : 'secret'} "${ref.name}" not found`);
    }
    for (const [key, value] of Object.entries(data)) env[`${from.prefix ?? ''}${key}`] = value;
  }
  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (from === undefined) {
      env[variable.name] = expandVars(variable.value ?? '', env);
    } else if (from.fieldRef) {
      env[variable.name] = fieldValue(pod, from.fieldRef.fieldPath);
    } else if (from.configMapKeyRef ?? from.secretKeyRef) {
      const ref = (from.configMapKeyRef ?? from.secretKeyRef)!;
      const kind = from.configMapKeyRef ? 'configmap' : 'secret';
      const data = from.configMapKeyRef ? await sources.configMap(namespace, ref.name ?? '') : await sources.secret(namespace, ref.name ?? '');
      const value = data?.[ref.key];
      if (value === undefined) {
        if (ref.optional) continue;
        throw new ContainerConfigError(data === undefined ? `${kind} "${ref.name}" not found` : `couldn't find key ${ref.key} in ${kind} ${namespace}/${ref.name}`);
      }
      env[variable.name] = value;
    } else {
      throw new ContainerConfigError(`env ${variable.name}: this valueFrom source is not supported by the node agent`);
    }
  }
  return env;
}

import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { containerArgv } from './command.js';
import { containerFiles } from './container.js';
import { ContainerConfigError, resolveEnv, type EnvSources } from './env.js';
import { lookupImage, type ImageTable } from './images.js';
import { inMountNamespace, type BindMount } from './volumes/namespace.js';
import { MountConfigError } from './volumes/plan.js';
import type { PodVolumes } from './volumes/pod-volumes.js';

export interface LaunchInput {
  pod: V1Pod;
  container: V1Container;
  podIP: string;
  /** The Pod's ServiceAccount kubeconfig, if any. */
  kubeconfig: string | undefined;
  /** The Pod's directory (logs, termination files; the default working directory). */
  dir: string;
  baseEnv: Record<string, string>;
  images: ImageTable;
  envSources: EnvSources;
  volumes: PodVolumes;
  /**
   * Folders of this machine the images' programs need (the checkout whose `cairn` the image runs): kept visible
   * at their own path when a volume is mounted over a folder that holds them (every Cairn Job mounts an emptyDir
   * at /tmp, and a checkout may live under /tmp).
   */
  visiblePaths?: readonly string[];
}

/** `path` is `target` or lies inside it. */
function isWithin(path: string, target: string): boolean {
  const base = target.endsWith('/') ? target : `${target}/`;
  return path === target || path.startsWith(base);
}

/** The volume mounts, then a bind of each visible path onto itself when one of them would hide it. */
export function withVisiblePaths(mounts: readonly BindMount[], visiblePaths: readonly string[]): BindMount[] {
  const paths = visiblePaths.map((path) => path.replace(/(.)\/+$/, '$1'));
  const hidden = paths.filter((path) => mounts.some((m) => isWithin(path, m.target) && m.target !== path));
  return [...mounts, ...hidden.map((path) => ({ source: path, target: path, readOnly: false }))];
}

/** How to start a container process, or why it cannot start yet (the waiting reason and message). */
export type Launch =
  | { ok: true; argv: string[]; command: string[]; env: Record<string, string>; cwd: string; mounts: BindMount[] }
  | { ok: false; reason: 'ErrImagePull' | 'CreateContainerConfigError'; message: string };

/**
 * Everything a container start needs, as the kubelet builds it: the image's local command, the environment
 * (injected variables, envFrom, env), argv, and the bind mounts of its volumeMounts; `argv` runs `command` in
 * its own mount namespace when it has mounts. Errors the pod can fix become a waiting reason.
 */
export async function prepareLaunch(input: LaunchInput): Promise<Launch> {
  const { pod, container, podIP } = input;
  const image = lookupImage(input.images, container.image ?? '');
  if (!image) {
    return { ok: false, reason: 'ErrImagePull', message: `the local node has no local command for image "${container.image}" (add it to the image table: src/localnode/images.ts, or an extra entry passed to NodeAgent)` };
  }
  const injected: Record<string, string> = {
    ...input.baseEnv,
    HOSTNAME: pod.metadata?.name ?? '',
    POD_IP: podIP,
    HOST: podIP,
    CAIRN_TERMINATION_LOG: containerFiles(input.dir, container.name).termination,
    ...(input.kubeconfig ? { KUBECONFIG: input.kubeconfig } : {}),
  };
  try {
    const podWithIp: V1Pod = { ...pod, status: { ...pod.status, podIP, podIPs: [{ ip: podIP }], hostIP: '127.0.0.1' } };
    const env = await resolveEnv(podWithIp, container, input.envSources, injected);
    const command = containerArgv(container, image, env);
    const mounts = await input.volumes.binds(container, env);
    const cwd = container.workingDir ?? image.workingDir ?? input.dir;
    return { ok: true, argv: inMountNamespace(command, withVisiblePaths(mounts, input.visiblePaths ?? [])), command, env, cwd, mounts };
  } catch (error) {
    const known = error instanceof ContainerConfigError || error instanceof MountConfigError || (error instanceof Error && /no command/.test(error.message));
    if (!known) throw error;
    return { ok: false, reason: 'CreateContainerConfigError', message: error.message };
  }
}

/**
 * The restricted Pod Security Standard (the strictest of the three profiles of Pod Security Admission), as the
 * security contexts of every pod Cairn creates, so its workloads run in a namespace labelled
 * `pod-security.kubernetes.io/enforce: restricted`. Each call returns a new object the caller may change.
 */
import type { PodSecurityContext, SecurityContext } from './types.js';

/** The user and group Cairn's pods run as: `nonroot` of the distroless images, never 0. */
export const NON_ROOT_ID = 65532;

/**
 * A container's context: not root, a read-only root filesystem (writable paths are volumes: buildJob
 * mounts an emptyDir at /tmp), no privilege escalation, no Linux capability, the runtime's default seccomp
 * profile.
 */
export function restrictedContainerSecurityContext(): SecurityContext {
  return {
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * A pod's context: user, group and fsGroup 65532 (so the pod can write its volumes whatever user the image
 * names), not root, the runtime's default seccomp profile.
 */
export function restrictedPodSecurityContext(): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: NON_ROOT_ID,
    runAsGroup: NON_ROOT_ID,
    fsGroup: NON_ROOT_ID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

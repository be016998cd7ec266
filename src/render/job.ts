/**
 * buildJob: the one builder of every Job Cairn runs (dataset profiling, experiment trials, model checks).
 * Pure: the same input gives the same Job, to the byte.
 */
import { RenderError } from './errors.js';
import { checkJobInput, normalizePath, TMP_VOLUME, type JobInitContainer, type JobInput } from './job-input.js';
import { canonical } from './json.js';
import { childLabels } from './labels.js';
import { knownOwner, ownerReference } from './owner.js';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './security.js';
import type { Container, Job, Volume } from './types.js';

export const DEFAULT_BACKOFF_LIMIT = 0;
export const DEFAULT_TTL_SECONDS_AFTER_FINISHED = 3600;
/** Where every container writes its termination message (the kubelet reads at most 4096 bytes of it). */
export const TERMINATION_MESSAGE_PATH = '/dev/termination-log';
/** Set on the pods so `kubectl logs` and `kubectl exec` pick the main container, not a sidecar. */
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

export const tmpVolume: Volume = { name: TMP_VOLUME, emptyDir: {} };

export const mountsTmp = (container: JobInitContainer): boolean => (container.volumeMounts ?? []).some((m) => normalizePath(m.mountPath) === '/tmp');

/**
 * One container as Cairn runs it: restricted, IfNotPresent, FallbackToLogsOnError, /tmp writable (mount the
 * volume {@link tmpVolume} beside it). Jobs and serving pods alike.
 */
export function renderContainer(container: JobInitContainer): Container {
  const volumeMounts = mountsTmp(container) ? container.volumeMounts : [...(container.volumeMounts ?? []), { name: TMP_VOLUME, mountPath: '/tmp' }];
  return {
    name: container.name,
    image: container.image,
    imagePullPolicy: 'IfNotPresent',
    command: container.command ? [...container.command] : undefined,
    args: container.args ? [...container.args] : undefined,
    workingDir: container.workingDir,
    env: container.env ? [...container.env] : undefined,
    envFrom: container.envFrom ? [...container.envFrom] : undefined,
    resources: container.resources,
    volumeMounts: volumeMounts ? [...volumeMounts] : undefined,
    restartPolicy: container.restartPolicy,
    securityContext: restrictedContainerSecurityContext(),
    terminationMessagePath: TERMINATION_MESSAGE_PATH,
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

/** `base` plus `extra`, refusing an extra key that would change a label Cairn sets. */
function withExtra(base: Record<string, string>, extra: Readonly<Record<string, string>> | undefined, field: string): Record<string, string> {
  const merged = { ...base };
  for (const [key, value] of Object.entries(extra ?? {})) {
    if (Object.hasOwn(base, key) && base[key] !== value) {
      throw new RenderError('InvalidLabel', `${field}.${key}`, `Cairn sets this label to ${JSON.stringify(base[key])}: selectors and the garbage collection of children rely on it`);
    }
    merged[key] = value;
  }
  return merged;
}

/**
 * The batch/v1 Job `input` describes, complete, for server-side apply:
 * - metadata: name, the owner's namespace, labels = childLabels(owner, component) + `labels`, annotations,
 *   and the controller ownerReference to the owner;
 * - spec: backoffLimit (default 0), activeDeadlineSeconds, ttlSecondsAfterFinished (default 3600);
 * - pod template: the Job's labels + `podLabels`, annotations `podAnnotations` + default-container = the
 *   first container; restartPolicy Never, the restricted pod security context, no service account token
 *   unless asked, no service links;
 * - every container and init container: the restricted security context, imagePullPolicy IfNotPresent,
 *   terminationMessagePolicy FallbackToLogsOnError at /dev/termination-log, and an emptyDir mounted at /tmp
 *   (the root filesystem is read-only) unless the container mounts something there itself.
 * Keys are sorted, fields left undefined are absent, env keeps the caller's order. Throws a RenderError
 * for an input the API server would reject (see checkJobInput) and for an owner without uid or namespace.
 */
export function buildJob(input: JobInput): Job {
  const owner = knownOwner(input.owner, { namespaced: true });
  const reference = ownerReference(input.owner);
  checkJobInput(input);
  const labels = withExtra(childLabels(input.owner, input.component), input.labels, 'labels');
  const podLabels = withExtra(labels, input.podLabels, 'podLabels');
  const main = input.containers[0] as JobInitContainer;
  const podAnnotations = { ...input.podAnnotations, [DEFAULT_CONTAINER_ANNOTATION]: main.name };
  const initContainers = input.initContainers ?? [];
  const needsTmp = [...initContainers, ...input.containers].some((c) => !mountsTmp(c));
  const volumes = [...(input.volumes ?? []), ...(needsTmp ? [tmpVolume] : [])];
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: input.name,
      namespace: owner.namespace as string,
      labels,
      annotations: input.annotations && Object.keys(input.annotations).length > 0 ? { ...input.annotations } : undefined,
      ownerReferences: [reference],
    },
    spec: {
      backoffLimit: input.backoffLimit ?? DEFAULT_BACKOFF_LIMIT,
      activeDeadlineSeconds: input.activeDeadlineSeconds,
      ttlSecondsAfterFinished: input.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS_AFTER_FINISHED,
      template: {
        metadata: { labels: podLabels, annotations: podAnnotations },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: input.serviceAccountName,
          nodeSelector: input.nodeSelector && Object.keys(input.nodeSelector).length > 0 ? { ...input.nodeSelector } : undefined,
          tolerations: input.tolerations && input.tolerations.length > 0 ? input.tolerations.map((t) => ({ ...t })) : undefined,
          automountServiceAccountToken: input.automountServiceAccountToken ?? false,
          enableServiceLinks: false,
          securityContext: restrictedPodSecurityContext(),
          initContainers: initContainers.length > 0 ? initContainers.map(renderContainer) : undefined,
          containers: input.containers.map(renderContainer),
          volumes: volumes.length > 0 ? volumes : undefined,
        },
      },
    },
  };
  return canonical(job, 'job');
}

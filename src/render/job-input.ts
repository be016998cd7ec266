/**
 * What buildJob takes, and the checks that make it refuse an input the API server would reject or that could
 * never run (each a RenderError naming the field).
 */
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from '../api/names.js';
import { RenderError } from './errors.js';
import type { OwnerObject } from './owner.js';
import type { EnvFromSource, EnvVar, ResourceRequirements, Toleration, Volume, VolumeMount } from './types.js';

export interface JobContainer {
  /** A DNS-1123 label, unique among the pod's containers and init containers. */
  name: string;
  image: string;
  command?: readonly string[];
  args?: readonly string[];
  /** Kept in the caller's order: `$(VAR)` in a value expands only the variables defined before it. */
  env?: readonly EnvVar[];
  envFrom?: readonly EnvFromSource[];
  volumeMounts?: readonly VolumeMount[];
  resources?: ResourceRequirements;
  workingDir?: string;
}

export interface JobInitContainer extends JobContainer {
  /** `Always`: a native sidecar (Kubernetes ≥ 1.29), started before the containers and stopped after them. */
  restartPolicy?: 'Always';
}

export interface JobInput {
  /** The custom resource that owns the Job; it needs apiVersion, kind, name, namespace and uid. */
  owner: OwnerObject;
  /** A DNS-1123 label of at most 63 characters: the Job controller copies it into a pod label. */
  name: string;
  /** app.kubernetes.io/component (`trial`, `profile`, `model-check`): a non-empty label value. */
  component: string;
  /** The containers, the first being the main one (its termination message is the result). */
  containers: readonly JobContainer[];
  /** Run in order before the containers; one with `restartPolicy: Always` is a sidecar. */
  initContainers?: readonly JobInitContainer[];
  volumes?: readonly Volume[];
  serviceAccountName?: string;
  /** Where the pods may run (a node pool; the local node's label): copied into the pod spec. */
  nodeSelector?: Readonly<Record<string, string>>;
  /** Taints the pods tolerate (the local node's `cairn.dev/local-node`): copied into the pod spec. */
  tolerations?: readonly Toleration[];
  /** Default false: a Job's pod talks to no API server unless it needs to. */
  automountServiceAccountToken?: boolean;
  /** Default 0: a failed trial is a result, not something to retry blindly. */
  backoffLimit?: number;
  /** Required, > 0: the Job fails with DeadlineExceeded after this many seconds. */
  activeDeadlineSeconds: number;
  /** Default 3600: the finished Job and its pods are deleted an hour later (read the result before). */
  ttlSecondsAfterFinished?: number;
  /** Added to the Job's and its pods' labels; may not change a label Cairn sets. */
  labels?: Readonly<Record<string, string>>;
  /** The Job's annotations. */
  annotations?: Readonly<Record<string, string>>;
  /** Added to the pods' labels only. */
  podLabels?: Readonly<Record<string, string>>;
  /** The pods' annotations (kubectl.kubernetes.io/default-container is set to the main container). */
  podAnnotations?: Readonly<Record<string, string>>;
}

/** The name buildJob gives the emptyDir it mounts at /tmp; no volume of the input may take it. */
export const TMP_VOLUME = 'cairn-tmp';

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const allowedVolumeSources = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

const fail = (reason: ConstructorParameters<typeof RenderError>[0], field: string, message: string): never => {
  throw new RenderError(reason, field, message);
};

/** A DNS-1123 label (`[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters), as Kubernetes names containers and volumes. */
export function isDNS1123Label(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && dns1123Label.test(value);
}

const checkLabel = (value: unknown, field: string, what: string): void => {
  if (!isDNS1123Label(value)) {
    fail('InvalidName', field, `${JSON.stringify(value)} is not a valid ${what}: at most 63 lower case letters, digits and '-', starting and ending with a letter or digit`);
  }
};

const isInteger = (value: unknown, min: number): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

function checkNumbers(input: JobInput): void {
  if (!isInteger(input.activeDeadlineSeconds, 1)) fail('InvalidValue', 'activeDeadlineSeconds', `must be a whole number of seconds > 0, not ${String(input.activeDeadlineSeconds)}`);
  if (input.backoffLimit !== undefined && !isInteger(input.backoffLimit, 0)) fail('InvalidValue', 'backoffLimit', `must be a whole number >= 0, not ${String(input.backoffLimit)}`);
  if (input.ttlSecondsAfterFinished !== undefined && !isInteger(input.ttlSecondsAfterFinished, 0)) {
    fail('InvalidValue', 'ttlSecondsAfterFinished', `must be a whole number of seconds >= 0, not ${String(input.ttlSecondsAfterFinished)}`);
  }
}

/** Label keys and values the API server accepts. */
export function checkLabels(labels: Readonly<Record<string, string>> | undefined, field: string): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    const keyErrors = isQualifiedName(key);
    if (keyErrors.length > 0) fail('InvalidLabel', `${field}.${key}`, `invalid label key: ${keyErrors.join('; ')}`);
    const valueErrors = typeof value === 'string' ? isValidLabelValue(value) : ['must be a string'];
    if (valueErrors.length > 0) fail('InvalidLabel', `${field}.${key}`, `invalid label value ${JSON.stringify(value)}: ${valueErrors.join('; ')}`);
  }
}

function checkAnnotations(annotations: Readonly<Record<string, string>> | undefined, field: string): void {
  for (const [key, value] of Object.entries(annotations ?? {})) {
    const keyErrors = isQualifiedName(key.toLowerCase());
    if (keyErrors.length > 0) fail('InvalidAnnotation', `${field}.${key}`, `invalid annotation key: ${keyErrors.join('; ')}`);
    if (typeof value !== 'string') fail('InvalidAnnotation', `${field}.${key}`, 'an annotation value must be a string');
  }
}

function checkVolumes(volumes: readonly Volume[]): Set<string> {
  const names = new Set<string>();
  volumes.forEach((volume, i) => {
    const field = `volumes[${i}]`;
    checkLabel(volume.name, `${field}.name`, 'volume name');
    if (volume.name === TMP_VOLUME) fail('DuplicateVolumeName', `${field}.name`, `"${TMP_VOLUME}" is the name of the volume Cairn mounts at /tmp`);
    if (names.has(volume.name)) fail('DuplicateVolumeName', `${field}.name`, `two volumes are named "${volume.name}"`);
    names.add(volume.name);
    const sources = Object.keys(volume).filter((key) => key !== 'name' && (volume as unknown as Record<string, unknown>)[key] !== undefined);
    if (sources.length !== 1) fail('InvalidVolume', field, `a volume needs exactly one source, "${volume.name}" has ${sources.length === 0 ? 'none' : sources.join(', ')}`);
    const source = sources[0] as string;
    if (!allowedVolumeSources.includes(source)) fail('InvalidVolume', `${field}.${source}`, `the restricted Pod Security Standard does not allow ${source} volumes`);
  });
  return names;
}

function checkContainer(container: JobInitContainer, field: string, volumes: ReadonlySet<string>, init: boolean): void {
  checkLabel(container.name, `${field}.name`, 'container name');
  if (typeof container.image !== 'string' || container.image.trim() === '' || /\s/.test(container.image)) {
    fail('InvalidContainer', `${field}.image`, `${JSON.stringify(container.image)} is not an image reference`);
  }
  if (container.restartPolicy !== undefined && (!init || container.restartPolicy !== 'Always')) {
    fail('InvalidContainer', `${field}.restartPolicy`, init ? `only "Always" (a sidecar) is allowed, not ${JSON.stringify(container.restartPolicy)}` : 'only an init container may have a restartPolicy');
  }
  if (container.workingDir !== undefined && (typeof container.workingDir !== 'string' || !container.workingDir.startsWith('/'))) fail('InvalidContainer', `${field}.workingDir`, 'must be an absolute path');
  (container.env ?? []).forEach((variable, j) => {
    if (typeof variable.name !== 'string' || variable.name === '' || variable.name.includes('=')) {
      fail('InvalidContainer', `${field}.env[${j}].name`, `${JSON.stringify(variable.name)} is not a variable name`);
    }
    if (variable.value !== undefined && variable.valueFrom !== undefined) fail('InvalidContainer', `${field}.env[${j}]`, `${variable.name} has both value and valueFrom`);
  });
  const paths = new Set<string>();
  (container.volumeMounts ?? []).forEach((mount, j) => {
    const at = `${field}.volumeMounts[${j}]`;
    if (!volumes.has(mount.name)) fail('UnknownVolume', `${at}.name`, `no volume is named "${mount.name}"`);
    if (typeof mount.mountPath !== 'string' || !mount.mountPath.startsWith('/')) fail('InvalidContainer', `${at}.mountPath`, 'must be an absolute path');
    const path = normalizePath(mount.mountPath);
    if (paths.has(path)) fail('InvalidContainer', `${at}.mountPath`, `two volumes are mounted at ${path}`);
    paths.add(path);
  });
}

/** `/tmp/` and `/tmp` are the same mount point. */
export function normalizePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** Throws a RenderError for the first problem of `input` (owner checks are ownerReference's). */
export function checkJobInput(input: JobInput): void {
  checkLabel(input.name, 'name', 'Job name');
  if (typeof input.component !== 'string' || input.component === '' || isValidLabelValue(input.component).length > 0) {
    fail('InvalidLabel', 'component', `${JSON.stringify(input.component)} is not a component: a label value of at most 63 letters, digits, '-', '_' or '.'`);
  }
  checkNumbers(input);
  if (input.serviceAccountName !== undefined) {
    const errors = isDNS1123Subdomain(input.serviceAccountName);
    if (errors.length > 0) fail('InvalidName', 'serviceAccountName', errors.join('; '));
  }
  if (input.containers.length === 0) fail('InvalidContainer', 'containers', 'a Job needs at least one container');
  const volumes = checkVolumes(input.volumes ?? []);
  const names = new Map<string, string>();
  const check = (container: JobInitContainer, field: string, init: boolean) => {
    checkContainer(container, field, volumes, init);
    const other = names.get(container.name);
    if (other !== undefined) fail('DuplicateContainerName', `${field}.name`, `"${container.name}" is also the name of ${other}`);
    names.set(container.name, field);
  };
  (input.initContainers ?? []).forEach((c, i) => check(c, `initContainers[${i}]`, true));
  input.containers.forEach((c, i) => check(c, `containers[${i}]`, false));
  checkLabels(input.labels, 'labels');
  checkLabels(input.nodeSelector, 'nodeSelector');
  checkLabels(input.podLabels, 'podLabels');
  checkAnnotations(input.annotations, 'annotations');
  checkAnnotations(input.podAnnotations, 'podAnnotations');
}

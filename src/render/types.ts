/**
 * The plain-JSON shapes (core/v1, batch/v1) of the objects the builders return and of the pieces callers pass
 * in: only the fields Cairn sets. Arrays a caller passes are readonly, so parts of a frozen object from an
 * informer cache (a spec's env, its resources) can be passed as they are.
 */
import type { ObjectMeta, OwnerReference } from '../runtime/kube/object.js';

export interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

export interface EnvVarSource {
  fieldRef?: { fieldPath: string; apiVersion?: string };
  resourceFieldRef?: { resource: string; containerName?: string; divisor?: string };
  configMapKeyRef?: { name: string; key: string; optional?: boolean };
  secretKeyRef?: { name: string; key: string; optional?: boolean };
}

/** One variable; `$(OTHER)` in `value` expands variables defined before it, so order matters. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: EnvVarSource;
}

export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
  subPathExpr?: string;
  recursiveReadOnly?: 'Disabled' | 'IfPossible' | 'Enabled';
}

/** Quantities as strings (`500m`, `2Gi`). */
export interface ResourceRequirements {
  requests?: Readonly<Record<string, string>>;
  limits?: Readonly<Record<string, string>>;
}

/**
 * A volume: a name and exactly one source, among those the restricted Pod Security Standard allows (no
 * hostPath). The sources Cairn uses are typed; csi, downwardAPI, ephemeral and projected are passed through.
 */
export interface Volume {
  name: string;
  emptyDir?: { medium?: '' | 'Memory'; sizeLimit?: string };
  configMap?: { name: string; items?: readonly KeyToPath[]; defaultMode?: number; optional?: boolean };
  secret?: { secretName: string; items?: readonly KeyToPath[]; defaultMode?: number; optional?: boolean };
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  csi?: Readonly<Record<string, unknown>>;
  downwardAPI?: Readonly<Record<string, unknown>>;
  ephemeral?: Readonly<Record<string, unknown>>;
  projected?: Readonly<Record<string, unknown>>;
}

export interface SecurityContext {
  runAsNonRoot: boolean;
  readOnlyRootFilesystem: boolean;
  allowPrivilegeEscalation: boolean;
  capabilities: { drop: string[] };
  seccompProfile: { type: 'RuntimeDefault' };
}

export interface PodSecurityContext {
  runAsNonRoot: boolean;
  runAsUser: number;
  runAsGroup: number;
  fsGroup: number;
  seccompProfile: { type: 'RuntimeDefault' };
}

export interface Container {
  name: string;
  image: string;
  imagePullPolicy: 'IfNotPresent';
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  resources?: ResourceRequirements;
  volumeMounts?: VolumeMount[];
  /** On an init container only: `Always` makes it a native sidecar that runs beside the containers. */
  restartPolicy?: 'Always';
  securityContext: SecurityContext;
  terminationMessagePath: string;
  terminationMessagePolicy: 'FallbackToLogsOnError';
}

/** A taint the pod tolerates. */
export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export interface PodSpec {
  restartPolicy: 'Never';
  serviceAccountName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  automountServiceAccountToken: boolean;
  enableServiceLinks: false;
  securityContext: PodSecurityContext;
  initContainers?: Container[];
  containers: Container[];
  volumes?: Volume[];
}

export interface PodTemplateSpec {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

export interface JobSpec {
  backoffLimit: number;
  activeDeadlineSeconds: number;
  ttlSecondsAfterFinished: number;
  template: PodTemplateSpec;
}

/** Metadata the builders always set. */
export interface ChildMeta extends ObjectMeta {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  ownerReferences: OwnerReference[];
}

/** A batch/v1 Job as buildJob renders it (desired state: no status). */
export interface Job {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: ChildMeta;
  spec: JobSpec;
}

/**
 * The Job that profiles one Dataset version (docs/contracts.md §4): `cairn fetch` verifies the pinned file into
 * the pod (an init container, storage credentials from the optional Secret cairn-storage), then `cairn profile`
 * checks it against the schema and the quality gates, and writes the profile into the ConfigMap
 * `<dataset>-profile` with the pod's ServiceAccount, which may write that ConfigMap and nothing else
 * (profile-access.ts). Memory is bounded: a memory limit, and a V8 heap limit below it, since the profiler's
 * memory does not grow with the number of rows. Pure: same input, same Job.
 */
import type { DatasetSpec } from '../api/kinds/dataset.js';
import { claimVolume, PVC_ROOT } from './claim-volume.js';
import { RenderError } from './errors.js';
import { buildJob } from './job.js';
import { shortHash } from './label-value.js';
import type { OwnerObject } from './owner.js';
import { profileResourceName } from './profile-access.js';
import { storageEnvFrom } from './trial-job.js';
import type { EnvVar, Job, ResourceRequirements, Toleration, Volume, VolumeMount } from './types.js';

export const profilePaths = {
  data: '/cairn/data',
  /** Where a `pvc://<claim>/<path>` source's claim is mounted (`<root>/<claim>`; cairn fetch's default CAIRN_PVC_ROOT). */
  pvcRoot: PVC_ROOT,
} as const;

/** The container whose termination message is the profile's result. */
export const PROFILE_CONTAINER = 'profile';
export const FETCH_CONTAINER = 'fetch';
/** The Job's annotation naming the version it profiles. */
export const DATASET_VERSION_ANNOTATION = 'cairn.dev/dataset-version';

/** Default deadline of one profile Job. 1M rows take seconds; a slow store may take many minutes. */
export const PROFILE_TIMEOUT_SECONDS = 3600;
/** A finished profile Job expires after this long: how soon a failure that may pass is tried again. */
export const PROFILE_RETRY_AFTER_SECONDS = 300;

/**
 * Memory per container: the limit, and V8's old-space limit below it so the heap fails cleanly (a
 * ResourceLimit / OOM result) before the kernel kills the process; the profiler's peak RSS is ~130-165 MiB
 * at any row count (docs/benchmarks.md), fetch streams through a fixed buffer.
 */
export const PROFILE_MEMORY_LIMIT = '512Mi';
export const PROFILE_HEAP_MB = 256;
const resources: ResourceRequirements = { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: PROFILE_MEMORY_LIMIT } };
const nodeOptions: EnvVar = { name: 'NODE_OPTIONS', value: `--max-old-space-size=${PROFILE_HEAP_MB}` };

export interface ProfileJobInput {
  dataset: OwnerObject & { metadata: { name: string; namespace: string }; spec: DatasetSpec };
  /** The image with the `cairn` command (the operator's own). */
  cairnImage: string;
  /** The operator runs with --allow-file-urls: cairn fetch may read file:// (development only). */
  allowFileUrls?: boolean;
  timeoutSeconds?: number;
  /** Placement of the pod (a node pool; the local node). */
  nodeSelector?: Readonly<Record<string, string>>;
  tolerations?: readonly Toleration[];
}

/** What the Job's identity depends on: a change of any of these is a new Job (a pod template is immutable). */
function profiledInputs(input: ProfileJobInput): string {
  const { spec, metadata } = input.dataset;
  // Not the image: an operator upgrade should not profile every Dataset again (the profile is a function of the
  // data and the spec).
  return JSON.stringify([metadata.name, spec.source, spec.schema, spec.validation ?? null, spec.profile ?? null, input.allowFileUrls === true]);
}

/**
 * `<dataset>-profile-<10 hex>`: the hash covers the source (a new sha256 is a new version, so a new Job), the
 * schema, the gates and the bins. A long Dataset name is cut so the name stays a 63-character label.
 */
export function profileJobName(input: ProfileJobInput): string {
  const hash = shortHash(profiledInputs(input), 10);
  const prefix = input.dataset.metadata.name.slice(0, 63 - '-profile-'.length - hash.length).replace(/\./g, '-').replace(/-+$/, '');
  return `${prefix}-profile-${hash}`;
}


/** The Dataset as `cairn profile --dataset-json` reads it: name and spec, nothing the server added. */
function datasetJson(input: ProfileJobInput): string {
  const { dataset } = input;
  return JSON.stringify({ apiVersion: dataset.apiVersion, kind: dataset.kind, metadata: { name: dataset.metadata.name }, spec: dataset.spec });
}

/** The profile Job of the Dataset's pinned version. Throws a RenderError for a source the Job cannot read. */
export function renderProfileJob(input: ProfileJobInput): Job {
  const { dataset } = input;
  const { source } = dataset.spec;
  if (/^file:/i.test(source.uri) && !input.allowFileUrls) {
    throw new RenderError('InvalidValue', 'spec.source.uri', 'file:// URIs are refused unless the operator runs with --allow-file-urls (development only)');
  }
  const name = profileJobName(input);
  const access = profileResourceName(dataset);
  const dataFile = `${profilePaths.data}/data.${source.format}`;
  const claim = claimVolume(source.uri, 'source');
  const fetchMounts: VolumeMount[] = [{ name: 'data', mountPath: profilePaths.data }, ...(claim ? [claim.mount] : [])];
  const volumes: Volume[] = [{ name: 'data', emptyDir: {} }, ...(claim ? [claim.volume] : [])];
  return buildJob({
    owner: dataset,
    name,
    component: 'profile',
    annotations: { [DATASET_VERSION_ANNOTATION]: `sha256:${source.sha256}` },
    activeDeadlineSeconds: input.timeoutSeconds ?? PROFILE_TIMEOUT_SECONDS,
    // The controller prunes a Job once its result is recorded; a failed one that may pass (storage unreachable)
    // is kept until it expires, and the next Job then tries again.
    ttlSecondsAfterFinished: PROFILE_RETRY_AFTER_SECONDS,
    serviceAccountName: access,
    // The profile container writes its ConfigMap with this token; the Role allows nothing else.
    automountServiceAccountToken: true,
    ...(input.nodeSelector ? { nodeSelector: input.nodeSelector } : {}),
    ...(input.tolerations ? { tolerations: input.tolerations } : {}),
    initContainers: [
      {
        name: FETCH_CONTAINER,
        image: input.cairnImage,
        args: ['fetch', source.uri, '--sha256', source.sha256, '--to', profilePaths.data, '--name', `data.${source.format}`, ...(input.allowFileUrls ? ['--allow-file-urls'] : [])],
        env: [nodeOptions],
        envFrom: storageEnvFrom,
        resources,
        volumeMounts: fetchMounts,
      },
    ],
    containers: [
      {
        name: PROFILE_CONTAINER,
        image: input.cairnImage,
        args: [
          'profile',
          '--data',
          dataFile,
          '--format',
          source.format,
          '--dataset-json',
          datasetJson(input),
          '--version',
          `sha256:${source.sha256}`,
          '--configmap',
          access,
          '--namespace',
          dataset.metadata.namespace,
          '--job',
          name,
        ],
        env: [nodeOptions],
        resources,
        volumeMounts: [{ name: 'data', mountPath: profilePaths.data, readOnly: true }],
      },
    ],
    volumes,
  });
}

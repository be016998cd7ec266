/**
 * The Job that verifies one ModelVersion's file: `cairn model inspect` fetches it (storage credentials from the
 * optional Secret cairn-storage; a `pvc://` claim mounted read-only where cairn fetch looks), checks its
 * sha256, loads it in ONNX Runtime and leaves the signature in its termination message (src/model/termination.ts).
 * One container, no ServiceAccount token: the pod talks to no API server. Pure: same input, same Job.
 */
import type { ModelVersionSpec } from '../api/kinds/modelversion.js';
import { RenderError } from './errors.js';
import { buildJob } from './job.js';
import { shortHash } from './label-value.js';
import type { OwnerObject } from './owner.js';
import { claimVolume } from './claim-volume.js';
import { storageEnvFrom } from './trial-job.js';
import type { Job, ResourceRequirements, Volume, VolumeMount } from './types.js';

/** The container whose termination message is the inspection's result. */
export const INSPECT_CONTAINER = 'inspect';
/** The Job's annotation naming the digest it verifies. */
export const MODEL_SHA256_ANNOTATION = 'cairn.dev/model-sha256';
/** Deadline of one inspect Job: a download of up to 4 GiB from a slow store. */
export const INSPECT_TIMEOUT_SECONDS = 1800;
/** A finished inspect Job expires after this long: how soon a failure that may pass (NotFound, AccessDenied) is tried again. */
export const INSPECT_RETRY_AFTER_SECONDS = 120;

/** ONNX Runtime holds the model in memory: room for the 4 GiB cairn serve accepts. */
const resources: ResourceRequirements = { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '4Gi' } };

export interface InspectJobInput {
  modelVersion: OwnerObject & { metadata: { name: string; namespace: string }; spec: Pick<ModelVersionSpec, 'artifact'> };
  /** The image with the `cairn` command (the operator's own). */
  cairnImage: string;
  /** The operator runs with --allow-file-urls: the Job may read file:// (development only). */
  allowFileUrls?: boolean;
  timeoutSeconds?: number;
}

/**
 * `<name>-inspect-<10 hex>`: the hash covers the artifact, the image and the file:// permission (a pod template
 * is immutable). A long name is cut so the Job's name stays a 63-character label.
 */
export function inspectJobName(input: InspectJobInput): string {
  const { metadata, spec } = input.modelVersion;
  const hash = shortHash(JSON.stringify([metadata.name, spec.artifact.uri, spec.artifact.sha256, input.cairnImage, input.allowFileUrls === true]), 10);
  const prefix = metadata.name.slice(0, 63 - '-inspect-'.length - hash.length).replace(/\./g, '-').replace(/-+$/, '');
  return `${prefix}-inspect-${hash}`;
}

/** The inspect Job of the ModelVersion's artifact. Throws a RenderError for an artifact the Job may not read. */
export function renderInspectJob(input: InspectJobInput): Job {
  const { modelVersion } = input;
  const { artifact } = modelVersion.spec;
  if (/^file:/i.test(artifact.uri) && !input.allowFileUrls) {
    throw new RenderError('InvalidValue', 'spec.artifact.uri', 'file:// URIs are refused unless the operator runs with --allow-file-urls (development only)');
  }
  const claim = claimVolume(artifact.uri, 'model');
  const volumeMounts: VolumeMount[] = claim ? [claim.mount] : [];
  const volumes: Volume[] = claim ? [claim.volume] : [];
  return buildJob({
    owner: modelVersion,
    name: inspectJobName(input),
    component: 'model-check',
    annotations: { [MODEL_SHA256_ANNOTATION]: `sha256:${artifact.sha256}` },
    activeDeadlineSeconds: input.timeoutSeconds ?? INSPECT_TIMEOUT_SECONDS,
    // The controller prunes the Job once its result is recorded; a failed one that may pass is kept until it
    // expires, and the next Job then tries again.
    ttlSecondsAfterFinished: INSPECT_RETRY_AFTER_SECONDS,
    containers: [
      {
        name: INSPECT_CONTAINER,
        image: input.cairnImage,
        args: ['model', 'inspect', artifact.uri, '--sha256', artifact.sha256, ...(input.allowFileUrls ? ['--allow-file-urls'] : [])],
        envFrom: storageEnvFrom,
        resources,
        ...(volumeMounts.length > 0 ? { volumeMounts } : {}),
      },
    ],
    ...(volumes.length > 0 ? { volumes } : {}),
  });
}

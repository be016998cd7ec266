/**
 * The Job of one Experiment trial (docs/contracts.md §1): `cairn fetch` verifies the pinned data into the pod
 * before the trainer starts, the trainer gets its parameters and paths as CAIRN_* variables, and `cairn upload`,
 * a native sidecar, uploads what the trainer left in its output folder once the trainer has exited (the kubelet
 * stops sidecars with SIGTERM after the main container ends). Pure: same input, same Job.
 */
import type { ExperimentSpec } from '../api/kinds/experiment.js';
import { parameterEnv, type TrialParameters } from '../training/search.js';
import { RenderError } from './errors.js';
import { claimVolume } from './claim-volume.js';
import { buildJob } from './job.js';
import type { OwnerObject } from './owner.js';
import { labelValue } from './label-value.js';
import { LABEL_EXPERIMENT, LABEL_RUN, LABEL_TRIAL } from './labels.js';
import type { EnvFromSource, EnvVar, Job, Toleration } from './types.js';

/** The Secret whose keys (AWS_ACCESS_KEY_ID, CAIRN_S3_ENDPOINT, ...) give fetch and upload their storage credentials, when it exists. */
export const storageSecretName = 'cairn-storage';

export const trialPaths = {
  data: '/cairn/data',
  output: '/cairn/output',
  /** The upload sidecar creates it once it handles SIGTERM; its startup probe holds the trainer until then. */
  uploadReady: '/tmp/cairn-upload-ready',
} as const;

/** How long one attempt of the sidecar's startup probe waits for the ready file, inside its timeoutSeconds. */
const UPLOAD_PROBE_WAIT_MS = 3_000;

/** How often one attempt of the sidecar's startup probe looks for the ready file. */
const UPLOAD_PROBE_POLL_MS = 20;

/**
 * The sidecar's startup probe. A SIGTERM that reached the sidecar before its handler was installed (a trainer
 * that exits within the second node takes to start) would kill it with nothing uploaded; the kubelet starts
 * the trainer only once this probe passed. An attempt waits for the ready file (up to UPLOAD_PROBE_WAIT_MS,
 * under timeoutSeconds) instead of failing at once: the first attempt runs as the sidecar starts, before the file
 * can be there, and a failed one would hold the trainer a whole period more. A shell loop (`sh` and `sleep` are in
 * the cairn image, a Debian one), not `node -e`: node's own start cost ~0.1 s of CPU in every trial pod, beside the
 * sidecar's start it waits for. 75 attempts of about 4 s: the 5 minutes the sidecar had before.
 */
const uploadStartupProbe = {
  exec: {
    command: [
      'sh',
      '-c',
      `i=0; while [ ! -e ${trialPaths.uploadReady} ]; do i=$((i + 1)); if [ "$i" -gt ${UPLOAD_PROBE_WAIT_MS / UPLOAD_PROBE_POLL_MS} ]; then exit 1; fi; sleep ${UPLOAD_PROBE_POLL_MS / 1000}; done`,
    ],
  },
  failureThreshold: 75,
  periodSeconds: 1,
  timeoutSeconds: 5,
};

export interface TrialJobInput {
  experiment: OwnerObject & { spec: Pick<ExperimentSpec, 'trainer'> };
  run: number;
  /** The trial's name, also the Job's (training/names.ts trialName). */
  name: string;
  parameters: TrialParameters;
  dataset: { name: string; uri: string; sha256: string; format: 'csv' | 'parquet' | 'jsonl' };
  /** `<artifacts.uri>/<experiment>/<run>/<trial>/` (training/names.ts trialArtifactsUri). */
  artifactsUri: string;
  /** The image with the `cairn` command (the operator's own). */
  cairnImage: string;
  /** trialTimeout, in seconds: the Job's activeDeadlineSeconds. */
  timeoutSeconds: number;
  /** Where trial pods may run (the operator's setting, e.g. the local node of `cairn dev`); default anywhere. */
  placement?: { nodeSelector?: Readonly<Record<string, string>>; tolerations?: readonly Toleration[] };
  /** Pass --allow-file-urls to fetch and upload (the operator runs with it: development only). */
  allowFileUrls?: boolean;
}

/** The envFrom of every container that runs `cairn fetch` or `cairn upload`: the storage Secret's keys, when it exists. */
export const storageEnvFrom: readonly EnvFromSource[] = [{ secretRef: { name: storageSecretName, optional: true } }];

/** The trial Job. Throws RenderError for a trainer env var that would redefine a CAIRN_* variable. */
export function renderTrialJob(input: TrialJobInput): Job {
  const { experiment, dataset } = input;
  const trainer = experiment.spec.trainer;
  const dataFile = `data.${dataset.format}`;
  const fileUrls = input.allowFileUrls ? ['--allow-file-urls'] : [];
  const cairnEnv: EnvVar[] = [
    ...parameterEnv(input.parameters),
    { name: 'CAIRN_DATA_PATH', value: `${trialPaths.data}/${dataFile}` },
    { name: 'CAIRN_DATA_FORMAT', value: dataset.format },
    { name: 'CAIRN_DATA_SHA256', value: dataset.sha256 },
    { name: 'CAIRN_OUTPUT_DIR', value: trialPaths.output },
    { name: 'CAIRN_EXPERIMENT', value: experiment.metadata?.name ?? '' },
    { name: 'CAIRN_RUN', value: String(input.run) },
    { name: 'CAIRN_TRIAL', value: input.name },
    // CAIRN_TERMINATION_LOG is not set here: in a cluster the trainer writes /dev/termination-log (its default,
    // docs/contracts.md §1); the local node sets the variable to its own file, and a value here would win over it.
  ];
  (trainer.env ?? []).forEach((e, i) => {
    if (e.name.startsWith('CAIRN_')) throw new RenderError('InvalidValue', `spec.trainer.env[${i}].name`, `${e.name}: CAIRN_* variables are set by Cairn (docs/contracts.md §1)`);
  });
  // pvc:// data and artifacts: the claims mounted where fetch (read-only) and upload (to write) look for them.
  const dataClaim = claimVolume(dataset.uri, 'data-claim');
  const artifactsClaim = claimVolume(input.artifactsUri, 'artifacts-claim', true);
  const job = buildJob({
    owner: experiment,
    name: input.name,
    component: 'trial',
    labels: { [LABEL_EXPERIMENT]: labelValue(experiment.metadata?.name ?? ''), [LABEL_RUN]: String(input.run), [LABEL_TRIAL]: input.name },
    annotations: { 'cairn.dev/parameters': JSON.stringify(input.parameters), 'cairn.dev/dataset-version': `sha256:${dataset.sha256}` },
    activeDeadlineSeconds: input.timeoutSeconds,
    ...(trainer.serviceAccountName ? { serviceAccountName: trainer.serviceAccountName } : {}),
    ...(input.placement?.nodeSelector ? { nodeSelector: input.placement.nodeSelector } : {}),
    ...(input.placement?.tolerations ? { tolerations: input.placement.tolerations } : {}),
    initContainers: [
      {
        name: 'fetch',
        image: input.cairnImage,
        args: ['fetch', dataset.uri, '--sha256', dataset.sha256, '--to', trialPaths.data, '--name', dataFile, ...fileUrls],
        envFrom: storageEnvFrom,
        volumeMounts: [{ name: 'data', mountPath: trialPaths.data }, ...(dataClaim ? [dataClaim.mount] : [])],
      },
      {
        name: 'upload',
        image: input.cairnImage,
        restartPolicy: 'Always',
        args: ['upload', trialPaths.output, input.artifactsUri, '--after-sigterm', '--ready-file', trialPaths.uploadReady, ...fileUrls],
        envFrom: storageEnvFrom,
        volumeMounts: [{ name: 'output', mountPath: trialPaths.output, readOnly: true }, ...(artifactsClaim ? [artifactsClaim.mount] : [])],
      },
    ],
    containers: [
      {
        name: 'trainer',
        image: trainer.image,
        ...(trainer.command ? { command: trainer.command } : {}),
        ...(trainer.args ? { args: trainer.args } : {}),
        // Cairn's variables first: the trainer's own may refer to them as $(CAIRN_OUTPUT_DIR).
        env: [...cairnEnv, ...(trainer.env ?? []).map((e) => ({ name: e.name, value: e.value }))],
        ...(trainer.resources ? { resources: asStrings(trainer.resources) } : {}),
        volumeMounts: [
          { name: 'data', mountPath: trialPaths.data, readOnly: true },
          { name: 'output', mountPath: trialPaths.output },
        ],
      },
    ],
    volumes: [{ name: 'data', emptyDir: {} }, { name: 'output', emptyDir: {} }, ...(dataClaim ? [dataClaim.volume] : []), ...(artifactsClaim ? [artifactsClaim.volume] : [])],
  });
  // buildJob has no probes; the sidecar's is set here, keys in the sorted order buildJob gives every field.
  const upload = job.spec.template.spec.initContainers?.find((c) => c.name === 'upload') as (Record<string, unknown> & { name: string }) | undefined;
  if (upload) {
    const entries = Object.entries({ ...upload, startupProbe: uploadStartupProbe }).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    Object.keys(upload).forEach((k) => delete upload[k]);
    Object.assign(upload, Object.fromEntries(entries));
  }
  return job;
}

/** Quantities as the API server stores them: the API accepts `cpu: 2`, a Pod spec holds `"2"`. */
function asStrings(resources: NonNullable<ExperimentSpec['trainer']['resources']>): { requests?: Record<string, string>; limits?: Record<string, string> } {
  const text = (m: Record<string, string | number> | undefined) => (m ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)])) : undefined);
  const requests = text(resources.requests);
  const limits = text(resources.limits);
  return { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) };
}

/**
 * The Job of one Experiment trial (docs/contracts.md §1): `cairn fetch` verifies the pinned data into the pod
 * before the trainer starts, the trainer gets its parameters and paths as CAIRN_* variables, and `cairn upload`,
 * a native sidecar, uploads what the trainer left in its output folder once the trainer has exited (the kubelet
 * stops sidecars with SIGTERM after the main container ends). Pure: same input, same Job.
 */
import type { ExperimentSpec } from '../api/kinds/experiment.js';
import { parameterEnv, type TrialParameters } from '../training/search.js';
import { RenderError } from './errors.js';
import { buildJob } from './job.js';
import type { OwnerObject } from './owner.js';
import type { EnvFromSource, EnvVar, Job } from './types.js';

/** The Secret whose keys (AWS_ACCESS_KEY_ID, CAIRN_S3_ENDPOINT, ...) give fetch and upload their storage credentials, when it exists. */
export const storageSecretName = 'cairn-storage';

export const trialPaths = {
  data: '/cairn/data',
  output: '/cairn/output',
} as const;

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
}

const storageEnv: readonly EnvFromSource[] = [{ secretRef: { name: storageSecretName, optional: true } }];

/** The trial Job. Throws RenderError for a trainer env var that would redefine a CAIRN_* variable. */
export function renderTrialJob(input: TrialJobInput): Job {
  const { experiment, dataset } = input;
  const trainer = experiment.spec.trainer;
  const dataFile = `data.${dataset.format}`;
  const cairnEnv: EnvVar[] = [
    ...parameterEnv(input.parameters),
    { name: 'CAIRN_DATA_PATH', value: `${trialPaths.data}/${dataFile}` },
    { name: 'CAIRN_DATA_FORMAT', value: dataset.format },
    { name: 'CAIRN_DATA_SHA256', value: dataset.sha256 },
    { name: 'CAIRN_OUTPUT_DIR', value: trialPaths.output },
    { name: 'CAIRN_EXPERIMENT', value: experiment.metadata?.name ?? '' },
    { name: 'CAIRN_RUN', value: String(input.run) },
    { name: 'CAIRN_TRIAL', value: input.name },
    { name: 'CAIRN_TERMINATION_LOG', value: '/dev/termination-log' },
  ];
  (trainer.env ?? []).forEach((e, i) => {
    if (e.name.startsWith('CAIRN_')) throw new RenderError('InvalidValue', `spec.trainer.env[${i}].name`, `${e.name}: CAIRN_* variables are set by Cairn (docs/contracts.md §1)`);
  });
  return buildJob({
    owner: experiment,
    name: input.name,
    component: 'trial',
    labels: { 'cairn.dev/run': String(input.run), 'cairn.dev/trial': input.name },
    annotations: { 'cairn.dev/parameters': JSON.stringify(input.parameters), 'cairn.dev/dataset-version': `sha256:${dataset.sha256}` },
    activeDeadlineSeconds: input.timeoutSeconds,
    ...(trainer.serviceAccountName ? { serviceAccountName: trainer.serviceAccountName } : {}),
    initContainers: [
      {
        name: 'fetch',
        image: input.cairnImage,
        args: ['fetch', dataset.uri, '--sha256', dataset.sha256, '--to', trialPaths.data, '--name', dataFile],
        envFrom: storageEnv,
        volumeMounts: [{ name: 'data', mountPath: trialPaths.data }],
      },
      {
        name: 'upload',
        image: input.cairnImage,
        restartPolicy: 'Always',
        args: ['upload', trialPaths.output, input.artifactsUri, '--after-sigterm'],
        envFrom: storageEnv,
        volumeMounts: [{ name: 'output', mountPath: trialPaths.output, readOnly: true }],
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
    volumes: [
      { name: 'data', emptyDir: {} },
      { name: 'output', emptyDir: {} },
    ],
  });
}

/** Quantities as the API server stores them: the API accepts `cpu: 2`, a Pod spec holds `"2"`. */
function asStrings(resources: NonNullable<ExperimentSpec['trainer']['resources']>): { requests?: Record<string, string>; limits?: Record<string, string> } {
  const text = (m: Record<string, string | number> | undefined) => (m ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, String(v)])) : undefined);
  const requests = text(resources.requests);
  const limits = text(resources.limits);
  return { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) };
}

/** buildJob inputs, one per kind of Job Cairn runs. */
import type { JobInput } from '../../../src/render/index.js';
import { dataset, experiment } from './owners.js';

export const CAIRN_IMAGE = 'ghcr.io/cairn-dev/cairn:0.1.0';

/** The least a Job needs: a Dataset's profiling Job. */
export const minimal: JobInput = {
  owner: dataset,
  name: 'driver-stats-profile-9f86d081',
  component: 'profile',
  containers: [{ name: 'profile', image: CAIRN_IMAGE, args: ['profile', '--data', 's3://ml-data/driver-stats/2026-11-20.parquet'] }],
  activeDeadlineSeconds: 1800,
};

/** A trial: data fetched by an init container, outputs uploaded by a native sidecar, the trainer as the main container. */
export const trial: JobInput = {
  owner: experiment,
  name: 'eta-elasticnet-2-t0',
  component: 'trial',
  initContainers: [
    {
      name: 'fetch',
      image: CAIRN_IMAGE,
      args: ['fetch', '--uri', 's3://ml-data/driver-stats/2026-11-20.parquet', '--sha256', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', '--to', '/data/data.parquet'],
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
    },
    {
      name: 'upload',
      image: CAIRN_IMAGE,
      restartPolicy: 'Always',
      args: ['upload', '--from', '/output', '--to', 's3://ml-artifacts/eta-elasticnet/run-2/t0/', '--wait-for', 'trainer'],
      volumeMounts: [{ name: 'output', mountPath: '/output', readOnly: true }],
    },
  ],
  containers: [
    {
      name: 'trainer',
      image: 'ghcr.io/acme/eta-trainer:1.4.0',
      env: [
        { name: 'CAIRN_DATA_PATH', value: '/data/data.parquet' },
        { name: 'CAIRN_OUTPUT_DIR', value: '/output' },
        { name: 'CAIRN_PARAMS', value: '{"alpha":0.1,"l1_ratio":0.5}' },
        { name: 'CAIRN_PARAM_ALPHA', value: '0.1' },
        { name: 'CAIRN_PARAM_L1_RATIO', value: '0.5' },
        { name: 'MODEL_PATH', value: '$(CAIRN_OUTPUT_DIR)/model.onnx' },
      ],
      resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
      volumeMounts: [
        { name: 'data', mountPath: '/data', readOnly: true },
        { name: 'output', mountPath: '/output' },
      ],
    },
  ],
  volumes: [
    { name: 'data', emptyDir: {} },
    { name: 'output', emptyDir: {} },
  ],
  activeDeadlineSeconds: 3600,
  labels: { 'cairn.dev/experiment': 'eta-elasticnet', 'cairn.dev/run': '2', 'cairn.dev/trial': 't0' },
};

/** A ModelVersion's check: volumes from a ConfigMap and a PVC, and a /tmp of its own on the main container. */
export const modelCheck: JobInput = {
  owner: { apiVersion: 'cairn.dev/v1alpha1', kind: 'ModelVersion', metadata: { name: 'eta-7', namespace: 'ml', uid: 'c1d2e3f4-0a1b-4c2d-8e3f-4a5b6c7d8e9f' } },
  name: 'eta-7-check',
  component: 'model-check',
  containers: [
    {
      name: 'inspect',
      image: CAIRN_IMAGE,
      args: ['model', 'inspect', '/models/model.onnx', '--sha256', 'a3f1c9d2e4b5a6978812c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718'],
      volumeMounts: [
        { name: 'models', mountPath: '/models', readOnly: true },
        { name: 'scratch', mountPath: '/tmp/' },
        { name: 'settings', mountPath: '/etc/cairn', readOnly: true },
      ],
    },
    { name: 'report', image: CAIRN_IMAGE, args: ['model', 'report'], volumeMounts: [{ name: 'settings', mountPath: '/etc/cairn', readOnly: true }] },
  ],
  volumes: [
    { name: 'models', persistentVolumeClaim: { claimName: 'model-store', readOnly: true } },
    { name: 'scratch', emptyDir: { sizeLimit: '2Gi' } },
    { name: 'settings', configMap: { name: 'cairn-model-check', items: [{ key: 'inspect.json', path: 'inspect.json' }], defaultMode: 0o444 } },
  ],
  activeDeadlineSeconds: 600,
};

/** Every field set. */
export const everything: JobInput = {
  ...trial,
  name: 'eta-elasticnet-3-t4',
  containers: [
    {
      name: 'trainer',
      image: 'ghcr.io/acme/eta-trainer@sha256:4c1e8b2d7f3a9e6c5b0d1f2a3e4c5b6a7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a',
      command: ['python', '-m', 'eta.train'],
      args: ['--epochs', '$(EPOCHS)'],
      workingDir: '/app',
      env: [
        { name: 'EPOCHS', value: '20' },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'ml-artifacts', key: 'access-key-id' } } },
      ],
      envFrom: [{ configMapRef: { name: 'eta-trainer-defaults' } }, { prefix: 'S3_', secretRef: { name: 'ml-artifacts', optional: true } }],
      resources: { requests: { cpu: '2', memory: '4Gi', 'nvidia.com/gpu': '1' }, limits: { memory: '8Gi', 'nvidia.com/gpu': '1' } },
      volumeMounts: [
        { name: 'data', mountPath: '/data', readOnly: true },
        { name: 'output', mountPath: '/output' },
        { name: 'dshm', mountPath: '/dev/shm' },
      ],
    },
  ],
  volumes: [...(trial.volumes ?? []), { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } }],
  serviceAccountName: 'eta-trainer',
  automountServiceAccountToken: true,
  backoffLimit: 1,
  activeDeadlineSeconds: 7200,
  ttlSecondsAfterFinished: 86400,
  labels: { ...trial.labels, 'cairn.dev/trial': 't4', 'cairn.dev/run': '3' },
  annotations: { 'cairn.dev/revision': 'main@sha1:0c3b5e7f9a1d2c4e6f8a0b2d4c6e8f0a1b3d5c7e' },
  podLabels: { 'sidecar.istio.io/inject': 'false' },
  podAnnotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' },
};

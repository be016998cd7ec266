import { describe, expect, it } from 'vitest';
import { deepFreeze, type KubeObject } from '../../../src/runtime/kube/object.js';
import { buildJob, RenderError, type JobInput, type RenderErrorReason } from '../../../src/render/index.js';
import { expectGolden } from './golden.js';
import { everything, minimal, modelCheck, trial } from './jobs.js';
import { unsaved } from './owners.js';

describe('buildJob golden objects', () => {
  it.each([
    ['minimal', minimal],
    ['sidecar', trial],
    ['volumes', modelCheck],
    ['everything', everything],
  ])('job-%s', (name, input) => {
    expectGolden(`job-${name}`, buildJob(input));
  });
});

describe('buildJob output', () => {
  it.each([minimal, trial, modelCheck, everything])('equals its JSON round trip, with no undefined field (%#)', (input) => {
    const job = buildJob(input);
    expect(job).toStrictEqual(JSON.parse(JSON.stringify(job)));
  });

  it('is the same for the same input, whatever the key order the caller used', () => {
    const reversed = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reversed)
        : typeof value === 'object' && value !== null
          ? Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]))
          : value;
    const text = JSON.stringify(buildJob(everything));
    expect(JSON.stringify(buildJob(everything))).toBe(text);
    expect(JSON.stringify(buildJob(reversed(everything) as JobInput))).toBe(text);
  });

  it('keeps env in the caller’s order ($(VAR) expands only earlier variables)', () => {
    const env = buildJob(trial).spec.template.spec.containers[0]?.env ?? [];
    expect(env.map((e) => e.name)).toEqual(['CAIRN_DATA_PATH', 'CAIRN_OUTPUT_DIR', 'CAIRN_PARAMS', 'CAIRN_PARAM_ALPHA', 'CAIRN_PARAM_L1_RATIO', 'MODEL_PATH']);
  });

  it('reads a deeply frozen input (parts of a cached object) and shares nothing with it', () => {
    const input = deepFreeze(structuredClone(everything));
    const job = buildJob(input);
    job.spec.template.spec.containers[0]?.env?.push({ name: 'X', value: 'y' });
    job.metadata.labels.extra = 'x';
    expect(input).toEqual(everything);
    expect(buildJob(input)).toEqual(buildJob(everything));
  });

  it('is a KubeObject the controller can apply, owned by the custom resource, in its namespace', () => {
    const job: KubeObject = buildJob(trial);
    expect(job.metadata?.namespace).toBe('ml');
    expect(job.metadata?.ownerReferences).toEqual([
      { apiVersion: 'cairn.dev/v1alpha1', kind: 'Experiment', name: 'eta-elasticnet', uid: '5f0c7a52-3a1e-4d0b-9a43-2f7e8c1d6b90', controller: true, blockOwnerDeletion: true },
    ]);
  });

  it('gives the pods the Job’s labels plus podLabels, and the Job only its own', () => {
    const job = buildJob(everything);
    expect(job.metadata.labels['sidecar.istio.io/inject']).toBeUndefined();
    expect(job.spec.template.metadata.labels).toEqual({ ...job.metadata.labels, 'sidecar.istio.io/inject': 'false' });
    expect(job.metadata.labels['cairn.dev/owner-name']).toBe('eta-elasticnet');
  });

  it('mounts the /tmp emptyDir on every container that has no /tmp of its own, and adds no volume when none needs it', () => {
    const job = buildJob(modelCheck);
    const mounts = job.spec.template.spec.containers.map((c) => (c.volumeMounts ?? []).filter((m) => m.mountPath.startsWith('/tmp')).map((m) => m.name));
    expect(mounts).toEqual([['scratch'], ['cairn-tmp']]);
    const own = buildJob({ ...modelCheck, containers: modelCheck.containers.slice(0, 1) });
    expect(own.spec.template.spec.volumes?.map((v) => v.name)).toEqual(['models', 'scratch', 'settings']);
  });

  it('defaults: backoffLimit 0, ttlSecondsAfterFinished 3600, no service account token', () => {
    const { spec } = buildJob(minimal);
    expect(spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 1800, ttlSecondsAfterFinished: 3600 });
    expect(spec.template.spec).toMatchObject({ restartPolicy: 'Never', automountServiceAccountToken: false, enableServiceLinks: false });
    expect(spec.template.spec.serviceAccountName).toBeUndefined();
  });
});

const container = minimal.containers[0] as JobInput['containers'][number];
const withContainer = (patch: object): JobInput => ({ ...minimal, containers: [{ ...container, ...patch }] });

describe('buildJob refuses what the API server would reject', () => {
  const cases: Array<[string, JobInput, RenderErrorReason, string]> = [
    ['an owner without uid', { ...minimal, owner: unsaved }, 'OwnerNotCreated', 'owner.metadata.uid'],
    ['an owner without namespace', { ...minimal, owner: { apiVersion: 'cairn.dev/v1alpha1', kind: 'Dataset', metadata: { name: 'd', uid: 'u' } } }, 'InvalidOwner', 'owner.metadata.namespace'],
    ['an empty name', { ...minimal, name: '' }, 'InvalidName', 'name'],
    ['a name with upper case', { ...minimal, name: 'Eta-t0' }, 'InvalidName', 'name'],
    ['a name with a dot (a subdomain, not a label)', { ...minimal, name: 'eta.t0' }, 'InvalidName', 'name'],
    ['a name with an underscore', { ...minimal, name: 'eta_t0' }, 'InvalidName', 'name'],
    ['a name starting with a dash', { ...minimal, name: '-eta' }, 'InvalidName', 'name'],
    ['a name of 64 characters', { ...minimal, name: 'a'.repeat(64) }, 'InvalidName', 'name'],
    ['no component', { ...minimal, component: '' }, 'InvalidLabel', 'component'],
    ['a component that is not a label value', { ...minimal, component: 'model check' }, 'InvalidLabel', 'component'],
    ['activeDeadlineSeconds 0', { ...minimal, activeDeadlineSeconds: 0 }, 'InvalidValue', 'activeDeadlineSeconds'],
    ['activeDeadlineSeconds < 0', { ...minimal, activeDeadlineSeconds: -60 }, 'InvalidValue', 'activeDeadlineSeconds'],
    ['activeDeadlineSeconds not whole', { ...minimal, activeDeadlineSeconds: 1.5 }, 'InvalidValue', 'activeDeadlineSeconds'],
    ['activeDeadlineSeconds NaN', { ...minimal, activeDeadlineSeconds: NaN }, 'InvalidValue', 'activeDeadlineSeconds'],
    ['activeDeadlineSeconds missing', { ...minimal, activeDeadlineSeconds: undefined as unknown as number }, 'InvalidValue', 'activeDeadlineSeconds'],
    ['backoffLimit < 0', { ...minimal, backoffLimit: -1 }, 'InvalidValue', 'backoffLimit'],
    ['ttlSecondsAfterFinished < 0', { ...minimal, ttlSecondsAfterFinished: -1 }, 'InvalidValue', 'ttlSecondsAfterFinished'],
    ['a service account name with upper case', { ...minimal, serviceAccountName: 'Trainer' }, 'InvalidName', 'serviceAccountName'],
    ['no container', { ...minimal, containers: [] }, 'InvalidContainer', 'containers'],
    ['two containers of one name', { ...minimal, containers: [container, { ...container }] }, 'DuplicateContainerName', 'containers[1].name'],
    ['an init container and a container of one name', { ...minimal, initContainers: [{ ...container }] }, 'DuplicateContainerName', 'containers[0].name'],
    ['a container name with upper case', withContainer({ name: 'Profile' }), 'InvalidName', 'containers[0].name'],
    ['an empty image', withContainer({ image: '' }), 'InvalidContainer', 'containers[0].image'],
    ['an image with a space', withContainer({ image: 'cairn 0.1' }), 'InvalidContainer', 'containers[0].image'],
    ['a restartPolicy on a container', withContainer({ restartPolicy: 'Always' }), 'InvalidContainer', 'containers[0].restartPolicy'],
    ['an init container restartPolicy other than Always', { ...minimal, initContainers: [{ ...container, name: 'init', restartPolicy: 'OnFailure' as 'Always' }] }, 'InvalidContainer', 'initContainers[0].restartPolicy'],
    ['a relative workingDir', withContainer({ workingDir: 'app' }), 'InvalidContainer', 'containers[0].workingDir'],
    ['an env variable without a name', withContainer({ env: [{ name: '', value: 'x' }] }), 'InvalidContainer', 'containers[0].env[0].name'],
    ['an env variable with value and valueFrom', withContainer({ env: [{ name: 'A', value: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }), 'InvalidContainer', 'containers[0].env[0]'],
    ['a mount of a volume the pod lacks', withContainer({ volumeMounts: [{ name: 'data', mountPath: '/data' }] }), 'UnknownVolume', 'containers[0].volumeMounts[0].name'],
    ['a relative mountPath', { ...withContainer({ volumeMounts: [{ name: 'data', mountPath: 'data' }] }), volumes: [{ name: 'data', emptyDir: {} }] }, 'InvalidContainer', 'containers[0].volumeMounts[0].mountPath'],
    [
      'two mounts at one path',
      { ...withContainer({ volumeMounts: [{ name: 'a', mountPath: '/data' }, { name: 'b', mountPath: '/data/' }] }), volumes: [{ name: 'a', emptyDir: {} }, { name: 'b', emptyDir: {} }] },
      'InvalidContainer',
      'containers[0].volumeMounts[1].mountPath',
    ],
    ['two volumes of one name', { ...minimal, volumes: [{ name: 'a', emptyDir: {} }, { name: 'a', emptyDir: {} }] }, 'DuplicateVolumeName', 'volumes[1].name'],
    ['a volume named like the /tmp volume', { ...minimal, volumes: [{ name: 'cairn-tmp', emptyDir: {} }] }, 'DuplicateVolumeName', 'volumes[0].name'],
    ['a volume name with upper case', { ...minimal, volumes: [{ name: 'Data', emptyDir: {} }] }, 'InvalidName', 'volumes[0].name'],
    ['a hostPath volume (not allowed by the restricted standard)', { ...minimal, volumes: [{ name: 'h', hostPath: { path: '/' } } as never] }, 'InvalidVolume', 'volumes[0].hostPath'],
    ['a volume with two sources', { ...minimal, volumes: [{ name: 'a', emptyDir: {}, secret: { secretName: 's' } }] }, 'InvalidVolume', 'volumes[0]'],
    ['a volume without source', { ...minimal, volumes: [{ name: 'a' }] }, 'InvalidVolume', 'volumes[0]'],
    ['a value JSON cannot carry', { ...minimal, volumes: [{ name: 'a', configMap: { name: 'c', defaultMode: NaN } }] }, 'InvalidValue', 'job.spec.template.spec.volumes[0].configMap.defaultMode'],
    ['a label that changes managed-by', { ...minimal, labels: { 'app.kubernetes.io/managed-by': 'helm' } }, 'InvalidLabel', 'labels.app.kubernetes.io/managed-by'],
    ['a pod label that changes the owner', { ...minimal, podLabels: { 'cairn.dev/owner-name': 'other' } }, 'InvalidLabel', 'podLabels.cairn.dev/owner-name'],
    ['an invalid label key', { ...minimal, labels: { 'cairn.dev/a/b': 'x' } }, 'InvalidLabel', 'labels.cairn.dev/a/b'],
    ['an invalid label value', { ...minimal, labels: { 'cairn.dev/trial': 'trial 0' } }, 'InvalidLabel', 'labels.cairn.dev/trial'],
    ['a label value of 64 characters', { ...minimal, podLabels: { 'cairn.dev/trial': 'a'.repeat(64) } }, 'InvalidLabel', 'podLabels.cairn.dev/trial'],
    ['an invalid annotation key', { ...minimal, annotations: { 'cairn dev/revision': 'x' } }, 'InvalidAnnotation', 'annotations.cairn dev/revision'],
    ['an annotation value that is not a string', { ...minimal, podAnnotations: { 'cairn.dev/n': 1 as unknown as string } }, 'InvalidAnnotation', 'podAnnotations.cairn.dev/n'],
  ];

  it.each(cases)('%s', (_, input, reason, field) => {
    let error: unknown;
    try {
      buildJob(input);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RenderError);
    expect(error).toMatchObject({ reason, field });
    expect((error as Error).message.startsWith(`${field}: `)).toBe(true);
  });

  it('accepts a label that restates what Cairn sets, and a name of 63 characters', () => {
    expect(buildJob({ ...minimal, name: 'a'.repeat(63), labels: { 'app.kubernetes.io/managed-by': 'cairn' } }).metadata.name).toHaveLength(63);
  });
});

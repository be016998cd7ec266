/**
 * pvc:// data and models reach the containers that read or write them: the claim mounted at /mnt/pvc/<claim>
 * (cairn fetch's and cairn upload's default root), read-only where only read, in every renderer that runs them;
 * a serving pod reads a pvc:// model in place.
 */
import { describe, expect, it } from 'vitest';
import { API_VERSION } from '../../../src/api/kind.js';
import { claimVolume } from '../../../src/render/claim-volume.js';
import { renderTrialJob } from '../../../src/render/index.js';
import { renderServingDeployment } from '../../../src/render/serving.js';
import { experiment } from './owners.js';

type Pod = { initContainers?: Array<{ name: string; volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }> }>; volumes?: Array<{ name: string; persistentVolumeClaim?: { claimName: string; readOnly?: boolean } }> };
const mountsOf = (pod: Pod, container: string) => pod.initContainers?.find((c) => c.name === container)?.volumeMounts ?? [];
type ServingPod = Pod & { containers: Array<{ name: string; args?: string[]; volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }> }> };
const serveOf = (pod: ServingPod) => pod.containers.find((c) => c.name === 'serve')!;
const argAfter = (args: string[] | undefined, flag: string) => args?.[args.indexOf(flag) + 1];
const claims = (pod: Pod) => (pod.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [[v.name, v.persistentVolumeClaim.claimName, v.persistentVolumeClaim.readOnly ?? false]] : []));

describe('claimVolume', () => {
  it.each([
    ['pvc://ml-data/driver_stats/2026-11.csv', false, { volume: { name: 'v', persistentVolumeClaim: { claimName: 'ml-data', readOnly: true } }, mount: { name: 'v', mountPath: '/mnt/pvc/ml-data', readOnly: true } }],
    ['pvc://ml-artifacts/eta', true, { volume: { name: 'v', persistentVolumeClaim: { claimName: 'ml-artifacts' } }, mount: { name: 'v', mountPath: '/mnt/pvc/ml-artifacts' } }],
    ['s3://bucket/key', false, undefined],
    ['pvc://no-path', false, undefined],
  ] as const)('%s (writable %s)', (uri, writable, expected) => {
    expect(claimVolume(uri, 'v', writable)).toEqual(expected);
  });
});

describe('pvc:// in the renderers', () => {
  it('a trial Job: the data claim read-only in fetch, the artifacts claim writable in upload', () => {
    const job = renderTrialJob({
      experiment: { ...experiment, spec: { trainer: { image: 'trainer', command: ['python3', 'train.py'] } } },
      run: 1,
      name: 'eta-1-t0',
      parameters: { alpha: 0.01 },
      dataset: { name: 'driver-stats', uri: 'pvc://ml-data/driver_stats/2026-11.csv', sha256: 'a'.repeat(64), format: 'csv' },
      artifactsUri: 'pvc://ml-artifacts/eta/eta-elasticnet/1/eta-1-t0',
      cairnImage: 'cairn',
      timeoutSeconds: 60,
    });
    const pod = job.spec.template.spec as Pod;
    expect(mountsOf(pod, 'fetch')).toContainEqual({ name: 'data-claim', mountPath: '/mnt/pvc/ml-data', readOnly: true });
    expect(mountsOf(pod, 'upload')).toContainEqual({ name: 'artifacts-claim', mountPath: '/mnt/pvc/ml-artifacts' });
    expect(claims(pod)).toEqual([
      ['data-claim', 'ml-data', true],
      ['artifacts-claim', 'ml-artifacts', false],
    ]);
  });

  it('a serving Deployment: a pvc:// model read in place by serve, its claim read-only, no fetch; an s3:// model fetched first', () => {
    const owner = { apiVersion: API_VERSION, kind: 'Deployment', metadata: { name: 'eta', namespace: 'ml', uid: 'u-1' }, spec: { model: 'eta' } };
    const render = (uri: string) => renderServingDeployment({ deployment: owner, version: { number: 1, uri, sha256: 'b'.repeat(64) }, replicas: 1, cairnImage: 'cairn' }).spec.template.spec as ServingPod;
    const onClaim = render('pvc://ml-artifacts/eta/run 1/model.onnx');
    expect(onClaim.initContainers).toBeUndefined();
    expect(serveOf(onClaim).volumeMounts).toEqual([{ name: 'model-claim', mountPath: '/mnt/pvc/ml-artifacts', readOnly: true }, { name: 'cairn-tmp', mountPath: '/tmp' }]);
    expect(argAfter(serveOf(onClaim).args, '--model-uri')).toBe('/mnt/pvc/ml-artifacts/eta/run 1/model.onnx');
    expect(argAfter(serveOf(onClaim).args, '--sha256')).toBe('b'.repeat(64));
    expect(claims(onClaim)).toEqual([['model-claim', 'ml-artifacts', true]]);
    expect((onClaim.volumes ?? []).map((v) => v.name)).not.toContain('models');

    const onS3 = render('s3://models/eta/model.onnx');
    expect(onS3.initContainers?.map((c) => c.name)).toEqual(['fetch-model']);
    expect(argAfter(serveOf(onS3).args, '--model-uri')).toBe('/models/model.onnx');
    expect(serveOf(onS3).volumeMounts).toContainEqual({ name: 'models', mountPath: '/models', readOnly: true });
    expect(claims(onS3)).toEqual([]);

    // A pvc:// URI the storage module refuses is not turned into a path: the fetch init container reports it.
    const outside = render('pvc://ml-artifacts/eta/../../etc/model.onnx');
    expect(outside.initContainers?.map((c) => c.name)).toEqual(['fetch-model']);
    expect(argAfter(serveOf(outside).args, '--model-uri')).toBe('/models/model.onnx');
    expect(mountsOf(outside, 'fetch-model')).toContainEqual({ name: 'model-claim', mountPath: '/mnt/pvc/ml-artifacts', readOnly: true });
  });
});

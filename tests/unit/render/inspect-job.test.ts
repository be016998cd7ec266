import { describe, expect, it } from 'vitest';
import { API_VERSION } from '../../../src/api/kind.js';
import { isRenderError } from '../../../src/render/index.js';
import { inspectJobName, renderInspectJob, type InspectJobInput } from '../../../src/render/inspect-job.js';
import { expectGolden } from './golden.js';
import { longName } from './owners.js';

const SHA = '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae';

const modelVersion = (uri = 's3://ml-artifacts/eta/eta-elasticnet/2/t0/model.onnx', name = 'eta-7') => ({
  apiVersion: API_VERSION,
  kind: 'ModelVersion',
  metadata: { name, namespace: 'ml', uid: '7a1d3c55-0e2b-4c8f-b6a9-1d4e5f6a7b8c' },
  spec: { artifact: { uri, sha256: SHA } },
});

const input = (overrides: Partial<InspectJobInput> = {}, uri?: string): InspectJobInput => ({ modelVersion: modelVersion(uri), cairnImage: 'ghcr.io/cairn-dev/cairn:0.1.0', ...overrides });

const failure = (f: () => unknown): { reason?: string; field?: string } => {
  try {
    f();
  } catch (err) {
    if (isRenderError(err)) return { reason: err.reason, field: err.field };
    throw err;
  }
  throw new Error('no RenderError');
};

describe('renderInspectJob', () => {
  it('golden: cairn model inspect of an s3:// artifact, storage credentials from the optional Secret, no token', () => {
    expectGolden('inspect-job', renderInspectJob(input()));
  });

  it('golden: a pvc:// artifact mounts its claim read-only at /mnt/pvc/<claim>', () => {
    expectGolden('inspect-job-pvc', renderInspectJob(input({}, 'pvc://ml-artifacts/eta/model.onnx')));
  });

  it('runs one container whose args name the artifact and digest; owned by the ModelVersion', () => {
    const job = renderInspectJob(input());
    const pod = job.spec.template.spec;
    expect(pod.initContainers).toBeUndefined();
    expect(pod.containers.map((c) => c.name)).toEqual(['inspect']);
    expect(pod.containers[0]!.args).toEqual(['model', 'inspect', 's3://ml-artifacts/eta/eta-elasticnet/2/t0/model.onnx', '--sha256', SHA]);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: API_VERSION, kind: 'ModelVersion', name: 'eta-7', uid: '7a1d3c55-0e2b-4c8f-b6a9-1d4e5f6a7b8c', controller: true, blockOwnerDeletion: true }]);
    expect(job.metadata.annotations).toEqual({ 'cairn.dev/model-sha256': `sha256:${SHA}` });
  });

  it('a new artifact or image is a new Job name; the same input the same name', () => {
    const base = inspectJobName(input());
    expect(base).toMatch(/^eta-7-inspect-[0-9a-f]{10}$/);
    expect(inspectJobName(input())).toBe(base);
    expect(inspectJobName(input({}, 's3://ml-artifacts/other.onnx'))).not.toBe(base);
    expect(inspectJobName(input({ cairnImage: 'ghcr.io/cairn-dev/cairn:0.2.0' }))).not.toBe(base);
  });

  it('a 253-character name with a dot gives a 63-character Job name without dots', () => {
    const long = input({ modelVersion: modelVersion(undefined, longName) });
    const name = inspectJobName(long);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(renderInspectJob(long).metadata.name).toBe(name);
  });

  it('refuses file:// unless the operator allows it, and passes the permission on to cairn model inspect', () => {
    expect(failure(() => renderInspectJob(input({}, 'file:///models/m.onnx')))).toEqual({ reason: 'InvalidValue', field: 'spec.artifact.uri' });
    expect(renderInspectJob(input({ allowFileUrls: true }, 'file:///models/m.onnx')).spec.template.spec.containers[0]!.args).toContain('--allow-file-urls');
  });

  it('refuses an owner that has no uid yet', () => {
    const unsaved = input();
    const { uid: _uid, ...metadata } = unsaved.modelVersion.metadata;
    expect(failure(() => renderInspectJob({ ...unsaved, modelVersion: { ...unsaved.modelVersion, metadata } }))).toMatchObject({ reason: 'OwnerNotCreated' });
  });
});

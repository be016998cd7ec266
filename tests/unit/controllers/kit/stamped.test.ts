/** The kit's stamped: the digest of the desired object (memoized by its JSON), on a copy that leaves the input alone. */
import { describe, expect, it } from 'vitest';
import { stamped } from '../../../../src/controllers/kit/index.js';
import { annotations, digestOf } from '../../../../src/gitops/desired.js';
import type { KubeObject } from '../../../../src/runtime/kube/object.js';

const job = (parallelism: number) =>
  ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ml', annotations: { a: '1' } }, spec: { parallelism, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } }) as KubeObject;

describe('stamped', () => {
  it.each([1, 2, 1])('carries digestOf the object itself (parallelism %i), computed once per rendering', (parallelism) => {
    const input = job(parallelism);
    const out = stamped(input);
    expect(out.metadata?.annotations).toEqual({ a: '1', [annotations.digest]: digestOf(job(parallelism)) });
    expect(input).toEqual(job(parallelism));
  });

  it('gives different digests to different objects', () => {
    expect(stamped(job(1)).metadata?.annotations?.[annotations.digest]).not.toBe(stamped(job(2)).metadata?.annotations?.[annotations.digest]);
  });
});

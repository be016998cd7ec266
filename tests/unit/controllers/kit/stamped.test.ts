/** The kit's stamped: the digest of the desired object (memoized by its JSON), on a copy that leaves the input alone. */
import { describe, expect, it } from 'vitest';
import { stamped, upToDate } from '../../../../src/controllers/kit/index.js';
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

describe('stamped and upToDate on objects seen before', () => {
  it('gives the same copy for the same rendered object, a new one for an equal but new object', () => {
    const input = job(3);
    expect(stamped(input)).toBe(stamped(input));
    expect(stamped(job(3))).not.toBe(stamped(input));
    expect(stamped(job(3))).toEqual(stamped(input));
  });

  it('answers again for the same live and desired objects, and looks again at a new live object', () => {
    const desired = stamped(job(4));
    const live = Object.freeze({ ...desired, status: { active: 1 } }) as KubeObject;
    expect(upToDate(desired, live)).toBe(true);
    expect(upToDate(desired, live)).toBe(true);
    const edited = { ...live, spec: { ...(live as { spec: object }).spec, parallelism: 9 } } as KubeObject;
    expect(upToDate(desired, edited)).toBe(false);
    expect(upToDate(stamped(job(5)), live)).toBe(false);
    expect(upToDate(desired, undefined)).toBe(false);
  });
});

/**
 * decidedByPod (src/render/observe-job.ts): a Job whose pod's end already decides it is read as ended before the
 * Job controller writes so; any other Job comes back unchanged.
 */
import { describe, expect, it } from 'vitest';
import { decidedByPod, observeJob } from '../../../src/render/observe-job.js';

const job = (spec: Record<string, unknown> = { backoffLimit: 0 }, conditions: unknown[] = []) => ({ metadata: { name: 'j', uid: 'u1' }, spec, status: { conditions } });
const pod = (phase: string, owner = 'u1') => ({
  metadata: { name: `p-${phase}`, ownerReferences: [{ controller: true, uid: owner, kind: 'Job', name: 'j' }] },
  spec: { containers: [{ name: 'main' }] },
  status: { phase, containerStatuses: [{ name: 'main', state: phase === 'Running' ? { running: {} } : { terminated: { exitCode: phase === 'Succeeded' ? 0 : 1, reason: phase === 'Succeeded' ? 'Completed' : 'Error' } } }] },
});
const conditionTypes = (j: unknown) => ((j as { status: { conditions: Array<{ type: string }> } }).status.conditions ?? []).map((c) => c.type);

describe('decidedByPod', () => {
  it.each([
    ['a succeeded pod of a one-completion Job: Complete', job(), [pod('Succeeded')], ['Complete']],
    ['a failed pod with backoffLimit 0: Failed', job(), [pod('Failed')], ['Failed']],
    ['a failed pod with retries left: unchanged', job({ backoffLimit: 2 }), [pod('Failed')], []],
    ['a failed pod under a pod failure policy: unchanged', job({ backoffLimit: 0, podFailurePolicy: { rules: [] } }), [pod('Failed')], []],
    ['a succeeded pod of a Job of 3 completions: unchanged', job({ backoffLimit: 0, completions: 3 }), [pod('Succeeded')], []],
    ['a running pod: unchanged', job(), [pod('Running')], []],
    ['another Job\'s pod: unchanged', job(), [pod('Succeeded', 'other')], []],
    ['already Complete: as it is', job({ backoffLimit: 0 }, [{ type: 'Complete', status: 'True' }]), [pod('Failed')], ['Complete']],
  ])('%s', (_name, j, pods, expected) => {
    expect(conditionTypes(decidedByPod(j, pods))).toEqual(expected);
  });

  it('returns the very object when nothing is decided, and never changes its input', () => {
    const j = job();
    expect(decidedByPod(j, [pod('Running')])).toBe(j);
    const decided = decidedByPod(j, [pod('Succeeded')]);
    expect(decided).not.toBe(j);
    expect(j.status.conditions).toEqual([]);
  });

  it('takes anything: not a Job, no uid', () => {
    expect(decidedByPod(null, [pod('Succeeded')])).toBeNull();
    const noUid = { metadata: { name: 'j' }, spec: { backoffLimit: 0 } };
    expect(decidedByPod(noUid, [pod('Succeeded')])).toBe(noUid);
  });

  it('observeJob reads the decided Job as ended, with the pod\'s exit code', () => {
    expect(observeJob(job(), [pod('Succeeded')]).phase).toBe('Running');
    const observed = observeJob(decidedByPod(job(), [pod('Succeeded')]), [pod('Succeeded')]);
    expect(observed.phase).toBe('Succeeded');
    expect(observed.exitCode).toBe(0);
    expect(observeJob(decidedByPod(job(), [pod('Failed')]), [pod('Failed')])).toMatchObject({ phase: 'Failed', exitCode: 1 });
  });
});

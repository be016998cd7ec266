import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../../../src/runtime/kube/object.js';
import { observeJob, type JobObservation, type TerminationMessage } from '../../../src/render/index.js';
import { fixture, fixtureNames } from './fixtures.js';

const observe = (name: string, options?: { container?: string }) => {
  const { job, pods } = fixture(name);
  return observeJob(job, pods, options);
};

const log = {
  oom: 'loaded 48210 rows from /data/data.parquet\nbuilding features: 61 columns\nfitting ElasticNet(alpha=0.1, l1_ratio=0.5) on 38568 rows\n',
  deadline: 'epoch 37/200 loss=0.5213\nepoch 38/200 loss=0.5207\nepoch 39/200 loss=0.5204\n',
  usage: 'usage: cairn profile [-h] --data URI [--bins N]\ncairn profile: error: unrecognized arguments: --sample 0.1\n',
};
const malformed: TerminationMessage = { state: 'malformed', error: expect.stringMatching(/^not JSON: /) };

describe('observeJob over recorded Jobs and Pods', () => {
  it('has a case for every fixture file', () => {
    const files = readdirSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures')).map((f) => f.replace(/\.json$/, ''));
    expect(files.sort()).toEqual([...fixtureNames].sort());
  });

  it.each<[string, JobObservation]>([
    [
      'succeeded',
      {
        phase: 'Succeeded',
        reason: 'Completed',
        message: '{"metrics": {"rmse": 0.43, "r2": 0.86, "mae": 0.31}}',
        exitCode: 0,
        container: 'trainer',
        pod: 'eta-elasticnet-2-t0-x7k2p',
        termination: { state: 'ok', value: { metrics: { rmse: 0.43, r2: 0.86, mae: 0.31 } } },
      },
    ],
    [
      'failed-exit-1',
      {
        phase: 'Failed',
        reason: 'Error',
        message: '{"error": "ValueError: Input X contains NaN (column conv_rate, 12 rows)"}',
        exitCode: 1,
        container: 'trainer',
        pod: 'eta-elasticnet-2-t1-m4q8z',
        termination: { state: 'ok', value: { error: 'ValueError: Input X contains NaN (column conv_rate, 12 rows)' } },
      },
    ],
    ['oom-killed', { phase: 'Failed', reason: 'OOMKilled', message: log.oom, exitCode: 137, container: 'trainer', pod: 'eta-elasticnet-2-t2-p9d3w', termination: malformed }],
    [
      'deadline-exceeded',
      {
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        message: 'Job was active longer than specified deadline',
        exitCode: 143,
        container: 'trainer',
        pod: 'eta-elasticnet-2-t3-f2h6n',
        termination: malformed,
      },
    ],
    // The latest of three attempts, though a List returns them by name.
    ['backoff-limit-exceeded', { phase: 'Failed', reason: 'Error', message: log.usage, exitCode: 2, container: 'profile', pod: 'driver-stats-profile-1c2f4e6a-9bq2x', termination: malformed }],
    [
      'missing-termination-message',
      { phase: 'Succeeded', reason: 'Completed', message: 'Reached expected number of succeeded pods', exitCode: 0, container: 'trainer', pod: 'eta-elasticnet-2-t5-c3n7r', termination: { state: 'missing' } },
    ],
    [
      'malformed-termination-message',
      { phase: 'Succeeded', reason: 'Completed', message: 'rmse=0.43 r2=0.86 mae=0.31\n', exitCode: 0, container: 'trainer', pod: 'eta-elasticnet-2-t6-w8j4k', termination: malformed },
    ],
    ['running', { phase: 'Running', container: 'trainer', pod: 'eta-elasticnet-2-t8-h5v9s', termination: { state: 'missing' } }],
    ['pending-no-pods', { phase: 'Pending', termination: { state: 'missing' } }],
    [
      'image-pull-backoff',
      {
        phase: 'Pending',
        reason: 'ImagePullBackOff',
        message:
          'Back-off pulling image "ghcr.io/cairn-dev/cairn:0.1.1": ErrImagePull: failed to pull and unpack image "ghcr.io/cairn-dev/cairn:0.1.1": failed to resolve reference "ghcr.io/cairn-dev/cairn:0.1.1": ghcr.io/cairn-dev/cairn:0.1.1: not found',
        container: 'profile',
        pod: 'driver-stats-profile-5e8a0b3c-z2w6p',
        termination: { state: 'missing' },
      },
    ],
    // The trainer never ran: the story is the fetch init container's.
    [
      'init-container-failed',
      {
        phase: 'Failed',
        reason: 'Error',
        message: '{"reason": "ChecksumMismatch", "message": "sha256 of s3://ml-data/driver-stats/2026-11-20.parquet is 1c2f4e6a..., expected 9f86d081..."}',
        exitCode: 1,
        container: 'fetch',
        pod: 'eta-elasticnet-2-t10-n1b5g',
        termination: { state: 'ok', value: { reason: 'ChecksumMismatch', message: 'sha256 of s3://ml-data/driver-stats/2026-11-20.parquet is 1c2f4e6a..., expected 9f86d081...' } },
      },
    ],
  ])('%s', (name, expected) => {
    const observed = observe(name);
    expect(observed).toEqual(expected);
    expect(observed).toStrictEqual(JSON.parse(JSON.stringify(observed)));
  });

  it('oversized-termination-message: the 4096-byte tail the kubelet kept of 5 KiB is too large, not malformed', () => {
    const observed = observe('oversized-termination-message');
    expect(observed).toMatchObject({ phase: 'Succeeded', exitCode: 0, container: 'trainer', termination: { state: 'tooLarge', bytes: 4096 } });
    expect(fixture('oversized-termination-message').description).toMatch(/wrote 5\d{3} bytes/);
  });

  it('does not depend on the order of the pods', () => {
    const { job, pods } = fixture('backoff-limit-exceeded');
    const orders = [pods, [...pods].reverse(), [pods[1], pods[2], pods[0]]];
    for (const order of orders) expect(observeJob(job, order).pod).toBe('driver-stats-profile-1c2f4e6a-9bq2x');
  });

  it('reads frozen objects from an informer cache', () => {
    const { job, pods } = fixture('succeeded');
    expect(observeJob(deepFreeze(job), deepFreeze(pods))).toEqual(observe('succeeded'));
  });
});

describe('observeJob, the Job alone', () => {
  it('a Complete Job whose pods are gone (TTL, GC): Succeeded, with the Job’s reason and no result', () => {
    const { job } = fixture('succeeded');
    expect(observeJob(job, [])).toEqual({ phase: 'Succeeded', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', termination: { state: 'missing' } });
  });

  it('a Job that failed its deadline, pod gone', () => {
    const { job } = fixture('deadline-exceeded');
    expect(observeJob(job, [])).toEqual({ phase: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline', termination: { state: 'missing' } });
  });

  it('FailureTarget before Failed (Kubernetes ≥ 1.31, pods still terminating): already Failed', () => {
    const { job, pods } = fixture('running');
    job.status = { ...job.status, active: 0, terminating: 1, conditions: fixture('deadline-exceeded').job.status.conditions.slice(0, 1) };
    expect(observeJob(job, pods)).toEqual({ phase: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline', container: 'trainer', pod: 'eta-elasticnet-2-t8-h5v9s', termination: { state: 'missing' } });
  });

  it('SuccessCriteriaMet before Complete: already Succeeded', () => {
    const { job, pods } = fixture('succeeded');
    job.status.conditions = job.status.conditions.slice(0, 1);
    expect(observeJob(job, pods)).toEqual(observe('succeeded'));
  });

  it.each([
    ['succeeded: 1, no condition yet', { succeeded: 1 }, { phase: 'Succeeded' }],
    ['failed beyond backoffLimit 0, no condition yet', { failed: 1 }, { phase: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }],
    ['active with a ready pod', { active: 1, ready: 1 }, { phase: 'Running' }],
    ['active, nothing ready', { active: 1, ready: 0 }, { phase: 'Pending' }],
    ['suspended', { conditions: [{ type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }] }, { phase: 'Pending', reason: 'Suspended', message: 'Job suspended' }],
    ['a condition that is not True', { conditions: [{ type: 'Failed', status: 'False', reason: 'BackoffLimitExceeded' }] }, { phase: 'Pending' }],
  ])('counts and conditions: %s', (_, status, expected) => {
    const { job } = fixture('pending-no-pods');
    job.status = status;
    expect(observeJob(job, [])).toEqual({ ...expected, termination: { state: 'missing' } });
  });
});

describe('observeJob, choosing the pod and container', () => {
  it('reports the container named in the options (a sidecar here)', () => {
    expect(observe('succeeded', { container: 'upload' })).toMatchObject({ phase: 'Succeeded', container: 'upload', exitCode: 0, termination: { state: 'missing' } });
  });

  it('finds the main container by the spec’s order, not the status’s (the kubelet sorts statuses by name)', () => {
    const { job, pods } = fixture('succeeded');
    const pod = pods[0];
    const trainer = pod.status.containerStatuses[0];
    pod.status.containerStatuses = [{ ...trainer, name: 'aaa-metrics-exporter', state: { running: {} } }, trainer];
    expect(observeJob(job, pods)).toMatchObject({ container: 'trainer', exitCode: 0 });
  });

  it('prefers a pod that ended as the Job did over a later one', () => {
    const { job, pods } = fixture('succeeded');
    const later = structuredClone(pods[0]);
    later.metadata.name = 'eta-elasticnet-2-t0-zz999';
    later.metadata.creationTimestamp = '2026-11-23T10:09:00Z';
    later.status.phase = 'Failed';
    later.status.containerStatuses[0].state = { terminated: { exitCode: 1, reason: 'Error', startedAt: '2026-11-23T10:09:01Z', finishedAt: '2026-11-23T10:09:02Z' } };
    expect(observeJob(job, [later, ...pods])).toMatchObject({ pod: 'eta-elasticnet-2-t0-x7k2p', exitCode: 0 });
  });

  it('ignores pods controlled by another Job', () => {
    const { job } = fixture('succeeded');
    const { pods } = fixture('failed-exit-1');
    expect(observeJob(job, pods)).toEqual({ phase: 'Succeeded', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', termination: { state: 'missing' } });
  });

  it('reports why a pod cannot be scheduled', () => {
    const { job, pods } = fixture('image-pull-backoff');
    const pod = pods[0];
    delete pod.spec.nodeName;
    pod.status = {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: '2026-11-23T10:00:00Z', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.' }],
      qosClass: 'BestEffort',
    };
    expect(observeJob(job, pods)).toEqual({
      phase: 'Pending',
      reason: 'Unschedulable',
      message: '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
      pod: 'driver-stats-profile-5e8a0b3c-z2w6p',
      termination: { state: 'missing' },
    });
  });

  it('counts broken JSON at the limit of a four-container pod (3072 bytes) as too large', () => {
    const { job, pods } = fixture('succeeded');
    const pod = pods[0];
    pod.spec.initContainers.push({ ...pod.spec.initContainers[0], name: 'warm-cache' });
    pod.status.containerStatuses[0].state.terminated.message = `{"metrics": {"rmse": 0.43}, "history": [${'0.5,'.repeat(800)}`.slice(0, 3072);
    expect(observeJob(job, pods).termination).toEqual({ state: 'tooLarge', bytes: 3072 });
  });

  it('prefers an evicted pod’s reason to the container’s plain Error', () => {
    const { job, pods } = fixture('failed-exit-1');
    const pod = pods[0];
    pod.status.reason = 'Evicted';
    pod.status.message = 'The node was low on resource: ephemeral-storage. Threshold quantity: 1Gi, available: 512Mi.';
    pod.status.containerStatuses[0].state.terminated = { ...pod.status.containerStatuses[0].state.terminated, exitCode: 137, message: undefined };
    expect(observeJob(job, pods)).toMatchObject({ phase: 'Failed', reason: 'Evicted', message: pod.status.message, exitCode: 137 });
  });
});

import { describe, expect, it } from 'vitest';
import { observeJob, type JobObservation } from '../../../src/render/index.js';
import { fixture, fixtureNames } from './fixtures.js';

const phases = ['Pending', 'Running', 'Succeeded', 'Failed'];
const states = ['ok', 'missing', 'malformed', 'tooLarge'];

/** What every observation must be, whatever the input: one of the phases, a termination state, plain JSON. */
function expectWellFormed(observation: JobObservation): void {
  expect(phases).toContain(observation.phase);
  expect(states).toContain(observation.termination.state);
  expect(observation).toStrictEqual(JSON.parse(JSON.stringify(observation)));
  for (const key of ['reason', 'message', 'container', 'pod'] as const) {
    if (key in observation) expect(typeof observation[key]).toBe('string');
  }
  if ('exitCode' in observation) expect(Number.isInteger(observation.exitCode)).toBe(true);
}

const running = fixture('running');
const oom = fixture('oom-killed');

describe('observeJob on garbage', () => {
  it.each<[string, unknown, unknown, Partial<JobObservation>]>([
    ['nothing at all', undefined, undefined, { phase: 'Pending' }],
    ['null Job, null pods', null, null, { phase: 'Pending' }],
    ['numbers', 42, 7, { phase: 'Pending' }],
    ['a Job without status, pods not an array', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' } }, { items: [] }, { phase: 'Pending' }],
    ['status as a string', { status: 'Complete' }, [], { phase: 'Pending' }],
    ['conditions as an object', { status: { conditions: { type: 'Complete', status: 'True' } } }, [], { phase: 'Pending' }],
    ['conditions with null, strings and a boolean status', { status: { conditions: [null, 'Complete', { type: 'Complete', status: true }] } }, [], { phase: 'Pending' }],
    ['counts as strings', { spec: { backoffLimit: '0', completions: '1' }, status: { succeeded: '1', failed: '3', ready: '1' } }, [], { phase: 'Pending' }],
    ['pods of null, numbers, strings and arrays', oom.job, [null, 1, 'pod', [], true], { phase: 'Failed', reason: 'BackoffLimitExceeded' }],
    ['pods with statuses of the wrong type', running.job, [{ metadata: { name: 7 }, status: { phase: 3, containerStatuses: { trainer: {} } } }], { phase: 'Running' }],
    [
      'an exit code and a message of the wrong type',
      oom.job,
      [{ ...oom.pods[0], status: { phase: 'Failed', containerStatuses: [{ name: 'trainer', state: { terminated: { exitCode: '137', reason: 'OOMKilled', message: 42 } } }] } }],
      { phase: 'Failed', reason: 'OOMKilled', container: 'trainer', termination: { state: 'missing' } },
    ],
    ['an unparsable creationTimestamp', oom.job, [{ ...oom.pods[0], metadata: { ...oom.pods[0]?.metadata, creationTimestamp: 'yesterday' } }], { phase: 'Failed', reason: 'OOMKilled', exitCode: 137 }],
    ['an options object of the wrong shape', running.job, running.pods, { phase: 'Running', container: 'trainer' }],
  ])('%s', (_, job, pods, expected) => {
    const observation = observeJob(job, pods, { container: 3 as unknown as string });
    expectWellFormed(observation);
    expect(observation).toMatchObject(expected);
  });

  it('a Job whose fields throw when read: Pending, ObservationFailed', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
      },
    );
    const observation = observeJob({ status: hostile }, []);
    expect(observation).toEqual({ phase: 'Pending', reason: 'ObservationFailed', message: 'could not read the Job: boom', termination: { state: 'missing' } });
  });

  it('a cyclic object', () => {
    const job: Record<string, unknown> = { metadata: { name: 'x' }, status: { succeeded: 1 } };
    job.spec = job;
    expectWellFormed(observeJob(job, [job]));
  });

  it('survives any field of any fixture being removed or replaced by garbage', () => {
    const garbage: unknown[] = [null, undefined, 0, -1, 1e308, '', 'True', '137', [], {}, [null], { a: 1 }, true, NaN];
    let seed = 20261123;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    /** Every [parent, key] pair in value. */
    const slots = (value: unknown, out: Array<[Record<string, unknown>, string]> = []): Array<[Record<string, unknown>, string]> => {
      if (value !== null && typeof value === 'object') {
        for (const key of Object.keys(value)) {
          out.push([value as Record<string, unknown>, key]);
          slots((value as Record<string, unknown>)[key], out);
        }
      }
      return out;
    };
    for (let round = 0; round < 600; round++) {
      const { job, pods } = fixture(fixtureNames[round % fixtureNames.length] as string);
      const root = { job, pods };
      const all = slots(root);
      for (let hit = 0; hit < 1 + (next() % 4); hit++) {
        const [parent, key] = all[next() % all.length] as [Record<string, unknown>, string];
        if (next() % 3 === 0) delete parent[key];
        else parent[key] = garbage[next() % garbage.length];
      }
      expectWellFormed(observeJob(root.job, root.pods));
    }
  });
});

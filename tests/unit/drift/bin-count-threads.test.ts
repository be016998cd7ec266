/**
 * The threaded bin count (src/drift/bin-count-threads.ts) against the single-thread countIntoBins: equal counts on
 * random data split across 1 to 3 real worker threads, shared and copied values, values on edges and outside the
 * range, equal edges, a single bin, empty and tiny jobs; NaN, Infinity and bad edges refused with the single-thread
 * error (the same reason and index); concurrent calls; a thread that cannot start; a closed counter.
 */
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinCountThreadError, countInThisThread, startBinCountThreads, type BinCounter, type BinCountJob } from '../../../src/drift/bin-count-threads.js';
import { countIntoBins, DriftInputError } from '../../../src/drift/index.js';
import { mulberry32 } from './simulation.js';

const random = mulberry32(14);

function shared(values: readonly number[]): Float64Array {
  const array = new Float64Array(new SharedArrayBuffer(values.length * Float64Array.BYTES_PER_ELEMENT));
  array.set(values);
  return array;
}

/** Uneven edges with some equal neighbours, and values around them (on edges, between, outside). */
function randomJob(bins: number, size: number): { edges: number[]; values: number[] } {
  const edges = [random() * 10 - 5];
  for (let k = 0; k < bins; k++) edges.push(edges.at(-1)! + (random() < 0.1 ? 0 : random() ** 3));
  const span = edges.at(-1)! - edges[0]!;
  const values = Array.from({ length: size }, () => (random() < 0.05 ? edges[Math.floor(random() * edges.length)]! : edges[0]! + (random() * 1.4 - 0.2) * span));
  return { edges, values };
}

const jobs = [
  randomJob(10, 100_003),
  randomJob(60, 20_000),
  randomJob(1, 999),
  { edges: [0, 1, 1, 2], values: [1, 0.9, 1.1, 2, -3, 7] },
  { edges: [0, 1, 2], values: [0.5] },
  { edges: [0, 1, 2], values: [] },
  { edges: [-1e300, 0, 1e300], values: [-Number.MAX_VALUE, -0, 0, Number.MIN_VALUE, Number.MAX_VALUE] },
];
const expected = jobs.map((job) => countIntoBins(job.edges, job.values));

describe.each([1, 2, 3])('startBinCountThreads(%i)', (threads) => {
  let counter: BinCounter;
  beforeAll(async () => {
    counter = await startBinCountThreads(threads);
  });
  afterAll(() => counter.close());

  it.each([
    ['values in a SharedArrayBuffer (views, no copy)', shared],
    ['values in a plain Float64Array (copied per slice)', (values: readonly number[]) => Float64Array.from(values)],
  ])('counts %s as countIntoBins does', async (_name, toArray) => {
    const input: BinCountJob[] = jobs.map((job) => ({ edges: job.edges, values: toArray(job.values) }));
    expect(await counter.countAll(input)).toEqual(expected);
    expect(input.map((job) => job.values.length)).toEqual(jobs.map((job) => job.values.length)); // nothing detached
  });

  it.each([
    ['NaN in the last slice', [0, 1, 2], [...Array.from({ length: 1000 }, () => 0.5), Number.NaN]],
    ['Infinity in the first slice', [0, 1, 2], [Number.NEGATIVE_INFINITY, ...Array.from({ length: 1000 }, () => 0.5)]],
    ['edges that descend', [0, 2, 1], [0.5, 1.5]],
    ['no edges', [], [0.5]],
    ['a single edge (no bin)', [0], [0.5]],
  ])('refuses %s with the single-thread error', async (_name, edges, values) => {
    const single = (() => {
      try {
        countIntoBins(edges, values);
      } catch (error) {
        return error as DriftInputError;
      }
      throw new Error('countIntoBins accepted it');
    })();
    expect(single).toBeInstanceOf(DriftInputError);
    const refusal = counter.countAll([{ edges: [0, 1], values: shared([0.5]) }, { edges, values: shared(values) }]);
    await expect(refusal).rejects.toThrow(single.message);
    await expect(refusal).rejects.toMatchObject({ reason: single.reason });
    await expect(countInThisThread.countAll([{ edges, values: shared(values) }])).rejects.toMatchObject({ reason: single.reason, message: single.message });
  });

  it('answers concurrent calls with their own counts', async () => {
    const calls = jobs.map((job) => counter.countAll([{ edges: job.edges, values: shared(job.values) }]));
    expect((await Promise.all(calls)).map(([counts]) => counts)).toEqual(expected);
  });
});

describe('startBinCountThreads refusals', () => {
  it.each([0, 1.5, Number.NaN])('refuses %s threads', async (threads) => {
    await expect(startBinCountThreads(threads)).rejects.toThrow(RangeError);
  });

  it('rejects with BinCountThreadError when a thread cannot start', async () => {
    const broken = () => new Worker('throw new Error("no module")', { eval: true });
    await expect(startBinCountThreads(2, broken)).rejects.toThrow(BinCountThreadError);
  });

  it('rejects calls after close', async () => {
    const counter = await startBinCountThreads(1);
    await counter.close();
    await expect(counter.countAll([{ edges: [0, 1], values: shared([0.5]) }])).rejects.toThrow('the bin-count threads are closed');
  });
});

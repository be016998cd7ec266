/**
 * Dynamic batching end to end (real HTTP, real ONNX Runtime, inline and worker execution): concurrent requests
 * with distinct inputs are merged into one run and each gets its own rows back. Deterministic without timing:
 * the first run is held until every other request has reached the batcher, so they are all queued together.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TensorMap } from '../../../src/serving/datatypes.js';
import type { Executor } from '../../../src/serving/executor.js';
import type { ExecutionMode } from '../../../src/serving/model.js';
import { close, post, sample, startServer, type TestServer } from './harness.js';
import { expected } from './models.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Holds the first run until released (calling `held` when it is); records the rows of every run. */
function heldExecutor(release: Promise<void>, runs: number[], held: () => void = () => undefined) {
  return (inner: Executor): Executor => ({
    kind: inner.kind,
    concurrency: inner.concurrency,
    async run(feeds: TensorMap) {
      runs.push(Object.values(feeds)[0]!.dims[0]!);
      if (runs.length === 1) {
        held();
        await release;
      }
      return inner.run(feeds);
    },
    close: () => inner.close(),
  });
}

/** Resolves once `count` requests have reached the batcher. */
function countArrivals(count: number, arrived: () => void) {
  let seen = 0;
  return (served: import('../../../src/serving/served-model.js').ServedModel) => ({
    ...served,
    infer(request: Parameters<typeof served.infer>[0]) {
      const result = served.infer(request);
      if (++seen === count) arrived();
      return result;
    },
  });
}

/** Distinct rows: request i has 1 + (i % 3) rows with values no other request has. */
function rowsFor(i: number): number[][] {
  return Array.from({ length: 1 + (i % 3) }, (_, r) => [0.01 * i + 0.001 * r, 1 - 0.02 * i, 100 + 7 * i + r]);
}

function predict(rows: number[][]): number[][] {
  const { coef, intercept } = expected().driver_elasticnet;
  // the model sees float32 inputs
  return rows.map((row) => [row.reduce((sum, v, j) => sum + Math.fround(v) * coef[j]!, intercept)]);
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each<ExecutionMode>(['inline', 'worker'])('dynamic batching (%s execution)', (execution) => {
  it('merges concurrent requests (V1 and V2) into one run and returns each its own rows', async () => {
    const release = deferred();
    const firstHeld = deferred();
    const allArrived = deferred();
    const runs: number[] = [];
    const others = 24;
    server = await startServer('driver_elasticnet', {
      name: 'driver',
      execution,
      maxBatchSize: 64,
      wrapExecutor: heldExecutor(release.promise, runs, firstHeld.resolve),
      wrap: countArrivals(others + 1, allArrived.resolve),
    });
    const url = server.url;
    const send = (i: number) => {
      const rows = rowsFor(i);
      return i % 2 === 0
        ? post(`${url}/v2/models/driver/infer`, { inputs: [{ name: 'input', shape: [rows.length, 3], datatype: 'FP32', data: rows }] }).then(
            (r) => ({ status: r.status, values: ((r.body.outputs as { data: number[] }[])[0]!.data).map((v) => [v]) }),
          )
        : post(`${url}/v1/models/driver:predict`, { instances: rows }).then((r) => ({ status: r.status, values: r.body.predictions as number[][] }));
    };
    const first = send(0);
    await firstHeld.promise;
    const rest = Array.from({ length: others }, (_, k) => send(k + 1));
    await allArrived.promise;
    release.resolve();
    const replies = await Promise.all([first, ...rest]);
    replies.forEach((reply, i) => {
      expect(reply.status).toBe(200);
      expect(close(reply.values, predict(rowsFor(i)), 1e-5), `request ${i}`).toBe(true);
    });
    const restRows = Array.from({ length: others }, (_, k) => rowsFor(k + 1).length).reduce((a, b) => a + b, 0);
    expect(runs).toEqual([rowsFor(0).length, restRows]);
    const metrics = await server.metrics();
    expect(sample(metrics, 'cairn_inference_batch_size_count', { model: 'driver' })).toBe(2);
    expect(sample(metrics, 'cairn_inference_batch_size_sum', { model: 'driver' })).toBe(rowsFor(0).length + restRows);
  });

  it('never puts more than maxBatchSize rows in one run', async () => {
    const release = deferred();
    const allArrived = deferred();
    const runs: number[] = [];
    const count = 30;
    server = await startServer('driver_elasticnet', {
      name: 'driver',
      execution,
      maxBatchSize: 8,
      wrapExecutor: heldExecutor(release.promise, runs),
      wrap: countArrivals(count, allArrived.resolve),
    });
    const replies = Array.from({ length: count }, (_, i) => post(`${server!.url}/v1/models/driver:predict`, { instances: rowsFor(i) }));
    await allArrived.promise;
    release.resolve();
    const done = await Promise.all(replies);
    done.forEach((reply, i) => expect(close(reply.body.predictions, predict(rowsFor(i)), 1e-5), `request ${i}`).toBe(true));
    expect(Math.max(...runs)).toBeLessThanOrEqual(8);
    expect(runs.reduce((a, b) => a + b, 0)).toBe(Array.from({ length: count }, (_, i) => rowsFor(i).length).reduce((a, b) => a + b, 0));
    expect(runs.length).toBeLessThan(count);
  });
});

describe('models that cannot batch', () => {
  it('runs each request alone when the output does not scale with the rows (reduce_sum)', async () => {
    const release = deferred();
    const allArrived = deferred();
    const runs: number[] = [];
    server = await startServer('reduce_sum', {
      maxBatchSize: 64,
      wrapExecutor: heldExecutor(release.promise, runs),
      wrap: countArrivals(6, allArrived.resolve),
    });
    expect(server.loaded.batchable).toBe(false);
    const inputs = Array.from({ length: 6 }, (_, i) => [[i, 2 * i, 0.5], [1, 1, i]]);
    const replies = inputs.map((rows) => post(`${server!.url}/v2/models/reduce_sum/infer`, { inputs: [{ name: 'x', shape: [2, 3], datatype: 'FP32', data: rows }] }));
    await allArrived.promise;
    release.resolve();
    const done = await Promise.all(replies);
    done.forEach((reply, i) => {
      const [output] = reply.body.outputs as { shape: number[]; data: number[] }[];
      expect(output).toEqual({ name: 'total', datatype: 'FP32', shape: [], data: [inputs[i]!.flat().reduce((a, b) => a + b, 0)] });
    });
    expect(runs).toEqual([2, 2, 2, 2, 2, 2]);
  });
});

/** x @ x.T of the float32 rows (what gram.onnx computes). */
function gramOf(rows: number[][]): number[][] {
  const x = rows.map((row) => row.map(Math.fround));
  return x.map((a) => x.map((b) => a.reduce((sum, v, j) => sum + v * b[j]!, 0)));
}

/** x minus the mean of x over its rows (what center.onnx computes). */
function centerOf(rows: number[][]): number[][] {
  const x = rows.map((row) => row.map(Math.fround));
  const mean = x[0]!.map((_, j) => x.reduce((sum, row) => sum + row[j]!, 0) / x.length);
  return x.map((row) => row.map((v, j) => v - mean[j]!));
}

describe('models whose rows interact', () => {
  it.each([
    { model: 'gram' as const, output: 'g', compute: gramOf, shape: (rows: number) => [rows, rows] },
    { model: 'center' as const, output: 'centered', compute: centerOf, shape: (rows: number) => [rows, 3] },
  ])('never merges requests for $model, whose outputs scale with the rows but mix them', async ({ model, output, compute, shape }) => {
    const release = deferred();
    const allArrived = deferred();
    const runs: number[] = [];
    const count = 6;
    server = await startServer(model, {
      maxBatchSize: 64,
      wrapExecutor: heldExecutor(release.promise, runs),
      wrap: countArrivals(count, allArrived.resolve),
    });
    expect(server.loaded.batchable).toBe(false);
    expect(server.log.lines).toContainEqual(
      expect.objectContaining({ msg: 'Disabled dynamic batching for this model', reason: expect.stringContaining(`output "${output}"`) }),
    );
    const inputs = Array.from({ length: count }, (_, i) => rowsFor(i));
    const replies = inputs.map((rows) =>
      post(`${server!.url}/v2/models/${model}/infer`, { inputs: [{ name: 'x', shape: [rows.length, 3], datatype: 'FP32', data: rows }] }),
    );
    await allArrived.promise;
    release.resolve();
    const done = await Promise.all(replies);
    done.forEach((reply, i) => {
      expect(reply.status, `request ${i}`).toBe(200);
      const [out] = reply.body.outputs as { name: string; shape: number[]; data: number[] }[];
      expect(out).toMatchObject({ name: output, shape: shape(inputs[i]!.length) });
      expect(close(out!.data, compute(inputs[i]!).flat(), 1e-5), `request ${i}`).toBe(true);
    });
    expect(runs).toEqual(inputs.map((rows) => rows.length));
  });
});

describe('worker threads', () => {
  it('serve many concurrent distinct requests on two workers, each with its own result', async () => {
    server = await startServer('driver_elasticnet', { name: 'driver', execution: 'worker', workers: 2 });
    expect(server.loaded.executor.kind).toBe('worker');
    expect(server.loaded.executor.concurrency).toBe(2);
    const replies = await Promise.all(Array.from({ length: 60 }, (_, i) => post(`${server!.url}/v1/models/driver:predict`, { instances: rowsFor(i) })));
    replies.forEach((reply, i) => {
      expect(reply.status).toBe(200);
      expect(close(reply.body.predictions, predict(rowsFor(i)), 1e-5), `request ${i}`).toBe(true);
    });
  });

  it('auto mode runs inline when a full batch runs within the threshold, in workers otherwise', async () => {
    server = await startServer('driver_elasticnet', { execution: 'auto', inlineMaxRunMs: 0 });
    expect(server.loaded.executor.kind).toBe('worker');
    expect((await post(`${server.url}/v1/models/driver_elasticnet:predict`, { instances: rowsFor(1) })).status).toBe(200);
    expect(server.log.lines).toContainEqual(expect.objectContaining({ msg: 'Chose where inference runs', execution: 'worker' }));
    await server.close();
    server = await startServer('driver_elasticnet', { execution: 'auto', inlineMaxRunMs: 60_000 });
    expect(server.loaded.executor.kind).toBe('inline');
  });

  it('auto mode never runs inline a model with a dynamic dimension after the first: its timing says nothing of long inputs', async () => {
    server = await startServer('row_sum', { execution: 'auto', inlineMaxRunMs: 60_000, workers: 1 });
    expect(server.loaded.executor.kind).toBe('worker');
    const reply = await post(`${server.url}/v2/models/row_sum/infer`, { inputs: [{ name: 'x', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4, 0.5, 0.5, 0.5, 0.5] }] });
    expect(reply.status).toBe(200);
    expect((reply.body.outputs as { data: number[] }[])[0]!.data).toEqual([10, 2]);
  });
});

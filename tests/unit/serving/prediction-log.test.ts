/**
 * The prediction log: the share sampled, the rate limit (a token bucket of one second), drops counted when the
 * destination falls behind, the line's shape, and on the real server one line per logged prediction with the id
 * the client was answered.
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { TensorMap } from '../../../src/serving/datatypes.js';
import { createLedger } from '../../../src/serving/feedback.js';
import { MAX_LOGGED_ELEMENTS, PredictionLog, predictionLine, type LogSink, type PredictionRecord } from '../../../src/serving/prediction-log.js';
import { post, sample, startServer, type TestServer } from './harness.js';

const record = (id: string): PredictionRecord => ({
  id,
  protocol: 'v2',
  latencyMs: 1.23456,
  inputs: { input: { type: 'float32', dims: [1, 3], data: Float32Array.from([0.5, 1, 2]) } },
  outputs: { variable: { type: 'float32', dims: [1, 1], data: Float32Array.from([7.5]) } },
});

function sequence(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

function memorySink(): LogSink & { lines(): Array<Record<string, unknown>> } {
  let text = '';
  return {
    write(chunk) {
      text += chunk;
      return true;
    },
    lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

function log(options: Partial<ConstructorParameters<typeof PredictionLog>[0]> & { sink: LogSink }) {
  const registry = new Registry();
  const clock = { t: 0 };
  const logger = new PredictionLog({ model: 'm', version: '2', sample: 1, ratePerSecond: 1000, random: () => 0, now: () => clock.t, registry, wallClock: () => new Date('2026-01-02T03:04:05Z'), flushMs: 0, ...options });
  return { logger, registry, clock };
}

describe('PredictionLog', () => {
  it('logs the share sampled: the draws below it', async () => {
    const sink = memorySink();
    const { logger } = log({ sink, sample: 0.25, random: sequence([0.1, 0.3, 0.24, 0.9, 0.25]) });
    for (const id of ['a', 'b', 'c', 'd', 'e']) logger.offer(record(id), 1.23456);
    await logger.flushed();
    expect(sink.lines().map((l) => l.id)).toEqual(['a', 'c']);
  });

  it('writes nothing at sample 0, and draws nothing at 1', async () => {
    const sink = memorySink();
    const off = log({ sink, sample: 0, random: () => 0 });
    off.logger.offer(record('a'), 1.23456);
    await off.logger.flushed();
    const all = log({ sink, sample: 1, random: () => 1 }); // a draw of 1 would refuse any share below 1
    all.logger.offer(record('b'), 1.23456);
    await all.logger.flushed();
    expect(sink.lines().map((l) => l.id)).toEqual(['b']);
  });

  it('holds to the rate: a second of lines at once, then as the bucket refills; the rest dropped and counted', async () => {
    const sink = memorySink();
    const { logger, registry, clock } = log({ sink, ratePerSecond: 3 });
    for (let i = 0; i < 5; i++) logger.offer(record(`a${i}`), 1.23456);
    clock.t = 500; // half a second: 1.5 tokens
    for (let i = 0; i < 3; i++) logger.offer(record(`b${i}`), 1.23456);
    clock.t = 10_000; // long idle: the bucket holds one second's worth, not ten
    for (let i = 0; i < 5; i++) logger.offer(record(`c${i}`), 1.23456);
    await logger.flushed();
    expect(sink.lines().map((l) => l.id)).toEqual(['a0', 'a1', 'a2', 'b0', 'c0', 'c1', 'c2']);
    const metrics = await registry.metrics();
    expect(sample(metrics, 'cairn_prediction_log_lines_total', { model: 'm', version: '2' })).toBe(7);
    expect(sample(metrics, 'cairn_prediction_log_dropped_total', { model: 'm', version: '2', reason: 'rate' })).toBe(6);
  });

  it('a destination that falls behind: lines wait up to the queue, the rest are dropped, and it resumes on drain', async () => {
    let drain: (() => void) | undefined;
    const written: string[] = [];
    const sink: LogSink = {
      write: (text) => {
        written.push(text);
        return false;
      },
      onDrain: (listener) => (drain = listener),
    };
    const { logger, registry } = log({ sink, maxQueue: 2 });
    logger.offer(record('a'), 1.23456);
    await new Promise((r) => setImmediate(r));
    expect(written).toHaveLength(1);
    for (const id of ['b', 'c', 'd']) logger.offer(record(id), 1.23456);
    await new Promise((r) => setImmediate(r));
    expect(written).toHaveLength(1); // blocked until drained
    expect(sample(await registry.metrics(), 'cairn_prediction_log_dropped_total', { model: 'm', version: '2', reason: 'queue' })).toBe(1);
    drain!();
    await new Promise((r) => setImmediate(r));
    expect(written).toHaveLength(2);
    expect(written[1]!.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['b', 'c']);
  });
});

describe('PredictionLog writes', () => {
  it('gathers the lines of flushMs into one write, and writes at once when the queue is half full', async () => {
    const writes: string[] = [];
    const sink: LogSink = { write: (text) => writes.push(text) > 0 };
    const { logger } = log({ sink, flushMs: 20, maxQueue: 8 });
    for (const id of ['a', 'b', 'c']) logger.offer(record(id), 1.23456);
    await new Promise((r) => setImmediate(r));
    expect(writes).toHaveLength(0); // gathering
    await logger.flushed();
    expect(writes.map((w) => w.split('\n').filter(Boolean).length)).toEqual([3]);
    for (const id of ['d', 'e', 'f', 'g']) logger.offer(record(id), 1.23456);
    await new Promise((r) => setImmediate(r));
    expect(writes.map((w) => w.split('\n').filter(Boolean).length)).toEqual([3, 4]);
  });
});

describe('predictionLine', () => {
  it('one JSON object per line: time, id, model, version, latency, inputs and outputs by name', () => {
    const line = predictionLine(record('x-1'), 'eta', '4', new Date('2026-01-02T03:04:05Z'));
    expect(line.endsWith('\n')).toBe(true);
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual({
      time: '2026-01-02T03:04:05.000Z',
      type: 'prediction',
      id: 'x-1',
      model: 'eta',
      version: '4',
      protocol: 'v2',
      latency_ms: 1.235,
      inputs: { input: { shape: [1, 3], data: [0.5, 1, 2] } },
      outputs: { variable: { shape: [1, 1], data: [7.5] } },
    });
  });

  it('writes int64 as numbers, bool as booleans, NaN as null, and cuts large tensors', () => {
    const n = MAX_LOGGED_ELEMENTS + 5;
    const outputs: TensorMap = {
      label: { type: 'int64', dims: [2], data: BigInt64Array.from([3n, -1n]) },
      flag: { type: 'bool', dims: [2], data: Uint8Array.from([1, 0]) },
      score: { type: 'float64', dims: [1], data: Float64Array.from([Number.NaN]) },
    };
    const inputs: TensorMap = { big: { type: 'float32', dims: [n], data: new Float32Array(n) } };
    const line = JSON.parse(predictionLine({ protocol: 'v1', latencyMs: 0, inputs, outputs }, 'm', '1', new Date(0))) as Record<string, Record<string, { data: unknown[]; truncated?: boolean }>>;
    expect(line).not.toHaveProperty('id');
    expect(line.outputs).toEqual({ label: { shape: [2], data: [3, -1] }, flag: { shape: [2], data: [true, false] }, score: { shape: [1], data: [null] } });
    expect(line.inputs!.big!.data).toHaveLength(MAX_LOGGED_ELEMENTS);
    expect(line.inputs!.big!.truncated).toBe(true);
  });
});

describe('prediction logs from the server', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('logs the predictions answered, with the id the client got; failed requests are not predictions', async () => {
    const sink = memorySink();
    const registry = new Registry();
    const predictionLog = new PredictionLog({ model: 'driver', version: '1', sample: 1, ratePerSecond: 100, random: () => 0, now: () => performance.now(), sink, registry });
    const predictions = createLedger(registry, { model: 'driver', version: '1', limits: { maxRows: 100, maxAgeMs: 60_000 } });
    server = await startServer('driver_elasticnet', { name: 'driver', predictions, predictionLog });
    const answer = await post(`${server.url}/v2/models/driver/infer`, { inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [[0.5, 0.9, 280]] }] });
    await post(`${server.url}/v2/models/driver/infer`, { inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [[1, 2]] }] });
    const v1 = await post(`${server.url}/v1/models/driver:predict`, { instances: [[0.1, 0.2, 30]] });
    expect(v1.status).toBe(200);
    await predictionLog.flushed();
    const lines = sink.lines();
    expect(lines).toHaveLength(2);
    const output = (answer.body.outputs as Array<{ data: number[] }>)[0]!.data[0]!;
    expect(lines[0]).toMatchObject({ id: answer.body.id, model: 'driver', version: '1', protocol: 'v2', inputs: { input: { shape: [1, 3] } }, outputs: { variable: { shape: [1, 1], data: [output] } } });
    expect(lines[0]!.latency_ms).toBeGreaterThan(0);
    expect(lines[1]).toMatchObject({ protocol: 'v1', inputs: { input: { shape: [1, 3] } } });
    expect(lines[1]).not.toHaveProperty('id');
  });
});

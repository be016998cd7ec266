/**
 * The serving process wires the feedback loop and the prediction log from its config (runtime.serve): ids and
 * feedback by default, none with feedbackMaxRows 0; a prediction log file that holds every logged line once the
 * process stopped (the queue is flushed and the file closed on the way out).
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeConfig } from '../../../src/serving/runtime.js';
import { grpcClient } from './grpc-client.js';
import { captureLogger, post, serveConfig } from './harness.js';
import { ensureModels } from './models.js';

const config = (patch: Partial<ServeConfig>): ServeConfig => serveConfig({ version: '4', ...patch });

async function start(cfg: ServeConfig) {
  const signals = new EventEmitter();
  let resolveUrl!: (url: string) => void;
  const url = new Promise<string>((r) => (resolveUrl = r));
  let grpcAddress = '';
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const code = serve(cfg, {
    logger: captureLogger().logger,
    registry: new Registry(),
    signals,
    random: () => 0,
    onListening: (port) => resolveUrl(`http://127.0.0.1:${port}`),
    onGrpcListening: (port) => (grpcAddress = `127.0.0.1:${port}`),
    onReady: () => resolveReady(),
  });
  await ready;
  return { url: await url, grpcAddress, stop: () => (signals.emit('SIGTERM'), code) };
}

const body = (rows: number[][]) => ({ inputs: [{ name: 'input', shape: [rows.length, 3], datatype: 'FP32', data: rows }] });

describe('serve() wires feedback and prediction logs', () => {
  let dir = '';
  beforeAll(() => ensureModels());
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = '';
  });

  it('answers ids and takes feedback by default; logs every prediction to the file when asked', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-predlog-'));
    const file = join(dir, 'predictions.jsonl');
    const serving = await start(config({ predictionLogSample: 1, predictionLogRate: 1000, predictionLogPath: file }));
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await post(`${serving.url}/v2/models/driver/infer`, body([[0.1 * i, 0.9, 280]])));
    const ids = answers.map((a) => a.body.id as string);
    expect(new Set(ids).size).toBe(3);
    const feedback = await post(`${serving.url}/v2/models/driver/feedback`, { labels: [{ id: ids[0], label: 1 }, { id: 'nope', label: 1 }] });
    expect(feedback.body).toMatchObject({ scored: 1, rows: 1, unknown: 1 });
    expect(await serving.stop()).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; model: string; version: string });
    expect(lines.map((l) => [l.id, l.model, l.version])).toEqual(ids.map((id) => [id, 'driver', '4']));
  });

  it('gRPC predictions get ids too (the client\'s own is kept); feedback takes them; the log says grpc', async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-predlog-'));
    const file = join(dir, 'predictions.jsonl');
    const serving = await start(config({ grpcPort: 0, predictionLogSample: 1, predictionLogRate: 1000, predictionLogPath: file }));
    const client = grpcClient(serving.grpcAddress);
    const infer = (id?: string) =>
      client.ModelInfer!({ model_name: 'driver', ...(id ? { id } : {}), inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], contents: { fp32_contents: [0.5, 0.9, 280] } }] });
    const generated = (await infer()).id as string;
    const own = (await infer('client-7')).id as string;
    expect(generated).toMatch(/\S/);
    expect(own).toBe('client-7');
    const feedback = await post(`${serving.url}/v2/models/driver/feedback`, { labels: [{ id: generated, label: 27 }, { id: own, label: 28 }] });
    expect(feedback.body).toMatchObject({ scored: 2, rows: 2, unknown: 0 });
    expect(await serving.stop()).toBe(0);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; protocol: string });
    expect(lines.map((l) => [l.id, l.protocol])).toEqual([[generated, 'grpc'], [own, 'grpc']]);
  });

  it('with feedbackMaxRows 0: no ids, feedback is a 404', async () => {
    const serving = await start(config({ feedbackMaxRows: 0 }));
    const answer = await post(`${serving.url}/v2/models/driver/infer`, body([[0.5, 0.9, 280]]));
    expect(answer.body).not.toHaveProperty('id');
    expect((await post(`${serving.url}/v2/models/driver/feedback`, { labels: [{ id: 'a', label: 1 }] })).status).toBe(404);
    expect(await serving.stop()).toBe(0);
  });
});

/**
 * The serving process lifecycle (runtime.serve): model URIs (path, file://, http:// on loopback), sha256 and
 * corrupt-model refusals (never ready, exit code 1), readiness while loading, stop signals, and draining of
 * requests in flight.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Registry } from 'prom-client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/serving/model-source.js';
import { serve, type ServeConfig } from '../../../src/serving/runtime.js';
import { captureLogger, close, get, post, serveConfig, startServer, type TestServer } from './harness.js';
import { ensureModels, expected, modelPath } from './models.js';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const ROW = [0.5, 0.9, 280];

/** Runs serve() with injected I/O; `signals` stands in for the process. */
function run(cfg: ServeConfig) {
  const log = captureLogger();
  const signals = new EventEmitter();
  const listening = deferred<string>();
  let ready = false;
  const readyNow = deferred();
  const code = serve(cfg, {
    logger: log.logger,
    registry: new Registry(),
    signals,
    random: Math.random,
    onListening: (port) => listening.resolve(`http://127.0.0.1:${port}`),
    onReady: () => {
      ready = true;
      readyNow.resolve();
    },
  });
  return { code, log, signals, url: listening.promise, ready: readyNow.promise, wasReady: () => ready };
}

const messages = (log: ReturnType<typeof captureLogger>) => log.lines.map((l) => l.msg);
const errors = (log: ReturnType<typeof captureLogger>) => log.lines.filter((l) => l.level === 50).map((l) => l.err);

/** A loopback HTTP server for model files; a path in `held` answers only when released. */
async function modelServer(files: Record<string, Uint8Array>, held?: Promise<void>) {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0]!;
    const body = files[path];
    const answer = () => {
      if (!body) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(200, { 'content-length': body.length }).end(Buffer.from(body));
    };
    if (held && path.startsWith('/held/')) void held.then(answer);
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { base, close: () => new Promise<void>((r) => server.close(() => r())) };
}

beforeAll(() => ensureModels());

describe('model sources', () => {
  it.each([
    ['a plain path', () => modelPath('driver_elasticnet')],
    ['a file:// URI', () => pathToFileURL(modelPath('driver_elasticnet')).href],
  ])('serves %s, then stops on SIGTERM with exit code 0', async (_name, uri) => {
    const serving = run(serveConfig({ modelUri: uri() }));
    await serving.ready;
    const url = await serving.url;
    const reply = await post(`${url}/v1/models/driver:predict`, { instances: expected().driver_elasticnet.inputs });
    expect(close(reply.body.predictions, expected().driver_elasticnet.outputs, 1e-5)).toBe(true);
    serving.signals.emit('SIGTERM');
    expect(await serving.code).toBe(0);
    expect(messages(serving.log)).toEqual(expect.arrayContaining(['Verified the model sha256', 'Model is ready', 'Received a stop signal; draining requests in flight', 'Stopped serving']));
  });

  it('downloads an http:// model (loopback) and serves it', async () => {
    const files = await modelServer({ '/m/driver.onnx': readFileSync(modelPath('driver_elasticnet')) });
    try {
      const serving = run(serveConfig({ modelUri: `${files.base}/m/driver.onnx?X-Amz-Signature=secret` }));
      await serving.ready;
      const reply = await post(`${await serving.url}/v2/models/driver/infer`, { inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: ROW }] });
      expect(reply.status).toBe(200);
      serving.signals.emit('SIGINT');
      expect(await serving.code).toBe(0);
      expect(JSON.stringify(serving.log.lines)).not.toContain('secret');
    } finally {
      await files.close();
    }
  });
});

describe('refusals: clear error, exit code 1, never ready', () => {
  it('a sha256 mismatch: not ready while loading, then refused', async () => {
    const release = deferred();
    const bytes = readFileSync(modelPath('driver_elasticnet'));
    const files = await modelServer({ '/held/driver.onnx': bytes }, release.promise);
    try {
      const wrong = '0'.repeat(64);
      const serving = run(serveConfig({ modelUri: `${files.base}/held/driver.onnx`, sha256: wrong }));
      const url = await serving.url;
      expect(await get(`${url}/v2/health/live`)).toMatchObject({ status: 200 });
      expect(await get(`${url}/v2/health/ready`)).toMatchObject({ status: 503, body: { ready: false } });
      expect(await get(`${url}/v2/models/driver/ready`)).toMatchObject({ status: 503, body: { error: 'model "driver" is not ready (loading)' } });
      const early = await post(`${url}/v2/models/driver/infer`, { inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: ROW }] });
      expect(early).toMatchObject({ status: 503, body: { error: 'model "driver" is not ready (loading)' } });
      release.resolve();
      expect(await serving.code).toBe(1);
      expect(serving.wasReady()).toBe(false);
      expect(errors(serving.log)).toEqual([
        `sha256 mismatch for ${files.base}/held/driver.onnx: expected ${wrong}, got ${sha256Hex(bytes)}; refusing to serve it`,
      ]);
      expect(messages(serving.log)).not.toContain('Model is ready');
    } finally {
      await files.close();
    }
  });

  it('a corrupt ONNX file whose sha256 matches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-serve-'));
    try {
      const garbage = Buffer.from('this is not an ONNX protobuf, only bytes that claim to be one'.repeat(10));
      writeFileSync(join(dir, 'model.onnx'), garbage);
      const serving = run(serveConfig({ modelUri: join(dir, 'model.onnx'), sha256: sha256Hex(garbage) }));
      expect(await serving.code).toBe(1);
      expect(serving.wasReady()).toBe(false);
      expect(String(errors(serving.log)[0])).toMatch(/^ONNX Runtime could not load the model \(corrupt or not an ONNX file\): /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each<[string, (base: string) => Partial<ServeConfig>, (base: string) => string]>([
    ['a missing file', () => ({ modelUri: '/nonexistent/model.onnx' }), () => 'reading model /nonexistent/model.onnx: ENOENT'],
    ['an HTTP 404 (query string redacted)', (b) => ({ modelUri: `${b}/missing.onnx?token=secret` }), (b) => `downloading ${b}/missing.onnx: HTTP 404`],
    ['an unsupported scheme', () => ({ modelUri: 's3://bucket/model.onnx' }), () => 'model URI scheme "s3://" is not supported (use file://, a path, or http(s)://)'],
  ])('%s', async (_name, patch, error) => {
    const files = await modelServer({});
    try {
      const serving = run(serveConfig(patch(files.base)));
      expect(await serving.code).toBe(1);
      expect(errors(serving.log)).toEqual([error(files.base)]);
      expect(serving.wasReady()).toBe(false);
    } finally {
      await files.close();
    }
  });

  it('an unreadable profile', async () => {
    const serving = run(serveConfig({ profilePath: '/nonexistent/profile.json' }));
    expect(await serving.code).toBe(1);
    expect(errors(serving.log)).toEqual(['reading profile /nonexistent/profile.json: ENOENT']);
  });

  it('a stop signal while the model downloads ends the process with 0, never ready', async () => {
    const release = deferred();
    const files = await modelServer({ '/held/driver.onnx': readFileSync(modelPath('driver_elasticnet')) }, release.promise);
    try {
      const serving = run(serveConfig({ modelUri: `${files.base}/held/driver.onnx` }));
      await serving.url;
      serving.signals.emit('SIGTERM');
      expect(await serving.code).toBe(0);
      expect(serving.wasReady()).toBe(false);
    } finally {
      release.resolve();
      await files.close();
    }
  });
});

describe('draining and slow clients', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('drain: not ready, no new connections, the request in flight completes', async () => {
    const release = deferred();
    const arrived = deferred();
    server = await startServer('driver_elasticnet', {
      name: 'driver',
      wrap: (served) => ({
        ...served,
        async infer(request) {
          arrived.resolve();
          await release.promise;
          return served.infer(request);
        },
      }),
    });
    const url = server.url;
    const inFlight = post(`${url}/v1/models/driver:predict`, { instances: [ROW] });
    await arrived.promise;
    const drained = server.server.drain(10_000);
    expect(server.server.ready).toBe(false);
    await expect(fetch(`${url}/v2/health/live`)).rejects.toThrow();
    release.resolve();
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    expect(reply.headers.get('connection')).toBe('close');
    expect(close(reply.body.predictions, [expected().driver_elasticnet.outputs[0]], 1e-5)).toBe(true);
    await drained;
  });

  it('a client that never finishes its body does not hold up other requests', async () => {
    server = await startServer('driver_elasticnet', { name: 'driver' });
    const { port } = new URL(server.url);
    const stalled = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/models/driver:predict', headers: { 'content-length': 1000 } });
    stalled.on('error', () => undefined);
    stalled.write('{"instances": [[0.5, ');
    const replies = await Promise.all(Array.from({ length: 5 }, () => post(`${server!.url}/v1/models/driver:predict`, { instances: [ROW] })));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    stalled.destroy();
  });

  it('a client that goes away mid-body is counted as 499, never as a model failure (5xx)', async () => {
    server = await startServer('driver_elasticnet', { name: 'driver' });
    const { port } = new URL(server.url);
    const abandoned = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/models/driver:predict', headers: { 'content-length': 1000 } });
    abandoned.on('error', () => undefined);
    abandoned.write('{"instances": [[0.5, ');
    await new Promise((r) => setTimeout(r, 50)); // the server has the headers and part of the body
    abandoned.destroy();
    const requests = async () => String((await get(`${server!.url}/metrics`)).body.text).split('\n').filter((l) => l.startsWith('cairn_inference_requests_total{'));
    await expect.poll(requests).toContainEqual(expect.stringMatching(/code="499".* 1$/));
    expect((await requests()).some((l) => /code="5\d\d"/.test(l))).toBe(false);
    expect((await post(`${server.url}/v1/models/driver:predict`, { instances: [ROW] })).status).toBe(200);
  });
});

/**
 * Graceful shutdown as Kubernetes expects (issue 12, point 6), over real HTTP with the real ONNX Runtime:
 * readiness turns 503 at once while the listener keeps accepting and serving during the shutdown delay; every
 * response then says Connection: close; requests in flight finish; an idle keep-alive connection or a
 * pipelined request whose client left never holds the exit; the exit code is 1 when the deadline cut requests.
 * Waits are on conditions; a drain that wrongly waited for its deadline (60 s) fails by the test timeout.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, type ServeConfig } from '../../../src/serving/runtime.js';
import type { ServedModel } from '../../../src/serving/served-model.js';
import { captureLogger, get, post, serveConfig, startServer, type TestServer } from './harness.js';

const ROW = [0.5, 0.9, 280];
const V1_BODY = JSON.stringify({ instances: [ROW] });
const LONG_MS = 60_000;

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const predictHead = (length: number) =>
  `POST /v1/models/driver:predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

function connect(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  return new Promise((resolve) => socket.once('connect', () => resolve(socket)));
}

/** Reads from a socket until `text` has arrived. */
function until(socket: net.Socket, text: string): Promise<string> {
  let buffer = '';
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      if (buffer.includes(text)) {
        socket.off('data', onData);
        resolve(buffer);
      }
    };
    socket.on('data', onData);
  });
}

describe('draining the server', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** The driver model, holding inference requests until released. */
  async function holdingServer() {
    const release = deferred();
    const arrived = deferred();
    server = await startServer('driver_elasticnet', {
      name: 'driver',
      wrap: (served): ServedModel => ({
        ...served,
        async infer(request) {
          arrived.resolve();
          await release.promise;
          return served.infer(request);
        },
      }),
    });
    return { server, release: release.resolve, arrived: arrived.promise };
  }

  it('during the shutdown delay: not ready at once, new connections accepted and served with Connection: close; a second call ends the delay', async () => {
    server = await startServer('driver_elasticnet', { name: 'driver' });
    const drained = server.server.drain(LONG_MS, LONG_MS);
    expect(await get(`${server.url}/v2/health/ready`)).toMatchObject({ status: 503, body: { ready: false } });
    expect(await get(`${server.url}/v2/models/driver/ready`)).toMatchObject({ status: 503, body: { error: 'model "driver" is not ready (shutting down)' } });
    expect(await get(`${server.url}/v2/health/live`)).toMatchObject({ status: 200 });
    const reply = await post(`${server.url}/v1/models/driver:predict`, { instances: [ROW] });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('connection')).toBe('close');
    expect(await server.server.drain(LONG_MS)).toEqual({ cut: 0 });
    expect(await drained).toEqual({ cut: 0 });
    await expect(fetch(`${server.url}/v2/health/live`)).rejects.toThrow();
  });

  it('an idle keep-alive connection does not hold the exit', async () => {
    server = await startServer('driver_elasticnet', { name: 'driver' });
    const socket = await connect(Number(new URL(server.url).port));
    const answered = until(socket, '"predictions"');
    socket.write(predictHead(Buffer.byteLength(V1_BODY)) + V1_BODY);
    expect(await answered).toMatch(/^HTTP\/1.1 200/);
    const closed = new Promise((r) => socket.once('close', r));
    expect(await server.server.drain(LONG_MS)).toEqual({ cut: 0 });
    await closed;
  });

  it('the request in flight finishes, with Connection: close, and the drain ends with it', async () => {
    const h = await holdingServer();
    const socket = await connect(Number(new URL(h.server.url).port));
    const answered = until(socket, '"predictions"');
    socket.write(predictHead(Buffer.byteLength(V1_BODY)) + V1_BODY);
    await h.arrived;
    const drained = h.server.server.drain(LONG_MS);
    h.release();
    const answer = await answered;
    expect(answer).toMatch(/^HTTP\/1.1 200/);
    expect(answer.toLowerCase()).toContain('connection: close');
    expect(await drained).toEqual({ cut: 0 });
  });

  it('pipelined requests whose client left do not hold the exit (the model still holds the first)', async () => {
    const h = await holdingServer();
    const socket = await connect(Number(new URL(h.server.url).port));
    const request = predictHead(Buffer.byteLength(V1_BODY)) + V1_BODY;
    socket.write(request + request + request);
    await h.arrived;
    socket.destroy();
    expect(await h.server.server.drain(LONG_MS)).toEqual({ cut: 0 });
    h.release();
  });

  it('the deadline cuts a request that cannot finish, and says how many it cut', async () => {
    server = await startServer('driver_elasticnet', { name: 'driver' });
    const socket = await connect(Number(new URL(server.url).port));
    const closed = new Promise((r) => socket.once('close', r));
    const received = new Promise((r) => server!.server.http.once('request', r));
    socket.write(`${predictHead(1000)}{"instances": [[0.5, `); // the rest of the body never comes
    await received;
    expect(await server.server.drain(50)).toEqual({ cut: 1 });
    await closed;
  });
});

describe('the process on SIGTERM', () => {
  const config = (patch: Partial<ServeConfig>): ServeConfig => serveConfig({ shutdownDelayMs: LONG_MS, drainTimeoutMs: LONG_MS, ...patch });

  function run(cfg: ServeConfig) {
    const log = captureLogger();
    const signals = new EventEmitter();
    const url = deferred<string>();
    const ready = deferred();
    const code = serve(cfg, {
      logger: log.logger,
      registry: new Registry(),
      signals,
      random: Math.random,
      onListening: (port) => url.resolve(`http://127.0.0.1:${port}`),
      onReady: () => ready.resolve(),
    });
    return { code, log, signals, url: url.promise, ready: ready.promise };
  }

  it('keeps serving through the delay while not ready; a second signal ends it; exit 0', async () => {
    const serving = run(config({}));
    await serving.ready;
    const url = await serving.url;
    serving.signals.emit('SIGTERM');
    // The signal is handled on the next turn: wait until readiness says so.
    while ((await get(`${url}/v2/health/ready`)).status !== 503);
    const reply = await post(`${url}/v1/models/driver:predict`, { instances: [ROW] });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('connection')).toBe('close');
    serving.signals.emit('SIGTERM');
    expect(await serving.code).toBe(0);
  });

  it('exits 1 when the drain deadline cut a request, and logs it', async () => {
    const serving = run(config({ shutdownDelayMs: 0, drainTimeoutMs: 50 }));
    await serving.ready;
    const url = await serving.url;
    const socket = await connect(Number(new URL(url).port));
    socket.write(`${predictHead(1000)}{"instances": [[0.5, `);
    // The server has those headers once a request sent after them on another connection is answered.
    await get(`${url}/v2/health/live`);
    serving.signals.emit('SIGTERM');
    expect(await serving.code).toBe(1);
    expect(serving.log.lines.find((l) => l.msg === 'The drain deadline cut requests in flight')).toMatchObject({ cut: 1, drainTimeoutMs: 50 });
    socket.destroy();
  });
});

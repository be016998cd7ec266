/**
 * cairn serve under abuse, over real HTTP with the real ONNX Runtime (issue 12): a client error is never a 5xx
 * whatever the nesting of any field, error messages quote short excerpts of 2 MB requests, admission sheds
 * overload with 503 + Retry-After before a byte of the body is read, the body-byte budget and the connection
 * cap bound memory, and a request within the limits is served on an idle server however many chunks it
 * runs in. Each case is followed by a correct answer from the same server.
 */
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAX_MESSAGE } from '../../../src/serving/errors.js';
import { MAX_JSON_DEPTH } from '../../../src/serving/json-depth.js';
import type { ServedModel } from '../../../src/serving/served-model.js';
import { close, post, startServer, type TestServer } from './harness.js';
import { expected } from './models.js';

const ROW = [0.5, 0.9, 280];
const GOOD = { name: 'input', shape: [1, 3], datatype: 'FP32', data: ROW };

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function expectCorrectAnswer(url: string): Promise<void> {
  const reply = await post(`${url}/v2/models/driver/infer`, { inputs: [GOOD] });
  expect(reply.status).toBe(200);
  expect(close((reply.body.outputs as { data: number[] }[])[0]!.data, expected().driver_elasticnet.outputs[0]!, 1e-5)).toBe(true);
}

interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection after the answer. */
  closed: Promise<void>;
}

/**
 * Sends `head` (request line and headers) and optionally part of a body on a raw socket, and resolves the
 * answer as soon as it is complete: a test can see a response that came before the body was sent.
 */
function raw(port: number, head: string, body = ''): { reply: Promise<RawReply>; socket: net.Socket } {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const reply = new Promise<RawReply>((resolve, reject) => {
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const [statusLine, ...lines] = buffer.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const length = Number(headers['content-length'] ?? 0);
      if (buffer.length < end + 4 + length) return;
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: buffer.slice(end + 4, end + 4 + length), closed });
    });
    socket.once('close', () => reject(new Error(`closed before an answer: ${buffer.slice(0, 200)}`)));
  });
  reply.catch(() => undefined); // a test that only holds the connection never awaits the answer
  socket.write(head + body);
  return { reply, socket };
}

const postHead = (path: string, headers: Record<string, string | number>) =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;

describe('a client error is never a 5xx, and its message is short', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer('driver_elasticnet', { name: 'driver', limits: { maxBodyBytes: 4 << 20, maxElements: 1 << 20 } });
  });
  afterAll(async () => server?.close());

  const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  const good = JSON.stringify(GOOD).slice(1, -1);
  // Each field of a V2 or V1 request holding nesting 100,000 levels deep (about 200 KB of brackets).
  const FIELDS: [string, string, string][] = [
    ['V2 shape', '/v2/models/driver/infer', `{"inputs":[{"name":"input","datatype":"FP32","data":[1,2,3],"shape":${deep(100_000)}}]}`],
    ['V2 datatype', '/v2/models/driver/infer', `{"inputs":[{"name":"input","shape":[1,3],"data":[1,2,3],"datatype":${deep(100_000)}}]}`],
    ['V2 name', '/v2/models/driver/infer', `{"inputs":[{"shape":[1,3],"datatype":"FP32","data":[1,2,3],"name":${deepObject(100_000)}}]}`],
    ['V2 parameters', '/v2/models/driver/infer', `{"parameters":${deepObject(100_000)},"inputs":[{${good}}]}`],
    ['V2 data', '/v2/models/driver/infer', `{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":${deep(100_000)}}]}`],
    ['V2 id', '/v2/models/driver/infer', `{"id":${deep(100_000)},"inputs":[{${good}}]}`],
    ['V2 outputs', '/v2/models/driver/infer', `{"inputs":[{${good}}],"outputs":[{"name":${deep(100_000)}}]}`],
    ['V1 instances', '/v1/models/driver:predict', `{"instances":${deep(100_000)}}`],
    ['V1 inputs', '/v1/models/driver:predict', `{"inputs":${deepObject(100_000)}}`],
  ];

  it.each(FIELDS)('%s nested 100,000 deep: 400 before any parse, then a correct answer', async (_field, path, body) => {
    const reply = await post(`${server.url}${path}`, body);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe(`body: arrays and objects nest deeper than ${MAX_JSON_DEPTH} levels; no tensor needs that many`);
    await expectCorrectAnswer(server.url);
  });

  it(`nesting of exactly ${MAX_JSON_DEPTH} levels is parsed (a field error), one more is refused; brackets inside strings do not count`, async () => {
    // The body object, inputs, the input object: 3 levels; the shape takes the rest.
    const shape = (levels: number) => `{"inputs":[{"name":"input","datatype":"FP32","data":[1,2,3],"shape":${deep(levels)}}]}`;
    const at = await post(`${server.url}/v2/models/driver/infer`, shape(MAX_JSON_DEPTH - 3));
    expect(at).toMatchObject({ status: 400, body: { error: 'inputs[0].shape[0]: expected a non-negative integer dimension, got an array of 1' } });
    const over = await post(`${server.url}/v2/models/driver/infer`, shape(MAX_JSON_DEPTH - 2));
    expect(over.status).toBe(400);
    expect(over.body.error).toContain('nest deeper than');
    const inString = await post(`${server.url}/v2/models/driver/infer`, { id: `${'['.repeat(50_000)}\\"{`, inputs: [GOOD] });
    expect(inString.status).toBe(200);
    await expectCorrectAnswer(server.url);
  });

  const MB2 = 'x'.repeat(2 << 20);
  const LONG: [string, string, unknown, string][] = [
    ['input name', '/v2/models/driver/infer', { inputs: [{ ...GOOD, name: MB2 }] }, 'inputs[0].name: the model has no input "xxx'],
    ['datatype', '/v2/models/driver/infer', { inputs: [{ ...GOOD, datatype: MB2 }] }, 'inputs[0].datatype: input "input" is FP32, got "xxx'],
    ['shape of 500,000 dimensions', '/v2/models/driver/infer', { inputs: [{ ...GOOD, shape: new Array(500_000).fill(1) }] }, 'inputs[0].shape: input "input" needs rank 2 [-1,3], got [1,1,1,1,1,1,1,1,1,1,1,1,... (500000 dimensions)]'],
    ['a data element', '/v2/models/driver/infer', { inputs: [{ ...GOOD, data: [1, 2, MB2] }] }, 'inputs[0].data[2]: expected a number (FP32), got "xxx'],
    ['nested data', '/v2/models/driver/infer', { inputs: [{ ...GOOD, shape: [2, 3], data: [[1, 2, 3], MB2] }] }, 'inputs[0].data[1]: expected an array of 3, got string "xxx'],
    ['requested output', '/v2/models/driver/infer', { inputs: [GOOD], outputs: [{ name: MB2 }] }, 'outputs[0].name: the model has no output "xxx'],
    ['V1 row key', '/v1/models/driver:predict', { instances: [{ [MB2]: ROW }] }, 'instances[0].xxx'],
    ['V1 columnar key', '/v1/models/driver:predict', { inputs: { [MB2]: [ROW] } }, 'inputs.xxx'],
    ['V1 row element', '/v1/models/driver:predict', { instances: [[0.5, MB2, 1]] }, 'instances[0][1]: expected a number (FP32), got "xxx'],
    ['model name in the path', `/v2/models/${'m'.repeat(8000)}/infer`, { inputs: [GOOD] }, 'model: unknown model "mmm'],
    ['unknown path', `/v2/${'p'.repeat(8000)}`, { inputs: [GOOD] }, 'path: no endpoint POST /v2/ppp'],
  ];

  it.each(LONG)('a 2 MB %s: 4xx quoting a short excerpt, then a correct answer', async (_what, path, body, start) => {
    const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(text.length).toBeLessThan(MAX_MESSAGE + 20);
    expect((JSON.parse(text) as { error: string }).error.startsWith(start)).toBe(true);
    await expectCorrectAnswer(server.url);
  });
});

describe('admission: served when it fits, shed before the body is read when it does not', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('a request of many chunks within --max-elements is served on an idle server even with a short queue', async () => {
    server = await startServer('driver_elasticnet', { name: 'driver', maxBatchSize: 4, maxQueue: 2 });
    const rows = Array.from({ length: 1000 }, (_, i) => [i / 1000, 0.5, 200 + i]);
    const reply = await post(`${server.url}/v1/models/driver:predict`, { instances: rows });
    expect(reply.status).toBe(200);
    expect((reply.body.predictions as unknown[]).length).toBe(1000);
  });

  /** A server whose model holds every request until released; `arrived` counts requests that reached it. */
  async function holding(limits: Parameters<typeof startServer>[1] extends infer O ? (O extends { limits?: infer L } ? L : never) : never) {
    const release = deferred();
    let arrived = 0;
    const waiters: (() => void)[] = [];
    const s = await startServer('driver_elasticnet', {
      name: 'driver',
      limits,
      wrap: (served): ServedModel => ({
        ...served,
        async infer(request) {
          arrived++;
          for (const w of waiters.splice(0)) w();
          await release.promise;
          return served.infer(request);
        },
      }),
    });
    const reached = async (n: number) => {
      while (arrived < n) await new Promise<void>((r) => waiters.push(r));
    };
    return { server: s, release: release.resolve, reached };
  }

  it('--max-requests: the request over it gets 503 + Retry-After + Connection: close with its body unsent, and the server closes the socket without waiting for the body; the retry on a new connection passes', async () => {
    const h = await holding({ maxRequests: 2 });
    server = h.server;
    const body = JSON.stringify({ inputs: [GOOD] });
    const held = [post(`${server.url}/v2/models/driver/infer`, body), post(`${server.url}/v2/models/driver/infer`, body)];
    await h.reached(2);
    const { port } = new URL(server.url);
    // Headers only, declaring a body of 1 MB that never comes: the answer and the close come before any of it.
    const shed = raw(Number(port), postHead('/v2/models/driver/infer', { 'content-length': 1 << 20 }));
    const reply = await shed.reply;
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('1');
    expect(reply.headers.connection).toBe('close');
    expect(JSON.parse(reply.body)).toEqual({ error: 'overloaded: 2 inference requests in progress, the limit is 2; retry later' });
    await reply.closed; // closed by the server: the client never sent a byte of the body
    // The server stays live while it is full.
    expect((await fetch(`${server.url}/v2/health/live`)).status).toBe(200);
    h.release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
    await expectCorrectAnswer(server.url);
  });

  it('--max-requests: a shed request with no body (Content-Length: 0) keeps its connection, which serves the next request', async () => {
    const h = await holding({ maxRequests: 1 });
    server = h.server;
    const body = JSON.stringify({ inputs: [GOOD] });
    const held = post(`${server.url}/v2/models/driver/infer`, body);
    await h.reached(1);
    const { port } = new URL(server.url);
    const shed = raw(Number(port), postHead('/v2/models/driver/infer', { 'content-length': 0 }));
    const reply = await shed.reply;
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toBe('1');
    expect(reply.headers.connection).not.toBe('close');
    h.release();
    expect((await held).status).toBe(200);
    const again = new Promise<string>((resolve) => {
      let text = '';
      shed.socket.on('data', (c: Buffer) => {
        text += c.toString();
        if (text.includes('"outputs"')) resolve(text);
      });
    });
    shed.socket.write(postHead('/v2/models/driver/infer', { 'content-length': Buffer.byteLength(body) }) + body);
    expect(await again).toMatch(/^HTTP\/1.1 200/);
    shed.socket.destroy();
  });

  it('--max-buffered-bytes: declared bodies are reserved whole (at the limit admitted, one byte over shed); a chunked body crossing it is cut with 503 and a closed connection', async () => {
    const h = await holding({ maxBufferedBytes: 1000, maxBodyBytes: 600 });
    server = h.server;
    const { port } = new URL(server.url);
    // 600 bytes declared and partly sent: held by the reading, not the model.
    const first = raw(Number(port), postHead('/v2/models/driver/infer', { 'content-length': 600 }), '{"inputs":[');
    // 400 more fit exactly; 401 do not.
    const bare = JSON.stringify({ inputs: [GOOD], id: '' });
    const fits = JSON.stringify({ inputs: [GOOD], id: 'x'.repeat(400 - bare.length) });
    expect(Buffer.byteLength(fits)).toBe(400);
    const admitted = raw(Number(port), postHead('/v2/models/driver/infer', { 'content-length': 400 }), fits);
    await h.reached(1);
    const over = await raw(Number(port), postHead('/v2/models/driver/infer', { 'content-length': 401 })).reply;
    expect(over.status).toBe(503);
    expect(over.headers['retry-after']).toBe('1');
    expect(over.headers.connection).toBe('close');
    expect(JSON.parse(over.body)).toEqual({ error: 'overloaded: the request bodies being read hold 1000 bytes, the limit is 1000; retry later' });
    await over.closed;
    // Chunked: admitted with nothing reserved, cut when its bytes pass the budget.
    const chunked = raw(Number(port), postHead('/v2/models/driver/infer', { 'transfer-encoding': 'chunked' }), '5\r\n{"id"\r\n');
    const cut = await chunked.reply;
    expect(cut.status).toBe(503);
    expect(cut.headers.connection).toBe('close');
    await cut.closed;
    h.release();
    expect((await admitted.reply).status).toBe(200);
    first.socket.destroy();
    await expectCorrectAnswer(server.url);
  });

  it('--max-connections: a connection over the cap is closed at once; once one closes, a new one is served', async () => {
    server = await startServer('driver_elasticnet', { name: 'driver', limits: { maxConnections: 2 } });
    const { port } = new URL(server.url);
    const open = [raw(Number(port), ''), raw(Number(port), '')];
    await Promise.all(open.map((o) => new Promise((r) => o.socket.once('connect', r))));
    const third = raw(Number(port), 'GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect(third.reply).rejects.toThrow('closed before an answer');
    open[0]!.socket.destroy();
    await new Promise((r) => open[0]!.socket.once('close', r));
    // The server sees the close a moment later: retry until a connection is admitted (bounded by the test timeout).
    for (;;) {
      const attempt = raw(Number(port), 'GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n');
      const reply = await attempt.reply.catch(() => undefined);
      attempt.socket.destroy();
      if (reply) {
        expect(reply.status).toBe(200);
        break;
      }
    }
    open[1]!.socket.destroy();
  });
});

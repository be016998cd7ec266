/**
 * Shadow mirroring and sampled request logging over loopback: the chosen share of requests reaches the shadow
 * (canonical path, same body), a hung shadow never delays the primary's answers, and copies beyond the
 * in-flight bound are dropped, not queued.
 */
import http from 'node:http';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createMirror, type Mirror } from '../../../src/serving/mirror.js';
import { captureLogger, post, sample, startServer, type TestServer } from './harness.js';

interface Received {
  path: string;
  shadowHeader: string | undefined;
  body: string;
}

/** A loopback shadow server; it answers 200 unless `hang` is set. Resolves `until(n)` once n requests arrived. */
async function shadowServer(hang = false) {
  const received: Received[] = [];
  const waiters: { n: number; resolve(): void }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', shadowHeader: req.headers['x-cairn-shadow'] as string | undefined, body: Buffer.concat(chunks).toString() });
      for (const w of waiters.filter((w) => received.length >= w.n)) w.resolve();
      if (!hang) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    received,
    until: (n: number) => new Promise<void>((resolve) => (received.length >= n ? resolve() : waiters.push({ n, resolve }))),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const sequence = (values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

const body = (v: number) => ({ inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [v, 0.5, 280] }] });

let primary: TestServer | undefined;
let mirror: Mirror | undefined;
afterEach(async () => {
  await primary?.close();
  primary = undefined;
});

describe('shadow mirroring', () => {
  it('copies the chosen share of requests to the shadow, on the unversioned path, with the same body', async () => {
    const shadow = await shadowServer();
    const registry = new Registry();
    mirror = createMirror({ url: shadow.url, percent: 50, timeoutMs: 5000, maxInFlight: 8, model: 'driver', version: '1', registry, logger: captureLogger().logger, random: sequence([0.1, 0.9, 0.2, 0.7]) });
    primary = await startServer('driver_elasticnet', { name: 'driver', mirror });
    const sent = [
      ['/v2/models/driver/versions/1/infer', body(0.1)],
      ['/v2/models/driver/infer', body(0.2)],
      ['/v1/models/driver:predict', { instances: [[0.3, 0.5, 280]] }],
      ['/v1/models/driver:predict', { instances: [[0.4, 0.5, 280]] }],
    ] as const;
    for (const [path, payload] of sent) expect((await post(`${primary.url}${path}`, payload)).status).toBe(200);
    await shadow.until(2);
    await mirror.close();
    expect(shadow.received).toEqual([
      { path: '/v2/models/driver/infer', shadowHeader: '1', body: JSON.stringify(sent[0][1]) },
      { path: '/v1/models/driver:predict', shadowHeader: '1', body: JSON.stringify(sent[2][1]) },
    ]);
    expect(sample(await registry.metrics(), 'cairn_shadow_requests_total', { result: 'ok' })).toBe(2);
    await shadow.close();
  });

  it('a shadow that never answers does not delay the primary; copies past the bound are dropped', async () => {
    const shadow = await shadowServer(true);
    const registry = new Registry();
    mirror = createMirror({ url: shadow.url, percent: 100, timeoutMs: 60_000, maxInFlight: 2, model: 'driver', version: '1', registry, logger: captureLogger().logger, random: () => 0 });
    primary = await startServer('driver_elasticnet', { name: 'driver', mirror });
    for (let i = 0; i < 2; i++) expect((await post(`${primary.url}/v2/models/driver/infer`, body(i))).status).toBe(200);
    await shadow.until(2); // both copies are now held open by the shadow
    for (let i = 2; i < 5; i++) expect((await post(`${primary.url}/v2/models/driver/infer`, body(i))).status).toBe(200);
    const closing = mirror.close();
    await shadow.close(); // the held copies fail
    await closing;
    const metrics = await registry.metrics();
    expect(sample(metrics, 'cairn_shadow_requests_total', { result: 'dropped' })).toBe(3);
    expect(sample(metrics, 'cairn_shadow_requests_total', { result: 'error' })).toBe(2);
    expect(shadow.received).toHaveLength(2);
  });
});

/** A shadow that answers with headers and part of a body, then `resets` the connection or `trickles` a byte every 20 ms. */
async function brokenShadow(mode: 'resets' | 'trickles') {
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
      res.write('{"outputs": [');
      if (mode === 'resets') setTimeout(() => req.socket.destroy(), 10);
      else timers.add(setInterval(() => res.write(' '), 20));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => {
      timers.forEach(clearInterval);
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('shadow mirroring when the shadow breaks mid-response', () => {
  it.each(['resets', 'trickles'] as const)('a shadow that %s: each copy fails once, frees its slot, and close() returns', async (mode) => {
    const shadow = await brokenShadow(mode);
    const registry = new Registry();
    mirror = createMirror({ url: shadow.url, percent: 100, timeoutMs: 300, maxInFlight: 1, model: 'driver', version: '1', registry, logger: captureLogger().logger, random: () => 0 });
    const errors = async () => sample(await registry.metrics(), 'cairn_shadow_requests_total', { result: 'error' }) ?? 0;
    // One slot: each copy must free it (error counted) before the next can go.
    for (let i = 1; i <= 3; i++) {
      mirror.offer('/v2/models/driver/infer', Buffer.from(JSON.stringify(body(i))));
      await expect.poll(errors, { timeout: 5000 }).toBe(i);
    }
    const metrics = await registry.metrics();
    expect(sample(metrics, 'cairn_shadow_requests_total', { result: 'dropped' }) ?? 0).toBe(0);
    expect(sample(metrics, 'cairn_shadow_requests_total', { result: 'ok' }) ?? 0).toBe(0);
    mirror.offer('/v2/models/driver/infer', Buffer.from(JSON.stringify(body(4))));
    await mirror.close(); // the copy in flight ends at its deadline; before, this never returned
    await shadow.close();
  });
});

describe('sampled request logging', () => {
  it('logs the chosen share of inference requests with request and response bodies', async () => {
    primary = await startServer('driver_elasticnet', { name: 'driver', requestLog: { sample: 0.5, random: sequence([0.3, 0.8]) } });
    await post(`${primary.url}/v2/models/driver/infer`, body(0.1));
    await post(`${primary.url}/v2/models/driver/infer`, body(0.2));
    await post(`${primary.url}/v1/models/driver:predict`, { instances: 'oops' });
    const logged = primary.log.lines.filter((l) => l.msg === 'Logged a sampled inference request');
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ protocol: 'v2', status: 200, request: body(0.1), response: { model_name: 'driver', outputs: [{ name: 'variable' }] } });
    expect(logged[1]).toMatchObject({ protocol: 'v1', status: 400, request: { instances: 'oops' }, response: { error: 'instances: expected a non-empty array of rows' } });
  });
});

/** A shadow that answers each copy with the next of `answers` (status 200, JSON). */
async function answeringShadow(answers: readonly string[]) {
  let next = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answers[next++ % answers.length]));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('shadow agreement', () => {
  it("compares each shadow answer with the primary's outputs: agreement by result, and the summed difference", async () => {
    const answer = (values: number[]) => JSON.stringify({ model_name: 'driver', model_version: '2', outputs: [{ name: 'variable', datatype: 'FP32', shape: [values.length, 1], data: values }] });
    const shadow = await answeringShadow([answer([0.5, 1.0]), answer([0.5, 1.25]), '{"error":"model not ready"}', answer([0.5, 1.0])]);
    const registry = new Registry();
    mirror = createMirror({ url: shadow.url, percent: 100, timeoutMs: 5000, maxInFlight: 1, tolerance: 0.1, model: 'driver', version: '1', registry, logger: captureLogger().logger, random: () => 0 });
    const outputs = { variable: { type: 'float32' as const, dims: [2, 1], data: new Float32Array([0.5, 1.0]) } };
    const count = async (result: string) => sample(await registry.metrics(), 'cairn_shadow_comparisons_total', { result }) ?? 0;
    const total = async () => (await count('agree')) + (await count('disagree')) + (await count('incomparable'));
    // One slot: each copy is compared before the next goes, so the answers line up with the copies.
    for (let i = 1; i <= 4; i++) {
      mirror.offer('/v2/models/driver/infer', Buffer.from(JSON.stringify(body(i))), undefined, { protocol: 'v2', outputs });
      await expect.poll(total, { timeout: 5000 }).toBe(i);
    }
    await mirror.close();
    const metrics = await registry.metrics();
    expect([await count('agree'), await count('disagree'), await count('incomparable')]).toEqual([2, 1, 1]);
    // Three comparable answers of two elements each; only the second differs, by 0.25.
    expect(sample(metrics, 'cairn_shadow_compared_elements_total', { model: 'driver', version: '1' })).toBe(6);
    expect(sample(metrics, 'cairn_shadow_abs_difference_total', { model: 'driver', version: '1' })).toBeCloseTo(0.25, 9);
    await shadow.close();
  });

  it('copies offered without the primary outputs are sent but not compared', async () => {
    const shadow = await answeringShadow(['{}']);
    const registry = new Registry();
    mirror = createMirror({ url: shadow.url, percent: 100, timeoutMs: 5000, maxInFlight: 4, model: 'driver', version: '1', registry, logger: captureLogger().logger, random: () => 0 });
    mirror.offer('/v2/models/driver/infer', Buffer.from(JSON.stringify(body(1))));
    await mirror.close();
    const metrics = await registry.metrics();
    expect(sample(metrics, 'cairn_shadow_requests_total', { result: 'ok' })).toBe(1);
    expect(sample(metrics, 'cairn_shadow_comparisons_total', { result: 'incomparable' }) ?? 0).toBe(0);
    await shadow.close();
  });
});

describe('shadow agreement between two real servers', () => {
  it('the same model behind the mirror agrees on every protocol (V2, V2 with outputs asked, V1 rows and columns), with no difference', async () => {
    const same = await startServer('driver_elasticnet', { name: 'driver', version: '2' });
    const registry = new Registry();
    mirror = createMirror({ url: same.url, percent: 100, timeoutMs: 5000, maxInFlight: 1, model: 'driver', version: '1', registry, logger: captureLogger().logger, random: () => 0 });
    primary = await startServer('driver_elasticnet', { name: 'driver', mirror });
    const count = async (result: string) => sample(await registry.metrics(), 'cairn_shadow_comparisons_total', { result }) ?? 0;
    const requests = [
      ['/v2/models/driver/infer', body(0.1)],
      ['/v2/models/driver/infer', { inputs: [{ name: 'input', shape: [2, 3], datatype: 'FP32', data: [0.2, 0.5, 280, 0.9, 0.1, 12] }], outputs: [{ name: 'variable' }] }],
      ['/v1/models/driver:predict', { instances: [[0.3, 0.5, 280]] }],
      ['/v1/models/driver:predict', { inputs: { input: [[0.4, 0.5, 280]] } }],
    ] as const;
    for (const [i, [path, payload]] of requests.entries()) {
      expect((await post(`${primary.url}${path}`, payload)).status).toBe(200);
      await expect.poll(async () => (await count('agree')) + (await count('disagree')) + (await count('incomparable')), { timeout: 5000 }).toBe(i + 1);
    }
    expect([await count('agree'), await count('disagree'), await count('incomparable')]).toEqual([4, 0, 0]);
    expect(sample(await registry.metrics(), 'cairn_shadow_abs_difference_total', { model: 'driver' })).toBe(0);
    await mirror.close();
    await same.close();
  });
});

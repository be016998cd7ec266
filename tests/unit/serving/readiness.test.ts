/**
 * /v2/health/ready follows whether the model can run anything now: a pod whose inference workers all died and
 * cannot be replaced reports not ready (Kubernetes routes to other replicas), and ready again once it can.
 */
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createRequestMetrics } from '../../../src/serving/metrics.js';
import type { ServedModel } from '../../../src/serving/served-model.js';
import { buildServer, type ServingServer } from '../../../src/serving/server.js';
import { captureLogger, DEFAULT_LIMITS, get } from './harness.js';

let server: ServingServer | undefined;
afterEach(async () => {
  await server?.drain(100);
  server = undefined;
});

describe('readiness', () => {
  it('is not ready while the model cannot run anything, and ready again once it can', async () => {
    let available = true;
    const model: ServedModel = {
      signature: { inputs: [], outputs: [] },
      infer: () => Promise.reject(new Error('not used')),
      available: () => available,
      close: async () => undefined,
    };
    const registry = new Registry();
    server = buildServer({ name: 'm', version: '1', logger: captureLogger().logger, registry, metrics: createRequestMetrics(registry, 'm', '1'), limits: DEFAULT_LIMITS, model });
    const url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
    expect((await get(`${url}/v2/health/ready`)).status).toBe(200);
    available = false;
    expect(await get(`${url}/v2/health/ready`)).toMatchObject({ status: 503, body: { ready: false } });
    expect((await get(`${url}/v2/health/live`)).status).toBe(200); // alive: it is retrying, not stuck
    available = true;
    expect((await get(`${url}/v2/health/ready`)).status).toBe(200);
  });
});

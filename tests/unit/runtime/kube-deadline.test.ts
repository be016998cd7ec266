/**
 * Every API request but a watch has a deadline: against a server that takes the request and never answers
 * (a connection that died silently), a request fails as Unavailable instead of holding its worker for the
 * ~15 minutes TCP takes to give up. The caller's own abort stays an Aborted error.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError } from '../../../src/runtime/kube/errors.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import { builtin } from '../../../src/runtime/kube/resource.js';

describe('API request deadline', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer(() => undefined); // takes every request, answers none
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const client = () => new HttpKubeClient({ server: url, tls: { insecure: false }, credentials: { type: 'none' } }, { requestTimeoutMs: 200 });

  it('a request that gets no answer fails as Unavailable at the deadline', async () => {
    const err = await client().get(builtin.namespace, 'default').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err).toMatchObject({ reason: 'Unavailable', message: 'GET /api/v1/namespaces/default failed: no answer within 200 ms' });
  });

  it('a list and a write get the same deadline', async () => {
    await expect(client().list(builtin.namespace, {})).rejects.toMatchObject({ reason: 'Unavailable' });
    await expect(client().delete(builtin.namespace, 'x')).rejects.toMatchObject({ reason: 'Unavailable' });
  });

  it("the caller's own abort is still Aborted", async () => {
    const abort = new AbortController();
    const pending = client().get(builtin.namespace, 'default', undefined, { signal: abort.signal });
    abort.abort();
    await expect(pending).rejects.toMatchObject({ reason: 'Aborted' });
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PrometheusError, queryPrometheus, valueOfAnswer } from '../../../src/rollout/prometheus.js';

describe('valueOfAnswer (answers as Prometheus 3 gives them)', () => {
  test.each([
    [{ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1764417600.123, '0.015'] }] } }, 0.015],
    [{ status: 'success', data: { resultType: 'scalar', result: [1764417600, '42'] } }, 42],
    [{ status: 'success', data: { resultType: 'vector', result: [] } }, undefined],
    [{ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, 'NaN'] }] } }, Number.NaN],
  ])('%j -> %s', (answer, expected) => {
    expect(valueOfAnswer('q', answer)).toEqual(expected);
  });

  test.each([
    [{ status: 'error', errorType: 'bad_data', error: 'parse error at char 5' }, 'QueryFailed', /bad_data: parse error at char 5/],
    [{ status: 'success', data: { resultType: 'vector', result: [{ value: [1, '1'] }, { value: [1, '2'] }] } }, 'NotOneSeries', /gives 2 series.*sum\(\)/],
    [{ status: 'success', data: { resultType: 'matrix', result: [] } }, 'NotOneSeries', /a matrix result/],
    [{ status: 'success', data: { resultType: 'vector', result: [{ value: [1, 2] }] } }, 'BadAnswer', /not \[time, "number"\]/],
  ])('%j is refused: %s', (answer, reason, message) => {
    try {
      valueOfAnswer('rate(x[1m])', answer);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PrometheusError);
      expect((error as PrometheusError).reason).toBe(reason);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('queryPrometheus over HTTP (a loopback server answering as Prometheus does)', () => {
  let server: Server;
  let address = '';
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      if (req.url?.startsWith('/prefix/api/v1/query')) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '0.25'] }] } }));
      } else {
        res.statusCode = 502;
        res.end('<html>bad gateway</html>');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('the query is sent URL-encoded under the address prefix; the value comes back', async () => {
    await expect(queryPrometheus(`${address}/prefix/`, 'sum(rate(cairn_inference_requests_total{code=~"5.."}[1m]))')).resolves.toBe(0.25);
    expect(seen.at(-1)).toBe('/prefix/api/v1/query?query=sum%28rate%28cairn_inference_requests_total%7Bcode%3D%7E%225..%22%7D%5B1m%5D%29%29');
  });

  test('a proxy error page is a BadAnswer naming the status; a closed port is Unreachable', async () => {
    await expect(queryPrometheus(address, 'up')).rejects.toMatchObject({ reason: 'BadAnswer', message: expect.stringMatching(/HTTP 502 with no JSON: <html>bad gateway/) });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(queryPrometheus(`http://127.0.0.1:${port}`, 'up')).rejects.toMatchObject({ reason: 'Unreachable', message: expect.stringMatching(/ECONNREFUSED/) });
  });
});

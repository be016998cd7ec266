/** Plain HTTP from tests to pods and Services, each request over a new connection. */
import { request } from 'node:http';

/**
 * One request over a new connection (no keep-alive: a Service spreads connections, not requests, so every
 * request can reach another pod). Resolves with the body of any status; rejects on a connection error or timeout.
 */
export function httpRequest(url: string, options: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', agent: false, timeout: options.timeoutMs ?? 10_000, headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${options.method ?? 'GET'} ${url} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** GET over a new connection: the body, whatever the status. */
export async function httpGet(url: string): Promise<string> {
  return (await httpRequest(url)).body;
}

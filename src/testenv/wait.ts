import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { ManagedProcess } from './process.js';
import { describeExit } from './process.js';
import { errorMessage } from './errors.js';

class StartupError extends Error {}

export interface WaitOptions {
  /** What is awaited, for the error message. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Processes whose exit makes the wait fail at once, with their last log lines. */
  watch?: ManagedProcess[];
}

/**
 * Polls `check` until it returns a value other than undefined. Fails loudly, with the last log lines of the
 * watched processes, when one of them exits or the deadline passes: a component that does not come up must
 * never turn into a skipped test.
 */
export async function waitFor<T>(check: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    for (const proc of options.watch ?? []) {
      const exit = proc.exitInfo();
      if (exit) throw new StartupError(`${proc.name} ${describeExit(exit)} while waiting for ${options.what}; last lines of ${proc.logFile}:\n${await proc.tail()}`);
    }
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const logs = await Promise.all((options.watch ?? []).map(async (proc) => `--- ${proc.name} (${proc.logFile}):\n${await proc.tail()}`));
      const cause = lastError !== undefined ? ` (last error: ${errorMessage(lastError)})` : '';
      throw new StartupError(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${cause}\n${logs.join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
  }
}

/** GETs `url` and resolves with the status code and body (http or https; `ca` pins the server's CA). */
export function httpStatus(url: string, tls: { ca?: Buffer; insecure?: boolean } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const onResponse = (res: import('node:http').IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    };
    const req = url.startsWith('https:')
      ? httpsGet(url, { ca: tls.ca, rejectUnauthorized: !tls.insecure, timeout: 5_000 }, onResponse)
      : httpGet(url, { timeout: 5_000 }, onResponse);
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** A check for waitFor: resolves true once `url` answers 200. */
export function http200(url: string, tls: { ca?: Buffer; insecure?: boolean } = {}): () => Promise<true | undefined> {
  return async () => ((await httpStatus(url, tls)).status === 200 ? true : undefined);
}

/** `cairn console` as a real process for the console tests, and a reader of its server-sent events. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ConsoleEvent, ConsoleState } from '../../../src/console/model.js';
import { eventually, GiveUp, testenv } from '../../harness/kube.js';

export interface ConsoleProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:PORT/` */
  url: string;
  stderr: string[];
  stop(): Promise<void>;
}

/** Starts `cairn console --port 0 ...args` and waits for the line that gives its URL. */
export async function startConsoleProcess(args: string[]): Promise<ConsoleProcess> {
  const child = spawn(process.execPath, [join(testenv().root, 'bin', 'cairn.js'), 'console', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => stdout.push(line));
  createInterface({ input: child.stderr! }).on('line', (line) => stderr.push(line));
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await eventually('cairn console prints its URL', () => {
    if (child.exitCode !== null) throw new GiveUp(`cairn console exited with ${child.exitCode}: ${stderr.join('\n')}`);
    const line = stdout.find((l) => l.startsWith('Cairn console at '));
    if (!line) throw new Error(`no URL line yet; stderr: ${stderr.slice(-3).join(' | ')}`);
    return /(http:\/\/\S+\/)/.exec(line)![1]!;
    // Starting bundles the page's script with esbuild: 24 s alone on the shared machine at load 22.
  }, { timeoutMs: 170_000 });
  return {
    child,
    url,
    stderr,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exit;
    },
  };
}

export async function getState(url: string): Promise<ConsoleState> {
  const res = await fetch(new URL('api/state', url));
  if (!res.ok) throw new Error(`GET /api/state: ${res.status}`);
  return (await res.json()) as ConsoleState;
}

/** The state once every kind is listed or known forbidden. */
export function settledState(url: string): Promise<ConsoleState> {
  return eventually('the console has listed every kind', async () => {
    const state = await getState(url);
    const loading = Object.entries(state.kinds).filter(([, k]) => k.access === 'loading' || k.access === 'error');
    if (loading.length) throw new Error(`still waiting for ${loading.map(([kind, k]) => `${kind} (${k.access}${k.message ? `: ${k.message}` : ''})`).join(', ')}`);
    return state;
  });
}

/** Reads /api/events into `events` until `close()`. */
export function readEvents(url: string): { events: ConsoleEvent[]; close(): void } {
  const events: ConsoleEvent[] = [];
  const abort = new AbortController();
  void (async () => {
    const res = await fetch(new URL('api/events', url), { signal: abort.signal });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (data) events.push(JSON.parse(data) as ConsoleEvent);
      }
    }
  })().catch(() => undefined);
  return { events, close: () => abort.abort() };
}

export async function post(url: string, path: string, headers: Record<string, string> = { 'x-cairn-console': '1' }): Promise<{ status: number; message: string }> {
  const res = await fetch(new URL(path, url), { method: 'POST', headers });
  return { status: res.status, message: ((await res.json()) as { message: string }).message };
}

/** A check for `eventually` made of assertions: done once they hold (eventually waits on a value, not on undefined). */
export const holds = (assertions: () => unknown) => async (): Promise<true> => {
  await assertions();
  return true;
};

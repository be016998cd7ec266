/**
 * One proxied Service port over real loopback TCP: round robin over the endpoints, a reset when there is none
 * or the backend refuses, endpoint changes apply to new connections only, close() ends everything.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PortListener } from '../../../../src/localnode/services/listener.js';

const servers: Server[] = [];
const listeners: PortListener[] = [];

afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A backend on `ip` that answers each connection with `name` and keeps it open until the client ends it. */
async function backend(ip: string, name: string): Promise<number> {
  const server = createServer((socket) => {
    socket.write(name);
    socket.on('data', (data) => socket.write(data));
    socket.on('end', () => socket.end());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  return (server.address() as { port: number }).port;
}

/** Binds a PortListener on a free port of `ip`. */
async function proxy(ip: string): Promise<PortListener> {
  for (let attempt = 0; ; attempt++) {
    const listener = new PortListener(ip, 20_000 + Math.floor(Math.random() * 20_000));
    try {
      await listener.listen();
      listeners.push(listener);
      return listener;
    } catch (error) {
      if (attempt > 20) throw error;
    }
  }
}

/** Connects, reads the first chunk, and returns it with the socket (or the error code). */
function dial(ip: string, port: number): Promise<{ first: string; socket: Socket } | { error: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    socket.once('data', (data) => resolve({ first: data.toString(), socket }));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    socket.once('end', () => resolve({ error: 'EOF' }));
  });
}

describe('PortListener', () => {
  it('spreads new connections round robin over the endpoints and relays both ways', async () => {
    const [a, b] = [await backend('127.0.2.201', 'pod-a'), await backend('127.0.2.202', 'pod-b')];
    const listener = await proxy('127.0.3.201');
    listener.setEndpoints([
      { ip: '127.0.2.201', port: a, pod: 'ml/a' },
      { ip: '127.0.2.202', port: b, pod: 'ml/b' },
    ]);
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const answer = await dial('127.0.3.201', listener.port);
      if (!('first' in answer)) throw new Error(answer.error);
      seen.push(answer.first);
      const echoed = new Promise<string>((resolve) => answer.socket.once('data', (d) => resolve(d.toString())));
      answer.socket.write('ping');
      expect(await echoed).toBe('ping');
      answer.socket.end();
    }
    expect(seen).toEqual(['pod-a', 'pod-b', 'pod-a', 'pod-b']);
  });

  it('resets connections when there is no endpoint, and when the endpoint refuses', async () => {
    const listener = await proxy('127.0.3.202');
    expect(await dial('127.0.3.202', listener.port)).toEqual({ error: 'ECONNRESET' });
    const closed = await backend('127.0.2.203', 'gone');
    await new Promise((resolve) => servers.pop()?.close(resolve));
    listener.setEndpoints([{ ip: '127.0.2.203', port: closed, pod: 'ml/gone' }]);
    expect(await dial('127.0.3.202', listener.port)).toEqual({ error: 'ECONNRESET' });
  });

  it('a removed endpoint keeps its open connections and gets no new ones; close() ends them all', async () => {
    const [a, b] = [await backend('127.0.2.204', 'pod-a'), await backend('127.0.2.205', 'pod-b')];
    const listener = await proxy('127.0.3.203');
    listener.setEndpoints([{ ip: '127.0.2.204', port: a, pod: 'ml/a' }]);
    const open = await dial('127.0.3.203', listener.port);
    if (!('first' in open)) throw new Error(open.error);
    expect(open.first).toBe('pod-a');
    listener.setEndpoints([{ ip: '127.0.2.205', port: b, pod: 'ml/b' }]);
    for (let i = 0; i < 3; i++) {
      const answer = await dial('127.0.3.203', listener.port);
      expect('first' in answer && answer.first).toBe('pod-b');
      if ('socket' in answer) answer.socket.end();
    }
    const echoed = new Promise<string>((resolve) => open.socket.once('data', (d) => resolve(d.toString())));
    open.socket.write('still here');
    expect(await echoed).toBe('still here');
    const ended = new Promise((resolve) => open.socket.once('close', resolve));
    await listener.close();
    listeners.splice(listeners.indexOf(listener), 1);
    await ended;
    expect(await dial('127.0.3.203', listener.port)).toEqual({ error: 'ECONNREFUSED' });
  });

  it('a taken address fails listen() with EADDRINUSE', async () => {
    const first = await proxy('127.0.3.204');
    const second = new PortListener('127.0.3.204', first.port);
    await expect(second.listen()).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

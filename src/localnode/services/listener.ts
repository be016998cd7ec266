import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Endpoint } from './endpoints.js';

/**
 * One proxied Service port: listens on `ip:port` and hands every new connection to the next endpoint in
 * round robin (kube-proxy's iptables mode picks at random; round robin spreads as evenly and is predictable).
 * With no endpoint the connection is reset, as kube-proxy's REJECT rule answers. The endpoint list can be
 * swapped at any time; connections in flight keep their backend. `close()` stops listening and ends them.
 */
export class PortListener {
  private endpoints: Endpoint[] = [];
  private next = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  constructor(
    readonly ip: string,
    readonly port: number,
    private readonly onError: (error: Error, endpoint: Endpoint) => void = () => undefined,
  ) {
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (client) => this.accept(client));
  }

  /** Starts listening; rejects with the bind error (EADDRINUSE when another run holds the same ClusterIP:port). */
  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const failed = (error: Error): void => reject(error);
      this.server.once('error', failed);
      this.server.listen({ host: this.ip, port: this.port, exclusive: true }, () => {
        this.server.off('error', failed);
        resolve();
      });
    });
  }

  setEndpoints(endpoints: Endpoint[]): void {
    this.endpoints = endpoints;
  }

  /** Connections open now (client side), for tests and logs. */
  get connections(): number {
    return this.sockets.size;
  }

  private pick(): Endpoint | undefined {
    if (this.endpoints.length === 0) return undefined;
    const endpoint = this.endpoints[this.next % this.endpoints.length];
    this.next = (this.next + 1) % this.endpoints.length;
    return endpoint;
  }

  private accept(client: Socket): void {
    const endpoint = this.pick();
    if (endpoint === undefined) {
      client.resetAndDestroy();
      return;
    }
    const backend = connect({ host: endpoint.ip, port: endpoint.port, allowHalfOpen: true });
    this.sockets.add(client);
    this.sockets.add(backend);
    const forget = (socket: Socket) => () => this.sockets.delete(socket);
    client.once('close', forget(client));
    backend.once('close', forget(backend));
    // A reset on one side becomes a reset on the other (a backend that refuses: the client sees ECONNRESET).
    let reported = false;
    backend.on('error', (error) => {
      if (!reported) this.onError(error, endpoint);
      reported = true;
      if (!client.destroyed) client.resetAndDestroy();
    });
    client.on('error', () => {
      if (!backend.destroyed) backend.resetAndDestroy();
    });
    backend.once('connect', () => {
      client.pipe(backend);
      backend.pipe(client);
      client.resume();
    });
  }

  /** Stops accepting and ends every proxied connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }
}

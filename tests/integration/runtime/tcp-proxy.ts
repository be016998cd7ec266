import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy in front of kube-apiserver, so a test can break the network between one client and the real API
 * server: drop every open connection (a watch stream cut mid-flight) and refuse new ones for a while (the API
 * server unreachable), then let traffic through again. TLS passes through untouched.
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private refusing = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  static forServer(serverUrl: string): TcpProxy {
    const u = new URL(serverUrl);
    return new TcpProxy({ host: u.hostname, port: Number(u.port) });
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((client) => {
      if (this.refusing) {
        client.resetAndDestroy();
        return;
      }
      const upstream = connect(this.target);
      this.track(client);
      this.track(upstream);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close);
      upstream.on('error', close);
      client.on('close', close);
      upstream.on('close', close);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Cuts every open connection and refuses new ones until {@link heal}. */
  partition(): void {
    this.refusing = true;
    for (const s of this.sockets) s.resetAndDestroy();
  }

  heal(): void {
    this.refusing = false;
  }

  openConnections(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    this.partition();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
  }
}

/**
 * A loopback https server for the storage tests: a fresh self-signed certificate (openssl), files served with
 * their size, etag and sha256, credentials checked, and routes that misbehave on purpose (a body cut short, a
 * redirect to another origin).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface HttpsFileServer {
  /** https://127.0.0.1:<port> */
  origin: string;
  /** The certificate (PEM), to trust as a CA. */
  ca: string;
  caFile: string;
  /** Authorization headers received, in order. */
  authorizations: Array<string | undefined>;
  /** Serves `bytes` at `path`; `auth` is the Authorization header required (none: public). */
  put(path: string, bytes: Buffer, auth?: string): void;
  /** At `path`, announces `bytes` but sends only `sent` of them, then destroys the connection. */
  cut(path: string, bytes: Buffer, sent: number): void;
  /** At `path`, a 302 to `location`. */
  redirect(path: string, location: string): void;
  close(): Promise<void>;
}

type Route = { kind: 'file'; bytes: Buffer; auth?: string } | { kind: 'cut'; bytes: Buffer; sent: number } | { kind: 'redirect'; location: string };

export async function startHttpsFileServer(certDir: string): Promise<HttpsFileServer> {
  const key = join(certDir, 'key.pem');
  const cert = join(certDir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const routes = new Map<string, Route>();
  const authorizations: Array<string | undefined> = [];
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    authorizations.push(req.headers.authorization);
    const route = routes.get(new URL(req.url ?? '/', 'https://127.0.0.1').pathname);
    if (!route) {
      res.writeHead(404).end('not found');
      return;
    }
    if (route.kind === 'redirect') {
      res.writeHead(302, { location: route.location }).end();
      return;
    }
    if (route.kind === 'file' && route.auth !== undefined && req.headers.authorization !== route.auth) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('unauthorized');
      return;
    }
    const sha256 = createHash('sha256').update(route.bytes).digest('hex');
    res.writeHead(200, { 'content-length': route.bytes.length, etag: `"${sha256.slice(0, 16)}"`, 'x-amz-meta-sha256': sha256 });
    if (req.method === 'HEAD') {
      res.end();
    } else if (route.kind === 'file') {
      res.end(route.bytes);
    } else {
      res.write(route.bytes.subarray(0, route.sent), () => setTimeout(() => res.destroy(), 50));
    }
  };
  const server: Server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `https://127.0.0.1:${port}`,
    ca: readFileSync(cert, 'utf8'),
    caFile: cert,
    authorizations,
    put: (path, bytes, auth) => void routes.set(path, { kind: 'file', bytes, auth }),
    cut: (path, bytes, sent) => void routes.set(path, { kind: 'cut', bytes, sent }),
    redirect: (path, location) => void routes.set(path, { kind: 'redirect', location }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

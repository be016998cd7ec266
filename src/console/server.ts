/**
 * The console's HTTP server on node:http (a few fixed routes, docs/style.md §10: built here, listened on by the
 * caller):
 *   GET  /                   the page            GET /app-DIGEST.js   its bundled script (also /app.js)
 *                                                GET /chunk-HASH.js   the chunks it imports (ECharts)
 *   GET  /api/state          the whole ConsoleState as JSON
 *   GET  /api/events         server-sent events: `state` first, then one ConsoleEvent per change
 *   POST /api/namespaces/NS/deployments/NAME/promote|abort   (absent with --read-only)
 * It answers only requests addressed to loopback names (a page on another site cannot reach it through DNS
 * rebinding), and a POST must carry the `x-cairn-console` header, which a cross-site form cannot send.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ActionResult, RolloutAction } from './actions.js';
import { isChunkFile, type ConsoleScripts } from './bundle.js';
import type { ClusterView } from './cluster.js';
import { indexHtml } from './page.js';

export interface ConsoleServerOptions {
  view: ClusterView;
  scripts: ConsoleScripts;
  log: Logger;
  /** Promote and abort; undefined serves the page read-only (no write route at all). */
  act?: (namespace: string, name: string, action: RolloutAction) => Promise<ActionResult>;
  /** What a refused write is told when `act` is absent (default: the console was started with --read-only). */
  readOnlyReason?: string;
  /** Seconds between two SSE comments that keep idle connections open through proxies (default 15). */
  heartbeatSeconds?: number;
}

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/;
const ACTION_PATH = /^\/api\/namespaces\/([a-z0-9.-]{1,253})\/deployments\/([a-z0-9.-]{1,253})\/(promote|abort)$/;

function send(res: ServerResponse, status: number, type: string, body: string, cache = 'no-store'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': cache, 'x-content-type-options': 'nosniff' });
  res.end(body);
}

/**
 * The script's path carries its digest (and each chunk's name esbuild's hash of it), so they are served as
 * immutable: a browser then keeps them, and V8 their compiled code, instead of fetching and compiling 700 KiB
 * (ECharts) on every load; a new build is a new path.
 */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const json = (res: ServerResponse, status: number, body: unknown) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));

export function buildConsoleServer(o: ConsoleServerOptions): Server {
  // The entry names its chunks, so its digest changes whenever one of them does.
  const scriptPath = `/app-${createHash('sha256').update(o.scripts.entry).digest('hex').slice(0, 16)}.js`;
  const html = indexHtml(scriptPath);

  function events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    const write = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    write('message', { type: 'state', state: o.view.state() });
    const off = o.view.subscribe((event) => write('message', event));
    const beat = setInterval(() => res.write(': keep-alive\n\n'), (o.heartbeatSeconds ?? 15) * 1000);
    req.on('close', () => {
      off();
      clearInterval(beat);
    });
  }

  async function action(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray): Promise<void> {
    if (!o.act) return json(res, 405, { message: o.readOnlyReason ?? 'the console runs read-only: promote and abort are off' });
    if (req.headers['x-cairn-console'] !== '1') return json(res, 403, { message: 'a console action needs the x-cairn-console: 1 header' });
    const [, namespace, name, verb] = match;
    const result = await o.act(namespace!, name!, verb as RolloutAction);
    o.log.info({ namespace, name, action: verb, status: result.status }, 'Requested a rollout action from the console');
    json(res, result.status, { message: result.message });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://console');
    if (!LOOPBACK_HOST.test(req.headers.host ?? '')) return json(res, 421, { message: 'the console answers only on localhost' });
    if (req.method === 'POST') {
      const match = ACTION_PATH.exec(url.pathname);
      if (!match) return json(res, 404, { message: `no such action: ${url.pathname}` });
      action(req, res, match).catch((err: unknown) => {
        o.log.error({ err }, 'Failed to run a console action');
        if (!res.headersSent) json(res, 500, { message: 'internal error' });
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { message: `${req.method} is not served` });
    if (url.pathname === scriptPath) return send(res, 200, 'text/javascript; charset=utf-8', o.scripts.entry, IMMUTABLE);
    const chunk = url.pathname.slice(1);
    if (isChunkFile(chunk) && Object.hasOwn(o.scripts.chunks, chunk)) return send(res, 200, 'text/javascript; charset=utf-8', o.scripts.chunks[chunk]!, IMMUTABLE);
    switch (url.pathname) {
      case '/':
      case '/index.html':
        return send(res, 200, 'text/html; charset=utf-8', html);
      case '/app.js':
        return send(res, 200, 'text/javascript; charset=utf-8', o.scripts.entry);
      case '/api/state':
        return json(res, 200, o.view.state());
      case '/api/events':
        return events(req, res);
      default:
        return json(res, 404, { message: `not found: ${url.pathname}` });
    }
  });
  return server;
}

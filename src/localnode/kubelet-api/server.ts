import type { V1Pod } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { errorMessage, type Logger } from '../../testenv/index.js';
import { KUBELET_CLIENT_CN } from '../../testenv/pki.js';
import { containerFiles } from '../container.js';
import { writeContainerLog } from './log-reader.js';
import { ContainerLog, type Instance, type LogRecorder } from './log-recorder.js';
import { isQueryError, parseLogQuery, type LogQuery } from './query.js';
import { pidOf, selectContainer, type ContainerStatuses } from './select.js';

/** The kubelet API's TLS: its serving certificate, and the CA whose client certificates it accepts. */
export interface KubeletTls {
  certFile: string;
  keyFile: string;
  /** CA of the API server's kubelet client certificate (--kubelet-client-certificate). */
  clientCaFile: string;
  /** The only client accepted (certificate CN); default kubeadm's `kube-apiserver-kubelet-client`. */
  clientName?: string;
}

/** A Pod of this node, with the status the node computes for it now and its directory (logs). */
export interface KubeletPod {
  pod: V1Pod;
  status: ContainerStatuses;
  dir: string;
}

export interface KubeletApiOptions {
  tls: KubeletTls;
  pod(namespace: string, name: string): KubeletPod | undefined;
  logs: LogRecorder;
  logger: Logger;
}

/**
 * The part of the kubelet's HTTPS API that `kubectl logs` goes through (the API server proxies
 * pods/log to `https://<InternalIP>:<daemonEndpoints.kubeletEndpoint.Port>/containerLogs/...`): on 127.0.0.1,
 * with a serving certificate the API server checks against --kubelet-certificate-authority, answering only
 * the API server's kubelet client certificate. Also `GET /healthz`.
 */
export class KubeletApi {
  private readonly server: Server;
  private readonly streams = new Set<AbortController>();
  private readonly clientName: string;

  constructor(private readonly options: KubeletApiOptions) {
    const { tls } = options;
    this.clientName = tls.clientName ?? KUBELET_CLIENT_CN;
    this.server = createServer(
      { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile), ca: readFileSync(tls.clientCaFile), requestCert: true, rejectUnauthorized: false },
      (req, res) => void this.handle(req, res).catch((error) => this.fail(res, error)),
    );
  }

  /** Listens on 127.0.0.1 on a free port and returns it. */
  listen(host = '127.0.0.1'): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host, port: 0 }, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Ends the log streams in progress and stops listening. */
  async close(): Promise<void> {
    for (const stream of this.streams) stream.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const socket = req.socket as TLSSocket;
    if (!socket.authorized) return this.answer(res, 401, 'Unauthorized');
    const user = socket.getPeerCertificate().subject?.CN;
    const path = new URL(req.url ?? '/', 'https://kubelet').pathname;
    if (user !== this.clientName) {
      return this.answer(res, 403, `Forbidden (user=${user}, verb=${(req.method ?? 'GET').toLowerCase()}, resource=nodes, subresource(s)=[proxy])`);
    }
    if (path !== '/healthz' && !path.startsWith('/containerLogs/')) {
      return this.answer(res, 404, `the Cairn local node serves only /containerLogs and /healthz of the kubelet API, not ${path}`);
    }
    if (req.method !== 'GET') return this.answer(res, 405, 'Method Not Allowed');
    if (path === '/healthz') return this.answer(res, 200, 'ok');
    const query = parseLogQuery(req.url ?? '/', Date.now());
    if (isQueryError(query)) return this.answer(res, query.status, query.message);
    return this.containerLogs(query, res);
  }

  private async containerLogs(query: LogQuery, res: ServerResponse): Promise<void> {
    const found = this.options.pod(query.namespace, query.pod);
    if (!found) return this.answer(res, 404, `pod "${query.pod}" does not exist`);
    const spec = found.pod.spec;
    const names = [...(spec?.containers ?? []), ...(spec?.initContainers ?? []), ...(spec?.ephemeralContainers ?? [])].map((c) => c.name);
    if (!names.includes(query.container)) return this.answer(res, 404, `container "${query.container}" not found in pod "${query.pod}"`);
    const selected = selectContainer(query.pod, found.status, query.container, query.previous);
    if ('error' in selected) return this.answer(res, 400, selected.error);
    const { log, instance } = this.instance(found.dir, query.container, pidOf(selected.containerID));
    const abort = new AbortController();
    this.streams.add(abort);
    res.once('close', () => abort.abort());
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.flushHeaders();
    const write = (bytes: Buffer): Promise<boolean> =>
      new Promise((resolve) => {
        if (res.destroyed || abort.signal.aborted) return resolve(false);
        if (res.write(bytes)) return resolve(true);
        const settle = (): void => {
          res.off('drain', settle);
          res.off('close', settle);
          resolve(!res.destroyed);
        };
        res.once('drain', settle);
        res.once('close', settle);
      });
    try {
      await writeContainerLog(log, instance, query, write, abort.signal);
    } finally {
      this.streams.delete(abort);
      res.end();
    }
  }

  /** The recorded run with this pid; a run the node did not record (started before it) reads whole files. */
  private instance(dir: string, container: string, pid: number | undefined): { log: ContainerLog; instance: Instance } {
    const files = containerFiles(dir, container);
    const recorded = this.options.logs.get(files.stdout);
    const instance = pid === undefined ? undefined : recorded?.instance(pid);
    if (recorded && instance) return { log: recorded, instance };
    const log = new ContainerLog(files.stdout, files.stderr);
    log.observe();
    return { log, instance: { pid: pid ?? 0, startedAt: 0, start: { stdout: 0, stderr: 0 }, exited: true } };
  }

  private answer(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(text);
  }

  private fail(res: ServerResponse, error: unknown): void {
    this.options.logger.warn({ error: errorMessage(error) }, 'Failed to answer a kubelet API request');
    if (!res.headersSent) this.answer(res, 500, errorMessage(error));
    else res.destroy();
  }
}

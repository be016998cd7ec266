import type { V1Container, V1Probe } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';

/** Resolves a probe port (number or the name of a containerPort). */
function portOf(port: number | string, container: V1Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`probe port "${port}" names no containerPort`);
  return named.containerPort;
}

/**
 * Runs a probe once against the Pod at `podIP`, as the kubelet does: httpGet succeeds on a 2xx/3xx answer,
 * tcpSocket on a connection, exec on exit code 0 (run locally with the container's env).
 */
export async function runProbe(probe: V1Probe, container: V1Container, podIP: string, env: Record<string, string>): Promise<boolean> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const get = probe.httpGet;
    if ((get.scheme ?? 'HTTP').toUpperCase() !== 'HTTP') throw new Error('only HTTP probes are supported by the node agent');
    const headers = Object.fromEntries((get.httpHeaders ?? []).map((h) => [h.name, h.value]));
    return new Promise((resolve) => {
      const req = request({ host: get.host || podIP, port: portOf(get.port, container), path: get.path ?? '/', headers, timeout: timeoutMs }, (res) => {
        res.resume();
        resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
      req.end();
    });
  }
  if (probe.tcpSocket) {
    const port = portOf(probe.tcpSocket.port, container);
    return new Promise((resolve) => {
      const socket = connect({ host: probe.tcpSocket?.host || podIP, port, timeout: timeoutMs });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('timeout', () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(false));
    });
  }
  if (probe.exec?.command?.length) {
    const [file, ...args] = probe.exec.command as [string, ...string[]];
    return new Promise((resolve) => execFile(file, args, { env, timeout: timeoutMs }, (error) => resolve(error === null)));
  }
  throw new Error('the probe has no handler the node agent supports (httpGet, tcpSocket, exec)');
}

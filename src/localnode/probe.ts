import type { V1Container, V1Probe } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { connect } from 'node:net';

/** One probe attempt: whether it passed, and the kubelet-style output shown in an `Unhealthy` Event. */
export interface ProbeResult {
  ok: boolean;
  output: string;
}

/** Resolves a probe port (number or the name of a containerPort). */
function portOf(port: number | string, container: V1Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`probe port "${port}" names no containerPort`);
  return named.containerPort;
}

/**
 * Runs a probe once against the Pod at `podIP`, as the kubelet does: httpGet passes on a 2xx/3xx answer,
 * tcpSocket on a connection, exec on exit code 0. `execArgv` maps an exec command to what runs it (inside
 * the container's mount namespace); it runs with the container's env. A probe the node cannot run throws.
 */
export async function runProbe(probe: V1Probe, container: V1Container, podIP: string, env: Record<string, string>, execArgv: (command: string[]) => string[] = (c) => c): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.httpGet) {
    const get = probe.httpGet;
    if ((get.scheme ?? 'HTTP').toUpperCase() !== 'HTTP') throw new Error('only HTTP probes are supported by the local node');
    const headers = Object.fromEntries((get.httpHeaders ?? []).map((h) => [h.name, h.value]));
    const host = get.host || podIP;
    const port = portOf(get.port, container);
    const url = `http://${host}:${port}${get.path ?? '/'}`;
    return new Promise((resolve) => {
      const req = request({ host, port, path: get.path ?? '/', headers, timeout: timeoutMs }, (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve(code >= 200 && code < 400 ? { ok: true, output: '' } : { ok: false, output: `HTTP probe failed with statuscode: ${code}` });
      });
      req.on('timeout', () => req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded while awaiting headers)')));
      req.on('error', (error) => resolve({ ok: false, output: `Get "${url}": ${error.message}` }));
      req.end();
    });
  }
  if (probe.tcpSocket) {
    const port = portOf(probe.tcpSocket.port, container);
    const host = probe.tcpSocket.host || podIP;
    return new Promise((resolve) => {
      const socket = connect({ host, port, timeout: timeoutMs });
      socket.once('connect', () => (socket.destroy(), resolve({ ok: true, output: '' })));
      socket.once('timeout', () => (socket.destroy(), resolve({ ok: false, output: `dial tcp ${host}:${port}: i/o timeout` })));
      socket.once('error', (error) => resolve({ ok: false, output: `dial tcp ${host}:${port}: ${error.message}` }));
    });
  }
  if (probe.exec?.command?.length) {
    const [file, ...args] = execArgv(probe.exec.command) as [string, ...string[]];
    return new Promise((resolve) =>
      execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 10 * 1024 }, (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`.trim();
        if (error === null) resolve({ ok: true, output });
        else if (error.killed) resolve({ ok: false, output: `command ${JSON.stringify(probe.exec?.command?.join(' '))} timed out` });
        else resolve({ ok: false, output: output || error.message });
      }),
    );
  }
  throw new Error('the probe has no handler the local node supports (httpGet, tcpSocket, exec)');
}

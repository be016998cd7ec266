/**
 * `kubectl logs` on local pods, through the API server to the local node's kubelet API: a pod's output (stdout
 * and stderr), -f following new lines, --previous after a restart, --tail/--timestamps/--limit-bytes, init
 * containers, the kubelet's messages for a container that cannot have logs; and the kubelet API's own
 * authentication (only the API server's kubelet client certificate).
 */
import { CoreV1Api } from '@kubernetes/client-node';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { onLocalNode } from '../../../src/localnode/index.js';
import { adminKubeConfig, createNamespace, deleteNamespace, eventually, kubectl, kubectlOk, testenv } from '../../harness/kube.js';
import { clients, isReady, podWhere } from '../../harness/workloads.js';

/** Logs each request path as `said <path>` on stdout; `/warn` goes to stderr. */
const TALKER = `
console.log('hello from ' + process.env.HOSTNAME);
console.error('a warning');
require('http').createServer((req, res) => {
  if (req.url === '/warn') console.error('warned'); else console.log('said ' + req.url.slice(1));
  res.end('ok');
}).listen(8080, process.env.POD_IP);`;

/** Counts its runs in a file of its directory: run 1 fails at once, run 2 stays up. */
const RESTARTER = `
const fs = require('fs');
const run = fs.existsSync('runs') ? Number(fs.readFileSync('runs', 'utf8')) + 1 : 1;
fs.writeFileSync('runs', String(run));
console.log('run ' + run);
if (run === 1) { console.error('run 1 fails'); process.exit(3); }
setInterval(() => undefined, 1000);`;

function poke(ip: string, path: string): Promise<void> {
  return new Promise((resolve, reject) => get(`http://${ip}:8080/${path}`, { agent: false }, (res) => res.resume().on('end', resolve)).on('error', reject));
}

describe('kubectl logs on the local node', () => {
  const env = testenv();
  let namespace = '';
  beforeAll(async () => {
    namespace = await createNamespace('logs');
  });
  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  test("kubectl logs shows a pod's output; -f follows new lines; --tail, --timestamps, --limit-bytes", async () => {
    await clients().core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'talker' }, spec: onLocalNode({ terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image: 'node', command: ['node', '-e', TALKER], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }] }) },
    });
    const pod = await podWhere(namespace, 'talker', 'Ready', isReady);
    const ip = pod.status?.podIP ?? '';
    await poke(ip, 'first');
    const logs = await eventually('kubectl logs talker shows the first request', async () => {
      const out = await kubectlOk(['logs', '-n', namespace, 'talker']);
      if (!out.includes('said first')) throw new Error(`logs: ${out}`);
      return out;
    });
    expect(logs.split('\n').sort()).toEqual(['', 'a warning', 'hello from talker', 'said first'].sort());

    // -f: new lines arrive while kubectl waits.
    const follower = spawn(join(env.binDir, 'kubectl'), ['logs', '-f', '-n', namespace, 'talker'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', KUBECONFIG: env.kubeconfigPath } });
    let followed = '';
    follower.stdout.on('data', (chunk: Buffer) => (followed += chunk.toString()));
    const exited = new Promise((resolve) => follower.once('exit', resolve));
    try {
      await eventually('kubectl logs -f printed what was there', async () => (followed.includes('said first') ? true : undefined));
      await poke(ip, 'second');
      await poke(ip, 'warn');
      await eventually('kubectl logs -f printed the new lines', async () => (followed.includes('said second\n') && followed.includes('warned\n') ? true : undefined));
      expect(follower.exitCode).toBeNull();
    } finally {
      follower.kill();
      await exited;
    }

    expect(await kubectlOk(['logs', '-n', namespace, 'talker', '--tail=1'])).toBe('warned\n');
    expect(await kubectlOk(['logs', '-n', namespace, 'talker', '--limit-bytes=5'])).toBe('hello');
    const stamped = (await kubectlOk(['logs', '-n', namespace, 'talker', '--timestamps', '--tail=2'])).trimEnd().split('\n');
    expect(stamped).toHaveLength(2);
    for (const line of stamped) expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z (said second|warned)$/);
    expect(await kubectlOk(['logs', '-n', namespace, 'talker', '--since=1h', '--tail=1'])).toBe('warned\n');
  });

  test('--previous shows the last run after a restart; init containers have logs too', async () => {
    await clients().core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'restarter' },
        spec: onLocalNode({
          terminationGracePeriodSeconds: 2,
          initContainers: [{ name: 'setup', image: 'node', command: ['node', '-e', "console.log('setup done')"] }],
          containers: [{ name: 'main', image: 'node', command: ['node', '-e', RESTARTER] }],
        }),
      },
    });
    await podWhere(namespace, 'restarter', 'restarted once and running', (pod) => {
      const status = pod.status?.containerStatuses?.[0];
      return (status?.restartCount ?? 0) >= 1 && status?.state?.running !== undefined;
    });
    // Running comes before the second run has printed its line.
    await eventually('kubectl logs shows the second run', async () => ((await kubectlOk(['logs', '-n', namespace, 'restarter'])) === 'run 2\n' ? true : undefined));
    const previous = await kubectlOk(['logs', '-n', namespace, 'restarter', '--previous']);
    expect(previous.split('\n').sort()).toEqual(['', 'run 1', 'run 1 fails'].sort());
    expect(await kubectlOk(['logs', '-n', namespace, 'restarter', '-c', 'setup'])).toBe('setup done\n');
    const noPrevious = await kubectl(['logs', '-n', namespace, 'restarter', '-c', 'setup', '--previous']);
    expect(noPrevious.code).not.toBe(0);
    expect(noPrevious.stderr).toContain('previous terminated container "setup" in pod "restarter" not found');
  });

  test('a container that never started: the kubelet says why', async () => {
    await clients().core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'no-image' }, spec: onLocalNode({ containers: [{ name: 'main', image: 'registry.example/not-an-image:1' }] }) },
    });
    await podWhere(namespace, 'no-image', 'ErrImagePull', (pod) => pod.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImagePull');
    const result = await kubectl(['logs', '-n', namespace, 'no-image']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`container "main" in pod "no-image" is waiting to start: image can't be pulled`);
  });

  test('the kubelet API answers only the API server: its client certificate, over TLS the cluster CA signed', async () => {
    const node = await adminKubeConfig().makeApiClient(CoreV1Api).readNode({ name: env.localNode });
    const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
    expect(port).toBeGreaterThan(0);
    const pki = join(env.dir, 'pki');
    const call = (path: string, cert?: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            path,
            ca: readFileSync(env.caFile),
            ...(cert ? { cert: readFileSync(join(pki, `${cert}.crt`)), key: readFileSync(join(pki, `${cert}.key`)) } : {}),
            agent: false,
          },
          (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect(await call(`/containerLogs/${namespace}/no-such-pod/main`, 'apiserver-kubelet-client')).toEqual({ status: 404, body: 'pod "no-such-pod" does not exist' });
    expect(await call(`/containerLogs/${namespace}/no-image/nope`, 'apiserver-kubelet-client')).toEqual({ status: 404, body: 'container "nope" not found in pod "no-image"' });
    expect(await call(`/containerLogs/${namespace}/no-image/main?tailLines=-1`, 'apiserver-kubelet-client')).toEqual({ status: 422, body: '{"message": "Invalid request."}' });
    expect((await call(`/containerLogs/${namespace}/no-image/main`, 'admin')).status).toBe(403);
    expect(await call(`/containerLogs/${namespace}/no-image/main`)).toEqual({ status: 401, body: 'Unauthorized' });
    expect(await call('/healthz', 'apiserver-kubelet-client')).toEqual({ status: 200, body: 'ok' });
  });
});

/**
 * Services on the local node, as kube-proxy and the kubelet give them: a ClusterIP (a loopback address)
 * spreads connections over the Ready pods of its selector and stops sending to a pod that turns unready;
 * no ready pod resets the connection; port changes re-listen; NodePort on 127.0.0.1; the
 * `<SVC>_SERVICE_HOST/_PORT` variables; `<svc>.<ns>.svc` through the service hosts file.
 */
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { onLocalNode } from '../../../src/localnode/index.js';
import { installServiceResolver, uninstallServiceResolver } from '../../../src/net/resolve.js';
import { createNamespace, deleteNamespace, eventually, testenv } from '../../harness/kube.js';
import { clients, isReady, podWhere } from '../../harness/workloads.js';
import { modelPath, prepareModels, sha256Of } from '../../unit/serving/models.js';
import { httpGet } from '../../harness/http.js';

/**
 * A pod that answers every request with its name (HOSTNAME) on POD_IP:8080. Its readiness probe (httpGet
 * /healthz) checks a file in its directory: GET /unready removes it, GET /ready puts it back.
 */
const SERVER = `
const fs = require('fs');
fs.writeFileSync('ready', '');
require('http').createServer((req, res) => {
  if (req.url === '/healthz') { res.statusCode = fs.existsSync('ready') ? 200 : 503; return res.end(); }
  if (req.url === '/unready') fs.rmSync('ready', { force: true });
  if (req.url === '/ready') fs.writeFileSync('ready', '');
  res.end(process.env.HOSTNAME);
}).listen(8080, process.env.POD_IP);`;

function serverPod(name: string, app: string): V1Pod {
  return {
    metadata: { name, labels: { app } },
    spec: onLocalNode({
      terminationGracePeriodSeconds: 2,
      containers: [
        {
          name: 'server',
          image: 'node',
          command: ['node', '-e', SERVER],
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
        },
      ],
    }),
  };
}

/** The error code a GET fails with, or `answered` when it does not fail. */
async function failure(url: string): Promise<string> {
  return httpGet(url).then(
    () => 'answered',
    (error: NodeJS.ErrnoException) => error.code ?? error.message,
  );
}

/** Answers of `count` requests in a row. */
async function answers(url: string, count: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < count; i++) seen.push(await httpGet(url));
  return seen;
}

describe('Services on the local node', () => {
  const env = testenv();
  let namespace = '';
  beforeAll(async () => {
    namespace = await createNamespace('services');
  });
  afterAll(async () => {
    uninstallServiceResolver();
    if (namespace) await deleteNamespace(namespace);
  });

  async function createService(body: V1Service): Promise<V1Service> {
    return clients().core.createNamespacedService({ namespace, body });
  }

  async function readyPods(names: string[]): Promise<V1Pod[]> {
    return Promise.all(names.map((name) => podWhere(namespace, name, 'Ready', isReady)));
  }

  test('a ClusterIP answers from both Ready pods, stops sending to one that turns unready, and resets connections when none is ready', async () => {
    const { core } = clients();
    await Promise.all(['echo-a', 'echo-b'].map((name) => core.createNamespacedPod({ namespace, body: serverPod(name, 'echo') })));
    const service = await createService({ metadata: { name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ name: 'web', port: 80, targetPort: 'http' }] } });
    const clusterIP = service.spec?.clusterIP ?? '';
    expect(clusterIP).toMatch(/^127\.0\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.\d+$/); // inside 127.0.64.0/18
    const [a] = await readyPods(['echo-a', 'echo-b']);
    const url = `http://${clusterIP}/`;

    const both = await eventually('Service echo answered by both pods', async () => {
      const seen = new Set(await answers(url, 6));
      if (seen.size !== 2) throw new Error(`answers so far: ${[...seen].join(', ')}`);
      return seen;
    });
    expect([...both].sort()).toEqual(['echo-a', 'echo-b']);

    // echo-a's readiness probe fails: no new connection goes to it.
    expect(await httpGet(`http://${a?.status?.podIP}:8080/unready`)).toBe('echo-a');
    await podWhere(namespace, 'echo-a', 'not Ready', (pod) => !isReady(pod));
    await eventually('Service echo answered only by echo-b', async () => {
      const seen = await answers(url, 10);
      if (seen.some((name) => name !== 'echo-b')) throw new Error(`answers: ${seen.join(', ')}`);
      return true;
    });

    // echo-b too: no ready endpoint, the connection is refused with a reset (kube-proxy's REJECT).
    const b = await podWhere(namespace, 'echo-b', 'Ready', isReady);
    await httpGet(`http://${b.status?.podIP}:8080/unready`);
    await eventually('Service echo with no ready endpoint resets connections', async () => {
      const code = await failure(url);
      if (code !== 'ECONNRESET') throw new Error(`got ${code}`);
      return true;
    });

    // echo-a is ready again: it alone answers.
    await httpGet(`http://${a?.status?.podIP}:8080/ready`);
    await eventually('Service echo answered by echo-a again', async () => {
      const seen = await answers(url, 4);
      if (seen.some((name) => name !== 'echo-a')) throw new Error(`answers: ${seen.join(', ')}`);
      return true;
    });
  });

  test('a changed port re-listens; NodePort answers on 127.0.0.1; a deleted Service stops listening', async () => {
    const { core } = clients();
    await core.createNamespacedPod({ namespace, body: serverPod('ports-a', 'ports') });
    const service = await createService({ metadata: { name: 'ports' }, spec: { type: 'NodePort', selector: { app: 'ports' }, ports: [{ port: 8081, targetPort: 8080 }] } });
    const clusterIP = service.spec?.clusterIP ?? '';
    const nodePort = service.spec?.ports?.[0]?.nodePort ?? 0;
    await readyPods(['ports-a']);
    await eventually('Service ports answers on its ClusterIP and its NodePort', async () => {
      expect(await httpGet(`http://${clusterIP}:8081/`)).toBe('ports-a');
      expect(await httpGet(`http://127.0.0.1:${nodePort}/`)).toBe('ports-a');
      return true;
    });

    await core.patchNamespacedService({ name: 'ports', namespace, body: [{ op: 'replace', path: '/spec/ports/0/port', value: 8082 }] });
    await eventually('Service ports moved from 8081 to 8082', async () => {
      expect(await httpGet(`http://${clusterIP}:8082/`)).toBe('ports-a');
      expect(await failure(`http://${clusterIP}:8081/`)).toBe('ECONNREFUSED');
      return true;
    });

    await core.deleteNamespacedService({ name: 'ports', namespace });
    await eventually('Service ports no longer listened on', async () => {
      expect(await failure(`http://${clusterIP}:8082/`)).toBe('ECONNREFUSED');
      expect(await failure(`http://127.0.0.1:${nodePort}/`)).toBe('ECONNREFUSED');
      return true;
    });
  });

  /** Runs `script` with node in a Pod of its own to completion and returns its stdout. */
  async function runToCompletion(name: string, script: string, spec: Partial<V1Pod['spec']> = {}, workingDir?: string): Promise<string> {
    const { core } = clients();
    const created = await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name },
        spec: onLocalNode({ restartPolicy: 'Never', ...spec, containers: [{ name: 'main', image: 'node', command: ['node', '--input-type=module', ...(workingDir ? ['--import', 'tsx'] : []), '-e', script], ...(workingDir ? { workingDir } : {}) }] }),
      },
    });
    const pod = await podWhere(namespace, name, 'Succeeded or Failed', (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed');
    const dir = join(env.podsDir, `${namespace}_${name}_${created.metadata?.uid}`);
    const [stdout, stderr] = await Promise.all(['stdout', 'stderr'].map((stream) => readFile(join(dir, `main.${stream}.log`), 'utf8').catch(() => '')));
    if (pod.status?.phase !== 'Succeeded') throw new Error(`pod ${name} failed: ${stderr}`);
    return stdout ?? '';
  }

  test('pods get the Service variables of their namespace (unless enableServiceLinks is false)', async () => {
    const service = await createService({ metadata: { name: 'eta-canary' }, spec: { selector: { app: 'eta' }, ports: [{ name: 'http', port: 8080 }, { name: 'grpc', port: 9000 }] } });
    const ip = service.spec?.clusterIP ?? '';
    const dump = 'console.log(JSON.stringify(process.env))';
    const withLinks = JSON.parse(await runToCompletion('env-links', dump)) as Record<string, string>;
    expect(withLinks).toMatchObject({
      ETA_CANARY_SERVICE_HOST: ip,
      ETA_CANARY_SERVICE_PORT: '8080',
      ETA_CANARY_SERVICE_PORT_HTTP: '8080',
      ETA_CANARY_SERVICE_PORT_GRPC: '9000',
      ETA_CANARY_PORT: `tcp://${ip}:8080`,
      CAIRN_SERVICE_HOSTS: join(env.podsDir, 'service-hosts'),
    });
    expect(withLinks.KUBERNETES_SERVICE_HOST).toBeUndefined();
    const without = JSON.parse(await runToCompletion('env-no-links', dump, { enableServiceLinks: false })) as Record<string, string>;
    expect(Object.keys(without).filter((key) => key !== 'CAIRN_SERVICE_HOSTS' && /_SERVICE_(HOST|PORT)/.test(key))).toEqual([]);
    expect(without.CAIRN_SERVICE_HOSTS).toBe(join(env.podsDir, 'service-hosts'));
  });

  test('<svc>.<ns>.svc resolves through the service hosts file, in this process and in a pod', async () => {
    const { core } = clients();
    await core.createNamespacedPod({ namespace, body: serverPod('named-a', 'named') });
    await createService({ metadata: { name: 'named' }, spec: { selector: { app: 'named' }, ports: [{ port: 8080, targetPort: 'http' }] } });
    await readyPods(['named-a']);
    expect(installServiceResolver({ CAIRN_SERVICE_HOSTS: join(env.podsDir, 'service-hosts') })).toBe(true);
    await eventually(`http://named.${namespace}.svc:8080 answers`, async () => {
      expect(await httpGet(`http://named.${namespace}.svc:8080/`)).toBe('named-a');
      expect(await httpGet(`http://named.${namespace}.svc.cluster.local:8080/`)).toBe('named-a');
      return true;
    });
    const fromPod = await runToCompletion(
      'resolver',
      `const { installServiceResolver } = await import('./src/net/resolve.ts');
if (!installServiceResolver()) throw new Error('CAIRN_SERVICE_HOSTS is not set');
const answer = await fetch('http://named.${namespace}.svc:8080/');
console.log(await answer.text());`,
      {},
      env.root,
    );
    expect(fromPod.trim()).toBe('named-a');
  });

  test('a cairn pod reaches http://<svc>.<ns>.svc: cairn serve loads its model through a Service name', async () => {
    const { core } = clients();
    await prepareModels(); // the ONNX test models are generated, not committed (a no-op once the unit tier ran)
    const model = modelPath('mlp');
    const sha256 = sha256Of('mlp');
    const files = `require('http').createServer((req, res) => require('fs').createReadStream(${JSON.stringify(model)}).on('error', () => res.destroy()).pipe(res)).listen(8080, process.env.POD_IP);`;
    await core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'models', labels: { app: 'models' } }, spec: onLocalNode({ terminationGracePeriodSeconds: 2, containers: [{ name: 'files', image: 'node', command: ['node', '-e', files], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }] }) },
    });
    await createService({ metadata: { name: 'models' }, spec: { selector: { app: 'models' }, ports: [{ port: 8080 }] } });
    await readyPods(['models']);
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'serving' },
        spec: onLocalNode({
          terminationGracePeriodSeconds: 5,
          containers: [
            {
              name: 'serve',
              image: 'ghcr.io/cairn/cairn:dev',
              args: ['serve', '--model-uri', `http://models.${namespace}.svc:8080/mlp.onnx`, '--sha256', sha256, '--name', 'mlp', '--host', '$(POD_IP)', '--port', '8080'],
              readinessProbe: { httpGet: { path: '/v2/health/ready', port: 8080 }, periodSeconds: 1 },
            },
          ],
        }),
      },
    });
    const serving = await podWhere(namespace, 'serving', 'Ready', isReady);
    expect(await httpGet(`http://${serving.status?.podIP}:8080/v2/models/mlp`)).toContain('"name":"mlp"');
  });
});

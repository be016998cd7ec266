/**
 * `cairn dev` as a user runs it: up, `kubectl apply` of a pod serving behind a Service, its answer through the
 * ClusterIP, a cairn.dev kind served, the operator ready; then Ctrl-C, and nothing left behind: no process of
 * the run, no port, no mount, no run directory, no kubeconfig.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isPortClosed, markedProcesses } from '../../src/testenv/index.js';
import { eventually, kubectl, kubectlOk, testenv } from '../harness/kube.js';
import { httpGet } from '../harness/http.js';

const SERVER = `require('http').createServer((req, res) => res.end('hello from ' + process.env.HOSTNAME)).listen(8080, process.env.POD_IP);`;

const MANIFEST = `
apiVersion: v1
kind: Pod
metadata: {name: hello, labels: {app: hello}}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: server
    image: node:20
    command: [node, -e, ${JSON.stringify(SERVER)}]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe: {tcpSocket: {port: http}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: hello}
spec:
  selector: {app: hello}
  ports: [{port: 80, targetPort: http}]
`;

/** The first group of `pattern` in a line of `lines`. */
function captured(lines: string[], pattern: RegExp): string {
  for (const line of lines) {
    const match = pattern.exec(line);
    if (match?.[1]) return match[1];
  }
  throw new Error(`no output line matches ${pattern}:\n${lines.join('\n')}`);
}

describe('cairn dev', () => {
  const env = testenv();
  let scratch = '';
  let child: ChildProcess | undefined;
  const out: string[] = [];
  let stderr = '';

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'cairn-dev-test-'));
  });
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL'); // the run's watchdog then ends its processes
    await rm(scratch, { recursive: true, force: true });
  });

  // Its own bound beside the tier's 180 s: the first `cairn dev` of a checkout compiles src/ to dist/ (src/dev/compiled.ts),
  // about a minute of CPU, longer on a loaded machine.
  test('up, kubectl apply of a pod behind a Service answers through its ClusterIP; Ctrl-C leaves nothing behind', { timeout: 600_000 }, async () => {
    const stateDir = join(scratch, 'state');
    const kubeconfig = join(scratch, 'kubeconfig');
    child = spawn(process.execPath, [join(env.root, 'bin', 'cairn.js'), 'dev', '--kubeconfig-out', kubeconfig, '--state-dir', stateDir], {
      cwd: scratch,
      env: { ...process.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child!.stdout! });
      lines.on('line', (line) => {
        out.push(line);
        // The last of the two lines to paste: both have arrived (they may come in two reads of the pipe).
        if (line.startsWith('export PATH=')) resolve();
      });
      void exited.then((code) => reject(new Error(`cairn dev exited ${code} before it was ready:\n${out.join('\n')}\n${stderr}`)));
    });

    // Everything it started, read from what it printed and from its state folder
    const runs = readdirSync(stateDir).filter((name) => name.startsWith('run-'));
    expect(runs).toHaveLength(1);
    const runDir = join(stateDir, runs[0]!);
    const apiPort = Number(/server: https:\/\/127\.0\.0\.1:(\d+)/.exec(readFileSync(kubeconfig, 'utf8'))?.[1]);
    const s3Port = Number(captured(out, /S3 at http:\/\/127\.0\.0\.1:(\d+)/));
    const operatorPort = Number(captured(out, /Started cairn operator at http:\/\/127\.0\.0\.1:(\d+)/));
    expect(apiPort).toBeGreaterThan(0);
    expect(out).toContain(`export KUBECONFIG=${kubeconfig}`);
    expect(out).toContain(`export PATH=${env.binDir}:$PATH   # kubectl and helm of the same version as the control plane`);
    expect((await markedProcesses(runDir)).length).toBeGreaterThanOrEqual(6); // etcd, apiserver, kcm, scheduler, kwok, s3, operator

    // kubectl as on a cluster: the CRDs are there, and a plain Pod runs on the local node behind a Service
    expect(await kubectlOk(['get', 'datasets.cairn.dev', '-A'], { kubeconfig })).toBeDefined();
    await kubectlOk(['apply', '-f', '-'], { kubeconfig, input: MANIFEST });
    const clusterIp = (await kubectlOk(['get', 'service', 'hello', '-o', 'jsonpath={.spec.clusterIP}'], { kubeconfig })).trim();
    // inside cairn dev's own 127.0.192.0/18, apart from the test environment's 127.0.64.0/18
    expect(clusterIp).toMatch(/^127\.0\.(19[2-9]|2[0-4]\d|25[0-5])\.\d+$/);
    const answer = await eventually(`http://${clusterIp}/ answered by pod hello`, () => httpGet(`http://${clusterIp}/`), { timeoutMs: 90_000 });
    expect(answer).toBe('hello from hello');
    const pod = await kubectlOk(['get', 'pod', 'hello', '-o', 'jsonpath={.spec.nodeName} {.status.podIP}'], { kubeconfig });
    expect(pod.trim()).toMatch(/^cairn-local 127\.0\.2\.\d+$/);
    const logs = await kubectl(['logs', 'hello'], { kubeconfig });
    expect(logs.code).toBe(0);
    // the example trainer's image runs in its pinned Python environment, as its image would
    const trainer = `apiVersion: v1
kind: Pod
metadata: {name: trainer}
spec:
  restartPolicy: Never
  containers:
  - {name: main, image: cairn-example-trainer:latest, command: [python3, -c, "import sklearn, skl2onnx; print('sklearn', sklearn.__version__)"]}
`;
    await kubectlOk(['apply', '-f', '-'], { kubeconfig, input: trainer });
    const phase = await eventually('pod trainer Succeeded', async () => {
      const p = (await kubectlOk(['get', 'pod', 'trainer', '-o', 'jsonpath={.status.phase}'], { kubeconfig })).trim();
      if (p !== 'Succeeded' && p !== 'Failed') throw new Error(`phase ${p}`);
      return p;
    }, { timeoutMs: 60_000 });
    expect(phase).toBe('Succeeded');
    expect(await kubectlOk(['logs', 'trainer'], { kubeconfig })).toMatch(/^sklearn \d+\.\d+/);

    // Ctrl-C
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out.at(-1)).toMatch(/Stopped; nothing left running/);
    expect(await markedProcesses(runDir)).toEqual([]);
    for (const port of [apiPort, s3Port, operatorPort]) expect(await isPortClosed(port), `port ${port} closed`).toBe(true);
    await expect(httpGet(`http://${clusterIp}/`)).rejects.toThrow();
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(stateDir);
    expect(existsSync(runDir)).toBe(false);
    expect(existsSync(stateDir) ? readdirSync(stateDir).filter((name) => name.startsWith('run-')) : []).toEqual([]);
    expect(existsSync(kubeconfig)).toBe(false);
  });
});

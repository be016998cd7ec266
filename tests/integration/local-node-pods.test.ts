/**
 * Long-running pods on the local node: readiness from probes, one loopback pod IP per pod (two pods serve the
 * same containerPort), graceful deletion that ends the process, and the pod's ServiceAccount identity.
 */
import { AppsV1Api } from '@kubernetes/client-node';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { httpStatus, isPortClosed } from '../../src/testenv/index.js';
import { adminKubeConfig, createNamespace, deleteNamespace, eventually, kubectlOk, testenv } from '../harness/kube.js';
import { onLocalNode, POD_NICE } from '../../src/localnode/index.js';
import { clients, FIXTURE_TRAINER_IMAGE, isReady, localPid, podsWithLabel, podWhere, processAlive } from '../harness/workloads.js';

describe('pods on the local node', () => {
  const env = testenv();
  let namespace = '';
  beforeAll(async () => {
    namespace = await createNamespace('local-pods');
  });
  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  test('a Deployment becomes Ready through its httpGet probe; each pod serves the same port on its own pod IP', async () => {
    const apps = adminKubeConfig().makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'server' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'server' } },
          template: {
            metadata: { labels: { app: 'server' } },
            spec: onLocalNode({
              terminationGracePeriodSeconds: 5,
              containers: [
                {
                  name: 'trainer',
                  image: FIXTURE_TRAINER_IMAGE,
                  args: ['--serve', '8080'],
                  ports: [{ name: 'http', containerPort: 8080 }],
                  readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 },
                },
              ],
            }),
          },
        },
      },
    });
    await eventually('Deployment server with 2 ready replicas', async () => ((await apps.readNamespacedDeployment({ name: 'server', namespace })).status?.readyReplicas === 2 ? true : undefined));
    const pods = await podsWithLabel(namespace, 'app=server');
    expect(pods).toHaveLength(2);
    const ips = pods.map((p) => p.status?.podIP ?? '');
    expect(new Set(ips).size).toBe(2);
    for (const pod of pods) {
      expect(pod.spec?.nodeName).toBe(env.localNode);
      expect(isReady(pod)).toBe(true);
      const ip = pod.status?.podIP ?? '';
      const answer = await httpStatus(`http://${ip}:8080/hello`);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ pod_ip: ip, path: '/hello' });
    }

    const pids = pods.map((p) => localPid(p));
    await apps.deleteNamespacedDeployment({ name: 'server', namespace, propagationPolicy: 'Foreground' });
    await eventually('pods of Deployment server gone after its foreground deletion', async () => ((await podsWithLabel(namespace, 'app=server')).length === 0 ? true : undefined));
    for (const pid of pids) expect(await processAlive(pid)).toBe(false);
    for (const ip of ips) expect(await isPortClosed(8080, ip)).toBe(true);
  });

  test('readiness follows an exec probe both ways', async () => {
    const flag = join(env.dir, `ready-${namespace}`);
    const { core } = clients();
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'probed' },
        spec: onLocalNode({
          containers: [
            {
              name: 'trainer',
              image: FIXTURE_TRAINER_IMAGE,
              args: ['--sleep', '3600'],
              readinessProbe: { exec: { command: ['test', '-f', flag] }, periodSeconds: 1, failureThreshold: 1 },
            },
          ],
        }),
      },
    });
    const running = await podWhere(namespace, 'probed', 'with its container running', (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);
    // The probe cannot succeed while the file is missing, whenever it ran.
    expect(existsSync(flag)).toBe(false);
    expect(isReady(running)).toBe(false);
    writeFileSync(flag, '');
    await podWhere(namespace, 'probed', 'Ready once the probe passes', isReady);
    rmSync(flag);
    const unready = await podWhere(namespace, 'probed', 'not Ready once the probe fails', (p) => !isReady(p));
    expect(unready.status?.phase).toBe('Running');
    expect(unready.status?.containerStatuses?.[0]?.ready).toBe(false);
  });

  test("a pod runs below the control plane's CPU priority; deleting it sends SIGTERM to its process and the agent finalizes the deletion", async () => {
    const { core } = clients();
    await core.createNamespacedPod({
      namespace,
      body: { metadata: { name: 'sleeper' }, spec: onLocalNode({ terminationGracePeriodSeconds: 30, containers: [{ name: 'trainer', image: FIXTURE_TRAINER_IMAGE, args: ['--serve', '9090'] }] }) },
    });
    const pod = await podWhere(namespace, 'sleeper', 'Running and Ready', (p) => p.status?.phase === 'Running' && isReady(p));
    const pid = localPid(pod);
    expect(await processAlive(pid)).toBe(true);
    // Every thread of the process has the node's pod nice value (Linux keeps one per thread).
    // /proc/PID/task/TID/stat: the 19th field, counted from the state after the command's closing parenthesis.
    const niceOf = (tid: string): number => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    const niceValues = readdirSync(`/proc/${pid}/task`).map(niceOf);
    expect(niceValues.length).toBeGreaterThan(0);
    expect(new Set(niceValues)).toEqual(new Set([POD_NICE]));
    // With autogroup scheduling the CPU is shared between sessions first: the pod's session has the nice value too.
    expect(existsSync('/proc/self/autogroup'), 'this kernel has no autogroup scheduling: the pod priority check cannot run').toBe(true);
    expect(readFileSync(`/proc/${pid}/autogroup`, 'utf8')).toMatch(new RegExp(`nice ${POD_NICE}\\s*$`));
    await core.deleteNamespacedPod({ name: 'sleeper', namespace });
    // The fixture exits 0 on SIGTERM; a SIGKILL after the 30 s grace would leave the pod around much longer.
    await eventually('Pod sleeper deleted', async () => {
      try {
        await core.readNamespacedPod({ name: 'sleeper', namespace });
        return undefined;
      } catch {
        return true;
      }
    });
    expect(await processAlive(pid)).toBe(false);
    expect(await isPortClosed(9090, pod.status?.podIP)).toBe(true);
  });

  test("a pod's process authenticates as the pod's ServiceAccount", async () => {
    const { core } = clients();
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'trainer' } } });
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'identity' },
        spec: onLocalNode({ serviceAccountName: 'trainer', containers: [{ name: 'trainer', image: FIXTURE_TRAINER_IMAGE, args: ['--sleep', '3600'] }] }),
      },
    });
    const pod = await podWhere(namespace, 'identity', 'Running', (p) => p.status?.phase === 'Running');
    const kubeconfig = join(env.podsDir, `${namespace}_identity_${pod.metadata?.uid}`, 'kubeconfig');
    const whoami = await kubectlOk(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { kubeconfig });
    expect(whoami).toBe(`system:serviceaccount:${namespace}:trainer`);
  });
});

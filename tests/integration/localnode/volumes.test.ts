/**
 * Volumes on the local node, as a program in a cluster sees them: ConfigMap (items, modes), Secret, emptyDir
 * shared by two containers and a claim of the default StorageClass, mounted in each container's private mount
 * namespace; readOnly refusing writes; a claim's files outliving the pod; a missing ConfigMap holding the pod
 * with a FailedMount Event until it appears; the projected ServiceAccount token; nothing left afterwards.
 */
import { RbacAuthorizationV1Api, type CoreV1Event, type V1Pod, type V1Volume } from '@kubernetes/client-node';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { canMakeMountNamespaces, onLocalNode } from '../../../src/localnode/index.js';
import { adminKubeConfig, createNamespace, deleteNamespace, eventually, testenv } from '../../harness/kube.js';
import { clients, podWhere } from '../../harness/workloads.js';

const PYTHON = 'python:3.12';

/** The pod's directory on the node (logs, volumes). */
function podDir(pod: V1Pod): string {
  return join(testenv().podsDir, `${pod.metadata?.namespace}_${pod.metadata?.name}_${pod.metadata?.uid}`);
}

function log(pod: V1Pod, container: string, stream: 'stdout' | 'stderr' = 'stdout'): string {
  return readFileSync(join(podDir(pod), `${container}.${stream}.log`), 'utf8');
}

const terminated = (pod: V1Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

/** Every mount of every process on the machine (a private namespace's mounts included) mentioning `text`. */
function mountsMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    for (const line of info.split('\n')) if (line.includes(text)) found.push(`${pid}: ${line}`);
  }
  return found;
}

describe('volumes on the local node', () => {
  let namespace = '';
  /** A mount root that does not exist on the machine: the node must create it and remove it afterwards. */
  let root = '';
  /** Cluster-scoped objects this file made (static PersistentVolumes), deleted at the end. */
  const created: string[] = [];
  beforeAll(async () => {
    // The node (same machine, same user as this worker) mounts volumes only as root with util-linux: say so.
    const mounts = await canMakeMountNamespaces();
    if (!mounts.ok) throw new Error(`volumes on the local node need root and util-linux (unshare, nsenter, mount): ${mounts.reason}`);
    namespace = await createNamespace('local-volumes');
    root = `/cairn-it-${namespace}`;
  });
  afterAll(async () => {
    for (const name of created) await clients().core.deletePersistentVolume({ name }).catch(() => undefined);
    if (namespace) await deleteNamespace(namespace);
  });

  test('configMap (items, modes), secret, a shared emptyDir and a claim read and write as in a cluster; the claim outlives the pod', async () => {
    const { core } = clients();
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'app' }, data: { 'app.conf': 'threshold=0.8\n', 'other.txt': 'not projected' } } });
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'creds' }, stringData: { password: 's3cret' } } });
    await core.createNamespacedPersistentVolumeClaim({ namespace, body: { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } });
    const check = [
      'import json, os, stat, time',
      `r = "${root}"`,
      'def mode(p): return oct(stat.S_IMODE(os.stat(p).st_mode))',
      'out = {',
      '  "conf": open(r + "/config/conf/app.conf").read(),',
      '  "confMode": mode(r + "/config/conf/app.conf"),',
      '  "configEntries": sorted(e for e in os.listdir(r + "/config") if not e.startswith("..")),',
      '  "password": open(r + "/secret/password").read(),',
      '  "secretMode": mode(r + "/secret/password"),',
      '}',
      'open(r + "/shared/from-main", "w").write("main")',
      'while not os.path.exists(r + "/shared/from-helper"): time.sleep(0.1)',
      'out["fromHelper"] = open(r + "/shared/from-helper").read()',
      'open(r + "/data/kept.txt", "w").write("written by the first pod")',
      'try:',
      '  open(r + "/config/new", "w")',
      '  out["configWrite"] = "allowed"',
      'except OSError as e:',
      '  out["configWrite"] = os.strerror(e.errno)',
      'print(json.dumps(out))',
    ].join('\n');
    const helper = [`import os, time`, `r = "${root}"`, 'open(r + "/shared/from-helper", "w").write("helper")', 'while not os.path.exists(r + "/shared/from-main"): time.sleep(0.1)'].join('\n');
    const mounts = [
      { name: 'config', mountPath: `${root}/config` },
      { name: 'secret', mountPath: `${root}/secret` },
      { name: 'shared', mountPath: `${root}/shared` },
      { name: 'data', mountPath: `${root}/data` },
    ];
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'writer' },
        spec: onLocalNode({
          restartPolicy: 'Never',
          volumes: [
            { name: 'config', configMap: { name: 'app', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }] } },
            { name: 'secret', secret: { secretName: 'creds', defaultMode: 0o400 } },
            { name: 'shared', emptyDir: {} },
            { name: 'data', persistentVolumeClaim: { claimName: 'data' } },
          ],
          containers: [
            { name: 'main', image: PYTHON, command: ['python3', '-c', check], volumeMounts: mounts },
            { name: 'helper', image: PYTHON, command: ['python3', '-c', helper], volumeMounts: [{ name: 'shared', mountPath: `${root}/shared` }] },
          ],
        }),
      },
    });
    const writer = await podWhere(namespace, 'writer', 'finished', terminated);
    expect(writer.status?.phase, log(writer, 'main', 'stderr')).toBe('Succeeded');
    expect(JSON.parse(log(writer, 'main')), log(writer, 'main')).toEqual({
      conf: 'threshold=0.8\n',
      confMode: '0o600',
      configEntries: ['conf'],
      password: 's3cret',
      secretMode: '0o400',
      fromHelper: 'helper',
      configWrite: 'Read-only file system',
    });
    // The mounts lived in the containers' namespaces only: the machine never saw them.
    expect(existsSync(`${root}/shared/from-main`)).toBe(false);

    const claim = await core.readNamespacedPersistentVolumeClaim({ name: 'data', namespace });
    expect(claim.status?.phase).toBe('Bound');
    expect(claim.spec?.storageClassName).toBe('cairn-local');
    const pv = await core.readPersistentVolume({ name: claim.spec?.volumeName ?? '' });
    expect(pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by']).toBe('cairn.dev/local-node');

    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'reader' },
        spec: onLocalNode({
          restartPolicy: 'Never',
          volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
          containers: [{ name: 'main', image: PYTHON, command: ['python3', '-c', `print(open("${root}/data/kept.txt").read())`], volumeMounts: [{ name: 'data', mountPath: `${root}/data`, readOnly: true }] }],
        }),
      },
    });
    const reader = await podWhere(namespace, 'reader', 'finished', terminated);
    expect(reader.status?.phase, log(reader, 'main', 'stderr')).toBe('Succeeded');
    expect(log(reader, 'main').trim()).toBe('written by the first pod');
  });

  test('a readOnly mount refuses a write with EROFS; subPath mounts one file or folder of a volume', async () => {
    const { core } = clients();
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'single' }, data: { 'settings.json': '{"a":1}' } } });
    const script = [
      `r = "${root}"`,
      'print(open(r + "/settings.json").read())',
      'open(r + "/work/file", "w").write("ok")',
      'print(open(r + "/locked/rw/file").read())',
      'open(r + "/locked/file", "w").write("must fail")',
    ].join('\n');
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'readonly' },
        spec: onLocalNode({
          restartPolicy: 'Never',
          volumes: [
            { name: 'scratch', emptyDir: {} },
            { name: 'single', configMap: { name: 'single' } },
          ],
          containers: [
            {
              name: 'main',
              image: PYTHON,
              command: ['python3', '-c', script],
              volumeMounts: [
                { name: 'scratch', mountPath: `${root}/work`, subPath: 'rw' },
                { name: 'scratch', mountPath: `${root}/locked`, readOnly: true },
                { name: 'single', mountPath: `${root}/settings.json`, subPath: 'settings.json' },
              ],
            },
          ],
        }),
      },
    });
    const pod = await podWhere(namespace, 'readonly', 'finished', terminated);
    expect(pod.status?.phase).toBe('Failed');
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(1);
    // The subPath folder was created inside the volume: the write through it shows in the whole volume.
    expect(log(pod, 'main')).toBe('{"a":1}\nok\n');
    expect(log(pod, 'main', 'stderr')).toContain('Read-only file system');
  });

  test('a missing ConfigMap holds the pod in ContainerCreating with a FailedMount Event; it starts once the ConfigMap exists', async () => {
    const { core } = clients();
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'waits' },
        spec: onLocalNode({
          restartPolicy: 'Never',
          volumes: [{ name: 'late', configMap: { name: 'late' } }],
          containers: [{ name: 'main', image: PYTHON, command: ['python3', '-c', `print(open("${root}/late/key").read())`], volumeMounts: [{ name: 'late', mountPath: `${root}/late` }] }],
        }),
      },
    });
    const event = await eventually('FailedMount Event for pod waits', async () => {
      const events = await core.listNamespacedEvent({ namespace, fieldSelector: 'involvedObject.name=waits' });
      const found = events.items.find((e: CoreV1Event) => e.reason === 'FailedMount');
      if (!found) throw new Error(`events: ${events.items.map((e) => e.reason).join(', ')}`);
      return found;
    });
    expect(event.type).toBe('Warning');
    expect(event.message).toBe('MountVolume.SetUp failed for volume "late" : configmap "late" not found');
    expect(event.reportingComponent).toBe('cairn.dev/local-node');
    const waiting = await core.readNamespacedPod({ name: 'waits', namespace });
    expect(waiting.status?.phase).toBe('Pending');
    expect(waiting.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');

    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'late' }, data: { key: 'arrived' } } });
    const pod = await podWhere(namespace, 'waits', 'finished', terminated);
    expect(pod.status?.phase).toBe('Succeeded');
    expect(log(pod, 'main').trim()).toBe('arrived');
  });

  test('a ConfigMap update reaches a running pod through the ..data swap', async () => {
    const { core } = clients();
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'live' }, data: { level: 'one' } } });
    const script = [`import time`, `p = "${root}/live/level"`, 'print(open(p).read(), flush=True)', 'while open(p).read() != "two": time.sleep(0.2)', 'print(open(p).read(), flush=True)'].join('\n');
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'live' },
        spec: onLocalNode({
          restartPolicy: 'Never',
          volumes: [{ name: 'live', configMap: { name: 'live' } }],
          containers: [{ name: 'main', image: PYTHON, command: ['python3', '-c', script], volumeMounts: [{ name: 'live', mountPath: `${root}/live` }] }],
        }),
      },
    });
    await podWhere(namespace, 'live', 'running', (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);
    await core.replaceNamespacedConfigMap({ name: 'live', namespace, body: { metadata: { name: 'live' }, data: { level: 'two' } } });
    const pod = await podWhere(namespace, 'live', 'finished after seeing the update', terminated);
    expect(pod.status?.phase).toBe('Succeeded');
    expect(log(pod, 'main')).toBe('one\ntwo\n');
  });

  test("the projected ServiceAccount token lets the pod's program call the API server as the pod's ServiceAccount", async () => {
    const { core } = clients();
    const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace, body: { metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] } });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: { metadata: { name: 'pod-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace }] },
    });
    // A client as in-cluster config builds it, from the three files only (the API server's address is given).
    const script = [
      'import json, ssl, urllib.request, os',
      'd = "/var/run/secrets/kubernetes.io/serviceaccount"',
      'token = open(d + "/token").read()',
      'ns = open(d + "/namespace").read()',
      'ctx = ssl.create_default_context(cafile=d + "/ca.crt")',
      'req = urllib.request.Request(os.environ["API_SERVER"] + "/api/v1/namespaces/" + ns + "/pods/" + os.environ["HOSTNAME"], headers={"Authorization": "Bearer " + token})',
      'with urllib.request.urlopen(req, context=ctx) as res:',
      '  print(json.dumps({"status": res.status, "name": json.load(res)["metadata"]["name"], "ns": ns}))',
    ].join('\n');
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'token' },
        spec: onLocalNode({ restartPolicy: 'Never', containers: [{ name: 'main', image: PYTHON, command: ['python3', '-c', script], env: [{ name: 'API_SERVER', value: testenv().server }] }] }),
      },
    });
    const pod = await podWhere(namespace, 'token', 'finished', terminated);
    expect(pod.spec?.volumes?.some((v) => v.name.startsWith('kube-api-access-'))).toBe(true);
    expect(pod.status?.phase, log(pod, 'main', 'stderr')).toBe('Succeeded');
    expect(JSON.parse(log(pod, 'main'))).toEqual({ status: 200, name: 'token', ns: namespace });
  });

  test('static PersistentVolumes (hostPath and local) bind to their claims; a downwardAPI volume shows the pod', async () => {
    const { core } = clients();
    const dirs = { host: join(testenv().dir, `static-host-${namespace}`), local: join(testenv().dir, `static-local-${namespace}`) };
    for (const [kind, dir] of Object.entries(dirs)) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'seed.txt'), `from the ${kind} PV`);
    }
    const pvs = [`${namespace}-host`, `${namespace}-local`];
    created.push(...pvs);
    const common = { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', persistentVolumeReclaimPolicy: 'Retain' };
    await core.createPersistentVolume({ body: { metadata: { name: pvs[0] }, spec: { ...common, hostPath: { path: dirs.host, type: 'Directory' }, claimRef: { namespace, name: 'host' } } } });
    await core.createPersistentVolume({
      body: {
        metadata: { name: pvs[1] },
        spec: {
          ...common,
          local: { path: dirs.local },
          claimRef: { namespace, name: 'local' },
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [testenv().localNode] }] }] } },
        },
      },
    });
    for (const name of ['host', 'local']) {
      await core.createNamespacedPersistentVolumeClaim({ namespace, body: { metadata: { name }, spec: { storageClassName: 'manual', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } });
    }
    const script = [
      `r = "${root}/static"`,
      'import json',
      'print(json.dumps({k: open(f"{r}/{k}").read() for k in ("host/seed.txt", "local/seed.txt", "info/name", "info/labels", "info/team")}))',
      'open(f"{r}/local/written.txt", "w").write("by the pod")',
    ].join('\n');
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'static', labels: { team: 'ml', app: 'eta' } },
        spec: onLocalNode({
          restartPolicy: 'Never',
          volumes: [
            { name: 'host', persistentVolumeClaim: { claimName: 'host' } },
            { name: 'local', persistentVolumeClaim: { claimName: 'local' } },
            {
              name: 'info',
              downwardAPI: {
                items: [
                  { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
                  { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                  { path: 'team', fieldRef: { fieldPath: "metadata.labels['team']" } },
                ],
              },
            },
          ],
          containers: [
            {
              name: 'main',
              image: PYTHON,
              command: ['python3', '-c', script],
              volumeMounts: [
                { name: 'host', mountPath: `${root}/static/host`, readOnly: true },
                { name: 'local', mountPath: `${root}/static/local` },
                { name: 'info', mountPath: `${root}/static/info` },
              ],
            },
          ],
        }),
      },
    });
    const pod = await podWhere(namespace, 'static', 'finished', terminated);
    expect(pod.status?.phase, log(pod, 'main', 'stderr')).toBe('Succeeded');
    expect(JSON.parse(log(pod, 'main'))).toEqual({
      'host/seed.txt': 'from the host PV',
      'local/seed.txt': 'from the local PV',
      'info/name': 'static',
      'info/labels': 'app="eta"\nteam="ml"',
      'info/team': 'ml',
    });
    expect(readFileSync(join(dirs.local, 'written.txt'), 'utf8')).toBe('by the pod');
  });

  test('an unsupported volume type and a missing claim are FailedMount Events, and the node carries on', async () => {
    const { core } = clients();
    // Bound to the node directly: the scheduler would keep a pod with a missing claim unschedulable.
    const direct = (name: string, volume: V1Volume) => ({
      metadata: { name },
      spec: { nodeName: testenv().localNode, restartPolicy: 'Never', volumes: [volume], containers: [{ name: 'main', image: PYTHON, command: ['python3', '-c', 'print(1)'], volumeMounts: [{ name: volume.name, mountPath: `${root}/bad` }] }] },
    });
    await core.createNamespacedPod({ namespace, body: direct('nfs', { name: 'share', nfs: { server: 'nfs.example', path: '/exports' } }) });
    await core.createNamespacedPod({ namespace, body: direct('no-claim', { name: 'data', persistentVolumeClaim: { claimName: 'missing' } }) });
    const messages = await eventually('FailedMount Events of pods nfs and no-claim', async () => {
      const events = (await core.listNamespacedEvent({ namespace })).items.filter((e) => e.reason === 'FailedMount');
      const of = (pod: string): string | undefined => events.find((e) => e.involvedObject.name === pod)?.message;
      if (!of('nfs') || !of('no-claim')) throw new Error(`FailedMount events: ${events.map((e) => e.involvedObject.name).join(', ')}`);
      return { nfs: of('nfs'), claim: of('no-claim') };
    });
    expect(messages).toEqual({
      nfs: 'MountVolume.SetUp failed for volume "share" : the local node does not support nfs volumes (it supports emptyDir, configMap, secret, downwardAPI, projected, persistentVolumeClaim, hostPath)',
      claim: 'MountVolume.SetUp failed for volume "data" : persistentvolumeclaim "missing" not found',
    });
    for (const name of ['nfs', 'no-claim']) {
      const pod = await core.readNamespacedPod({ name, namespace });
      expect(pod.status?.phase).toBe('Pending');
      expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('ContainerCreating');
    }
  });

  test('nothing is left once the pods are deleted: no mount anywhere, no created mountpoint, no pod directory', async () => {
    const { core } = clients();
    const pods = (await core.listNamespacedPod({ namespace })).items;
    expect(pods.length).toBeGreaterThan(0);
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'running' },
        spec: onLocalNode({
          volumes: [{ name: 'scratch', emptyDir: {} }],
          containers: [{ name: 'main', image: PYTHON, command: ['python3', '-c', 'import time; time.sleep(3600)'], volumeMounts: [{ name: 'scratch', mountPath: `${root}/deep/scratch` }] }],
        }),
      },
    });
    const running = await podWhere(namespace, 'running', 'running', (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);
    const dirs = [...pods, running].map(podDir);
    // While it runs, its mounts exist in its process's namespace only.
    expect(mountsMentioning(`${root}/deep/scratch`).length).toBeGreaterThan(0);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(root);
    for (const pod of [...pods, running]) await core.deleteNamespacedPod({ name: pod.metadata?.name ?? '', namespace, gracePeriodSeconds: 1 });
    await eventually('pods deleted', async () => ((await core.listNamespacedPod({ namespace })).items.length === 0 ? true : undefined));
    expect(dirs.filter((d) => existsSync(d))).toEqual([]);
    expect(dirs.flatMap((d) => mountsMentioning(d))).toEqual([]);
    expect(mountsMentioning(root)).toEqual([]);
    expect(existsSync(root)).toBe(false);
  });
});

/**
 * The operator as the chart installs it: `helm install` puts its Deployment, ServiceAccount and RBAC into the real
 * control plane, and the local node runs the operator pod as a process of this checkout's `cairn` (the image's
 * name maps to it), authenticated with a token of the chart's ServiceAccount, exactly as in a cluster. Every one of
 * the six controllers then does its work through that identity: an informer without list/watch keeps the pod
 * unready, a write without its verb fails the kind's step below, and the test reads the pod's log for "forbidden".
 *
 * Namespaced mode (watchNamespaces: the test's namespace) so that the operator sees only this test's objects while
 * other test files run beside it; one replica (leader election on: it must take the Lease) to spare the 2 shared
 * cores. CRDs are installed by installCrds, not by helm (--skip-crds): other files apply the same CRDs at once.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDirs } from '../../../src/cli/render.js';
import { cairnResource } from '../../../src/controllers/resources.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { httpRequest } from '../../harness/http.js';
import { createNamespace, deleteNamespace, eventually, kubectlOk } from '../../harness/kube.js';
import { ensureModels } from '../../unit/serving/models.js';
import { createStorageSecret, csvData, putObject, stubTrainerScript, trialLogDir } from '../experiment/support.js';
import { condition, createDeployment, deploymentWhere, exampleModel, registerModel } from '../deployment/support.js';
import { kube } from '../dataset/support.js';
import { installCrds } from '../gitsource/support.js';
import { chartDir, helmOk, setFlags } from './support.js';

const run = promisify(execFile);

type Status = { observedGeneration?: number; phase?: string; conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
type Cairn = KubeObject & { status?: Status };

/** Waits until `kind/name` has status for its generation and `check` holds; a timeout says where it stood. */
function cairnWhere(kind: string, namespace: string, name: string, what: string, check: (o: Cairn) => boolean, timeoutMs = 240_000): Promise<Cairn> {
  return eventually(
    `${kind} ${name}: ${what}`,
    async () => {
      const o = await kube.get<Cairn>(cairnResource(kind), name, namespace);
      if (!o || o.status?.observedGeneration !== o.metadata?.generation || !check(o)) throw new Error(`status: ${JSON.stringify(o?.status ?? 'none')}`);
      return o;
    },
    { timeoutMs },
  );
}
const isTrue = (o: Cairn, type: string) => o.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;

/** A Git repository outside /tmp (the operator pod gets its own /tmp), its one commit holding `files`. */
async function gitRepo(files: Record<string, string>): Promise<{ dir: string; url: string }> {
  const dir = mkdtempSync(join('/var/tmp', 'cairn-chart-git-'));
  const git = (...args: string[]) => run('git', args, { cwd: dir, env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
  await git('init', '-q', '-b', 'main');
  for (const [path, content] of Object.entries(files)) writeFileSync(join(dir, path), content);
  await git('add', '-A');
  await git('-c', 'user.email=test@cairn.dev', '-c', 'user.name=Cairn tests', '-c', 'commit.gpgsign=false', 'commit', '-q', '-m', 'ml config');
  return { dir, url: `file://${dir}` };
}

describe('the operator installed by the Helm chart, under the chart RBAC', () => {
  let ns = '';
  let release = '';
  let repoDir = '';
  const trials = trialLogDir();

  beforeAll(async () => {
    ensureModels();
    await installCrds();
    ns = await createNamespace('chart-operator');
    release = 'cairn';
    await createStorageSecret(ns);
  }, 300_000);
  afterAll(async () => {
    if (release) await helmOk(['uninstall', release, '--namespace', ns, '--wait', '--timeout', '60s']).catch(() => undefined);
    if (ns) await deleteNamespace(ns);
    if (repoDir) rmSync(repoDir, { recursive: true, force: true });
    trials.cleanup();
  });

  it('helm install runs the operator; it reconciles all six kinds with the chart ServiceAccount token', { timeout: 900_000 }, async () => {
    await helmOk([
      'install', release, chartDir(), '--namespace', ns, '--skip-crds',
      ...setFlags({ watchNamespaces: [ns], 'operator.replicas': 1, 'operator.allowFileUrls': true, 'operator.podDisruptionBudget.enabled': false }),
      // The local node's pods share the machine's network: each listens on its own 127.0.1.N (status.podIP), not :8080.
      '--set-json', 'operator.extraEnv=[{"name":"POD_IP","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}}]',
      '--set-json', 'operator.extraArgs=["--metrics-addr=$(POD_IP):8080"]',
    ]);
    const operatorPod = await eventually(
      'the chart operator pod Ready (its informers listed and watch with the chart RBAC)',
      async () => {
        const pods = await kube.list<KubeObject & { spec: { serviceAccountName?: string }; status?: { podIP?: string; conditions?: Array<{ type: string; status: string }>; containerStatuses?: unknown[] } }>(builtin.pod, { namespace: ns, labelSelector: 'app.kubernetes.io/component=operator' });
        const pod = pods.items.find((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
        if (!pod) throw new Error(`pods: ${JSON.stringify(pods.items.map((p) => p.status))}`);
        return pod;
      },
      { timeoutMs: 240_000 },
    );
    expect(operatorPod.spec.serviceAccountName).toBe('cairn-operator');
    const lease = await kube.get<KubeObject & { spec?: { holderIdentity?: string } }>({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true }, 'cairn-operator', ns);
    await eventually('the operator pod holds the Lease', async () => {
      const l = await kube.get<KubeObject & { spec?: { holderIdentity?: string } }>({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true }, 'cairn-operator', ns);
      if (!l?.spec?.holderIdentity?.startsWith(operatorPod.metadata?.name ?? '-')) throw new Error(`holder ${l?.spec?.holderIdentity ?? 'none'} (was ${lease?.spec?.holderIdentity ?? 'none'})`);
      return l;
    });

    // GitSource -> Dataset: the operator fetches the repository, applies the Dataset in it, and the Dataset controller
    // profiles it with a Job under a ServiceAccount and Role it creates.
    const data = await putObject(`${ns}/trips.csv`, csvData(40));
    const datasetYaml = `apiVersion: cairn.dev/v1alpha1\nkind: Dataset\nmetadata:\n  name: trips\nspec:\n  source: {uri: "${data.uri}", format: csv, sha256: ${data.sha256}}\n  schema:\n    features: [{name: conv_rate, type: number}, {name: acc_rate, type: number}]\n    target: {name: trip_minutes, type: number}\n`;
    const repo = await gitRepo({ 'dataset.yaml': datasetYaml });
    repoDir = repo.dir;
    await kube.create(cairnResource('GitSource'), { apiVersion: 'cairn.dev/v1alpha1', kind: 'GitSource', metadata: { name: 'ml-config', namespace: ns }, spec: { url: repo.url, ref: { branch: 'main' }, interval: '1m' } } as KubeObject);
    await cairnWhere('GitSource', ns, 'ml-config', 'Ready', (o) => isTrue(o, 'Ready'));
    await cairnWhere('Dataset', ns, 'trips', 'Ready (profiled)', (o) => isTrue(o, 'Ready'));

    // Experiment: a trial Job (the stub trainer), its table ConfigMap, and the best trial registered as a ModelVersion.
    await kube.create(cairnResource('Experiment'), {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'Experiment',
      metadata: { name: 'eta-train', namespace: ns },
      spec: {
        datasetRef: { name: 'trips' },
        trainer: { image: 'python:3.12', command: ['python3', '-c', stubTrainerScript], env: [{ name: 'TRIAL_LOG', value: trials.log('eta-train') }] },
        parameters: { alpha: { values: [1] } },
        objective: { metric: 'rmse', goal: 'minimize' },
        artifacts: { uri: `s3://cairn-test/${ns}/artifacts` },
        register: { model: 'eta', policy: 'best' },
        trialTimeout: '5m',
      },
    } as KubeObject);
    await cairnWhere('Experiment', ns, 'eta-train', 'Succeeded', (o) => o.status?.phase === 'Succeeded');
    await eventually('the Experiment registered ModelVersion eta-1', async () => (await kube.get(cairnResource('ModelVersion'), 'eta-1', ns)) ?? undefined);

    // ModelVersion -> Deployment: a verified model served by pods the operator creates (apps Deployment, Services).
    await registerModel(ns, 'serve', 1, exampleModel());
    await cairnWhere('ModelVersion', ns, 'serve-1', 'Ready (verified)', (o) => isTrue(o, 'Ready'));
    await createDeployment(ns, 'serve', { model: 'serve', version: { policy: 'latestReady' }, serving: { replicas: 1 } });
    await deploymentWhere(ns, 'serve', 'version 1 available', (d) => d.status?.stable?.version === 1 && condition(d, 'Available')?.status === 'True', 300_000);

    // cairn render shows what the operator created: the same renderers, from the same specs, give the same children.
    const previewDir = mkdtempSync(join(tmpdir(), 'cairn-chart-render-'));
    try {
      for (const [kind, name] of [['Dataset', 'trips'], ['ModelVersion', 'serve-1'], ['Deployment', 'serve']] as const) {
        const live = await kube.get<KubeObject & { spec: unknown }>(cairnResource(kind), name, ns);
        writeFileSync(join(previewDir, `${name}.yaml`), JSON.stringify({ apiVersion: live?.apiVersion, kind, metadata: { name }, spec: live?.spec }));
      }
      const preview = await renderDirs({ dirs: [previewDir], namespace: ns, image: 'ghcr.io/cairn-dev/cairn:0.1.0', allowFileUrls: true, output: 'json' });
      expect(preview.stderr).toBe('');
      const previewed = (JSON.parse(preview.stdout) as { sections: Array<{ objects: Array<KubeObject & Record<string, unknown>> }> }).sections.flatMap((s) => s.objects);
      const pick = (kind: string, name?: string) => previewed.find((o) => o.kind === kind && (name === undefined || o.metadata?.name === name))!;
      const role = await kube.get<KubeObject & { rules: unknown }>({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', namespaced: true }, 'trips-profile', ns);
      expect(role?.rules).toEqual(pick('Role', 'trips-profile').rules);
      type PodTemplate = { spec: { template: { spec: { containers: Array<{ name: string; image: string; args?: string[] }>; initContainers?: Array<{ name: string; image: string; args?: string[] }> } } } };
      const containers = (d: PodTemplate | undefined) => [...(d?.spec.template.spec.initContainers ?? []), ...(d?.spec.template.spec.containers ?? [])].map((c) => ({ name: c.name, image: c.image, args: c.args }));
      const servingPreview = pick('Deployment') as unknown as KubeObject & PodTemplate;
      const servingLive = await kube.get<KubeObject & PodTemplate>(builtin.deployment, servingPreview.metadata?.name ?? '', ns);
      expect(containers(servingLive)).toEqual(containers(servingPreview));
    } finally {
      rmSync(previewDir, { recursive: true, force: true });
    }

    // DriftMonitor: the controller reads the serving pods and writes its verdict on the Deployment against the Dataset.
    await kube.create(cairnResource('DriftMonitor'), {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'DriftMonitor',
      metadata: { name: 'serve-drift', namespace: ns },
      spec: { deploymentRef: { name: 'serve' }, baseline: { datasetRef: { name: 'trips' } }, interval: '2s', window: '30m', minSamples: 1000 },
    } as KubeObject);
    const monitor = await cairnWhere('DriftMonitor', ns, 'serve-drift', 'a verdict in status', (o) => (o.status?.conditions?.length ?? 0) > 0);
    expect(monitor.status?.conditions?.map((c) => c.type)).toContain('Ready');

    // Events about every kind went through (an Event the API refuses is only counted, as result "failed").
    // (An Event is recorded a moment after the status it reports: wait for it.)
    await eventually('Events about each of the six kinds', async () => {
      const events = await kube.list<KubeObject & { regarding?: { kind?: string } }>(builtin.event, { namespace: ns });
      const kinds = new Set(events.items.map((e) => e.regarding?.kind));
      const missing = ['GitSource', 'Dataset', 'Experiment', 'ModelVersion', 'Deployment', 'DriftMonitor'].filter((k) => !kinds.has(k));
      if (missing.length > 0) throw new Error(`no Event about ${missing.join(', ')}`);
      return true;
    });
    const metrics = await httpRequest(`http://${operatorPod.status?.podIP}:8080/metrics`, { timeoutMs: 5_000 });
    const failedEvents = metrics.body.split('\n').filter((l) => l.startsWith('cairn_events_total{') && l.includes('result="failed"') && !/ 0$/.test(l));
    expect(failedEvents).toEqual([]);

    // Nothing was refused along the way.
    const log = await kubectlOk(['-n', ns, 'logs', operatorPod.metadata?.name ?? '']);
    expect(log.split('\n').filter((line) => /forbidden/i.test(line))).toEqual([]);
  });
});

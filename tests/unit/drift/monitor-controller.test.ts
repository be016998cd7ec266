/**
 * The DriftMonitor controller's steps over an in-memory API (FakeKube, real informers) and real HTTP: serving
 * pods are small servers on 127.0.0.1 answering /metrics in the format cairn serve writes. Covers what the
 * integration test cannot provoke: a reconcile between two evaluations writes nothing, a pod that does not answer
 * is a Warning Event while the others count, a feature counted on other bins is a Warning Event beside the
 * others' verdicts, a process restart inside a pod, the retrain patch and its field manager, and the gauge.
 * The whole flow with real serving pods: tests/integration/driftmonitor/.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { driftMonitorController, driftMonitorResource } from '../../../src/controllers/driftmonitor/index.js';
import { cairnResource } from '../../../src/controllers/resources.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { controllerDeps } from '../controllers/deps.js';

const profile = {
  dataset: 'drivers',
  version: 'sha256:00',
  rows: 1000,
  features: [
    { name: 'conv_rate', type: 'number', nulls: 0, min: 0, max: 1, mean: 0.5, std: 0.2, bins: { edges: [0, 0.25, 0.5, 0.75, 1], counts: [250, 250, 250, 250] } },
    { name: 'acc_rate', type: 'number', nulls: 0, min: 0, max: 1, mean: 0.5, std: 0.2, bins: { edges: [0, 0.5, 1], counts: [500, 500] } },
  ],
};

/** What a pod's /metrics says: cumulative buckets per feature (acc_rate on other bins than the profile's). */
interface PodState {
  conv: number[];
  acc: number;
  startedAt: number;
}
function exposition(state: PodState): string {
  const cumulative = (counts: number[]) => counts.map((_, i) => counts.slice(0, i + 1).reduce((a, b) => a + b, 0));
  const lines = ['# TYPE cairn_feature_values histogram'];
  ['0.25', '0.5', '0.75', '+Inf'].forEach((le, i) => lines.push(`cairn_feature_values_bucket{le="${le}",model="eta",version="1",feature="conv_rate"} ${cumulative(state.conv)[i]}`));
  lines.push(`cairn_feature_values_bucket{le="0.4",model="eta",version="1",feature="acc_rate"} ${state.acc}`, `cairn_feature_values_bucket{le="+Inf",model="eta",version="1",feature="acc_rate"} ${state.acc * 2}`);
  lines.push(`process_start_time_seconds ${state.startedAt / 1000}`);
  return lines.join('\n') + '\n';
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function podServer(state: () => PodState): Promise<number> {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(req.url === '/metrics' ? exposition(state()) : '');
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** A port nothing listens on any more: a pod whose server went away. */
async function closedPort(): Promise<number> {
  const port = await podServer(() => ({ conv: [], acc: 0, startedAt: 0 }));
  await new Promise((r) => servers.pop()!.close(r));
  return port;
}

type Monitor = KubeObject & { status?: { samples?: number; drifted?: boolean; features?: Array<{ name: string; drifted: boolean }>; conditions?: Array<{ type: string; status: string; reason: string; message: string }> } };

async function setup(options: { profile?: string | null; experiment?: boolean } = {}) {
  const t = controllerDeps();
  const def = driftMonitorController()(t.deps);
  t.informers.start();
  await t.informers.waitForSync();
  const ns = 'ml';
  const create = (res: Parameters<typeof t.kube.create>[0], obj: object) => t.kube.create(res, obj as KubeObject);
  await create(cairnResource('Deployment'), { apiVersion: 'cairn.dev/v1alpha1', kind: 'Deployment', metadata: { name: 'eta', namespace: ns }, spec: { model: 'eta' } });
  await create(cairnResource('Dataset'), { apiVersion: 'cairn.dev/v1alpha1', kind: 'Dataset', metadata: { name: 'drivers', namespace: ns }, spec: {} });
  if (options.experiment !== false) await create(cairnResource('Experiment'), { apiVersion: 'cairn.dev/v1alpha1', kind: 'Experiment', metadata: { name: 'train', namespace: ns }, spec: {} });
  if (options.profile !== null) {
    await create(builtin.configMap, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'drivers-profile', namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'cairn' } }, data: { 'profile.json': options.profile ?? JSON.stringify(profile) } });
  }
  await create(driftMonitorResource, {
    apiVersion: 'cairn.dev/v1alpha1',
    kind: 'DriftMonitor',
    metadata: { name: 'watch', namespace: ns, generation: 1 },
    spec: { deploymentRef: { name: 'eta' }, baseline: { datasetRef: { name: 'drivers' } }, interval: '1m', window: '10m', minSamples: 100, onDrift: [{ retrain: { experimentRef: { name: 'train' } } }] },
  });
  const pod = (name: string, port: number) =>
    create(builtin.pod, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: ns, uid: `uid-${name}`, labels: { 'app.kubernetes.io/managed-by': 'cairn', 'cairn.dev/owner-kind': 'Deployment', 'cairn.dev/owner-name': 'eta', 'app.kubernetes.io/component': 'serving' } },
      spec: { containers: [{ name: 'serve', ports: [{ name: 'http', containerPort: port }] }] },
      status: { phase: 'Running', podIP: '127.0.0.1' },
    });
  const reconcile = async () => {
    await t.settle();
    try {
      return { result: await def.reconcile({ key: 'ml/watch', namespace: ns, name: 'watch' }, t.ctx) };
    } catch (error) {
      return { error };
    }
  };
  const monitor = async () => (await t.kube.get<Monitor>(driftMonitorResource, 'watch', ns))!;
  const condition = async (type: string) => (await monitor()).status?.conditions?.find((c) => c.type === type);
  return { t, pod, reconcile, monitor, condition };
}

describe('DriftMonitor controller', () => {
  it('evaluates every interval over the window of several pods; between evaluations it writes nothing', async () => {
    const { t, pod, reconcile, monitor, condition } = await setup();
    const now = t.clock.now();
    const a: PodState = { conv: [25, 25, 25, 25], acc: 50, startedAt: now - 1000 };
    const b: PodState = { conv: [25, 25, 25, 25], acc: 50, startedAt: now - 1000 };
    await pod('a', await podServer(() => a));
    await pod('b', await podServer(() => b));
    await pod('gone', await closedPort());

    await reconcile();
    let m = await monitor();
    expect(m.status?.samples).toBe(200);
    expect(await condition('Drifted')).toMatchObject({ status: 'False', reason: 'NoDrift' });
    expect(m.status?.features?.map((f) => f.name)).toEqual(['conv_rate']);
    expect(t.events.find((e) => e.reason === 'ScrapeFailed')).toMatchObject({ type: 'Warning', note: expect.stringMatching(/^1 of 3 serving pods did not answer on \/metrics: gone: /) });
    expect(t.events.find((e) => e.reason === 'ColumnNotScored')).toMatchObject({ type: 'Warning', note: expect.stringContaining('acc_rate: MismatchedBins: the serving pods count feature acc_rate without a bucket at 0.5') });

    // Not due: no scrape, no status write.
    const writes = () => t.kube.actions.filter((x) => x.verb === 'applyStatus').length;
    const before = writes();
    await reconcile();
    expect(writes()).toBe(before);

    // A minute later: pod a counted 100 more, shifted; pod b's process restarted and counted 100 shifted.
    t.clock.advance(60_000);
    a.conv = [25, 25, 75, 75];
    b.conv = [0, 0, 50, 50];
    b.startedAt = t.clock.now() - 500;
    await reconcile();
    m = await monitor();
    expect(m.status?.samples).toBe(400);
    expect(await condition('Drifted')).toMatchObject({ status: 'True', reason: 'DriftDetected', message: expect.stringMatching(/^conv_rate: psi /) });
    const patch = t.kube.actions.find((x) => x.verb === 'patch');
    expect(patch).toMatchObject({ resource: expect.stringContaining('experiments'), name: 'train', body: { metadata: { annotations: { 'cairn.dev/rerun': expect.stringMatching(/^driftmonitor\/watch@/) } } } });
    expect(await condition('RetrainRequested')).toMatchObject({ status: 'True' });
    const gauge = await t.registry.getSingleMetricAsString('cairn_drift_score');
    expect(gauge).toMatch(/cairn_drift_score\{namespace="ml",name="watch",feature="conv_rate",method="psi"\} 0\.\d+/);

    // The same episode a minute later: no second patch.
    t.clock.advance(60_000);
    a.conv = [25, 25, 100, 100];
    await reconcile();
    expect(t.kube.actions.filter((x) => x.verb === 'patch')).toHaveLength(1);
  });
});

describe('DriftMonitor controller, bad input', () => {
  it('a Dataset without its profile yet: Ready=False BaselineNotReady, looked at again', async () => {
    const { reconcile, condition } = await setup({ profile: null });
    const { error } = await reconcile();
    expect(error).toMatchObject({ reason: 'BaselineNotReady' });
    expect(await condition('Ready')).toMatchObject({ status: 'False', reason: 'BaselineNotReady', message: 'Dataset drivers has no profile yet (ConfigMap drivers-profile, key profile.json)' });
  });

  it('a profile that is not the contract\'s shape: Stalled InvalidProfile naming the field', async () => {
    const { reconcile, condition } = await setup({ profile: '{"features":[{"name":"conv_rate","type":"number"}]}' });
    await reconcile();
    expect(await condition('Stalled')).toMatchObject({ status: 'True', reason: 'InvalidProfile', message: 'ConfigMap drivers-profile: profile features[0].bins: a numeric column needs bins {edges, counts}' });
  });

  it('a retrain Experiment that does not exist: the verdict is written, Ready=False ExperimentNotFound, retried', async () => {
    const { t, pod, reconcile, condition } = await setup({ experiment: false });
    const state: PodState = { conv: [0, 0, 100, 100], acc: 10, startedAt: t.clock.now() - 1000 };
    await pod('a', await podServer(() => state));
    const { error } = await reconcile();
    expect(error).toMatchObject({ reason: 'ExperimentNotFound' });
    expect(await condition('Drifted')).toMatchObject({ status: 'True', reason: 'DriftDetected' });
    expect(await condition('Ready')).toMatchObject({ status: 'False', reason: 'ExperimentNotFound', message: 'Cannot retrain: Experiment train not found' });
    expect(await condition('RetrainRequested')).toBeUndefined();
  });
});

/**
 * `cairn console`'s JSON and server-sent-event endpoints against the real control plane: the six kinds as the
 * user's credentials see them, live changes, the weight history the console keeps, promote and abort with
 * their annotations, the bad requests, a user whose Role leaves kinds out (403 -> "forbidden", not an error),
 * and --read-only.
 */
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cairnResource } from '../../../src/controllers/resources.js';
import type { ConsoleObject } from '../../../src/console/model.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import { writeServiceAccountKubeconfig } from '../../../src/testenv/index.js';
import { adminKubeConfig, createNamespace, deleteNamespace, eventually, kubectlOk, testenv } from '../../harness/kube.js';
import { installCrds } from '../gitsource/support.js';
import { createLifecycle, lifecycle, recordEvent, writeStatus } from './lifecycle.js';
import { getState, holds, post, readEvents, settledState, startConsoleProcess, type ConsoleProcess } from './support.js';

describe('cairn console: JSON and events', () => {
  let ns: string;
  let dir: string;
  let admin: HttpKubeClient;
  let consoleProc: ConsoleProcess | undefined;
  const others: ConsoleProcess[] = [];
  const deployment = () => admin.get<ConsoleObject>(cairnResource('Deployment'), 'fare', ns);

  beforeAll(async () => {
    await installCrds();
    ns = await createNamespace('console-api');
    dir = mkdtempSync(join(tmpdir(), 'cairn-console-'));
    admin = new HttpKubeClient(adminKubeConfig());
    await createLifecycle(admin, ns);
    consoleProc = await startConsoleProcess(['--kubeconfig', testenv().kubeconfigPath, '-n', ns]);
  }, 400_000); // the console bundles its script as it starts: slow on a loaded machine
  afterAll(async () => {
    await consoleProc?.stop();
    for (const p of others) await p.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (ns) await deleteNamespace(ns);
  });

  it('serves the six kinds with their status, and the page and its script', async () => {
    const state = await settledState(consoleProc!.url);
    for (const kind of Object.keys(state.kinds)) expect(state.kinds[kind as keyof typeof state.kinds].access, kind).toBe('permitted');
    const fare = state.kinds.Deployment.items.find((d) => d.metadata?.name === 'fare');
    expect(fare?.status).toMatchObject({ phase: 'Paused', stable: { version: 2, weight: 80 }, canary: { version: 3, weight: 20, step: 1 } });
    expect(state.kinds.ModelVersion.items.map((m) => m.metadata?.name).sort()).toEqual(['fare-2', 'fare-3']);
    expect(state.kinds.Experiment.items[0]?.status?.trialCounts).toMatchObject({ total: 6, failed: 1 });
    expect(state.weights[`${ns}/fare`]?.[0]).toMatchObject({ phase: 'Paused', stable: { version: 2, weight: 80 }, canary: { version: 3, weight: 20, step: 1 } });
    expect(state.drift[`${ns}/fare-drift`]?.[0]?.features[0]).toEqual({ name: 'distance_km', method: 'psi', score: 0.31, threshold: 0.2, drifted: true });
    expect((state.kinds.Deployment.items[0] as Record<string, unknown> & { metadata: Record<string, unknown> }).metadata.managedFields).toBeUndefined();

    const page = await fetch(consoleProc!.url);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const scriptPath = /<script type="module" src="\/(app-[0-9a-f]{16}\.js)">/.exec(await page.text())?.[1];
    expect(scriptPath).toBeDefined();
    // Named by its digest, so a browser keeps it (and its compiled code) across loads; /app.js is the same script.
    const script = await fetch(new URL(scriptPath!, consoleProc!.url));
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await (await fetch(new URL('app.js', consoleProc!.url))).text()).toBe(await script.clone().text());
    // ECharts is a chunk the script imports from the console (also immutable): nothing comes from the internet.
    const entry = await script.text();
    const chunks = [...entry.matchAll(/["']\.\/(chunk-[A-Z0-9]+\.js)["']/g)].map((m) => m[1]!);
    expect(chunks.length).toBeGreaterThan(0);
    let bytes = entry.length;
    for (const chunk of chunks) {
      const res = await fetch(new URL(chunk, consoleProc!.url));
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      bytes += (await res.text()).length;
    }
    expect(bytes).toBeGreaterThan(100_000);
    expect((await fetch(new URL('chunk-NOPE.js', consoleProc!.url))).status).toBe(404);
    expect((await fetch(new URL('nope', consoleProc!.url))).status).toBe(404);
  });

  it('streams changes: the state first, then each status write, and keeps the weights over time', async () => {
    const stream = readEvents(consoleProc!.url);
    try {
      await eventually('the first event is the whole state', holds(() => {
        expect(stream.events[0]?.type).toBe('state');
      }));
      const fare = lifecycle(ns).find((o) => o.kind === 'Deployment')!;
      await writeStatus(admin, { ...fare, status: { ...fare.status, phase: 'Progressing', canary: { version: 3, weight: 50, step: 3 }, stable: { version: 2, weight: 50 } } });
      await eventually('an upsert of Deployment fare at 50% arrives', holds(() => {
        const upsert = stream.events.find((e) => e.type === 'upsert' && e.kind === 'Deployment' && (e.object.status?.canary as { weight?: number } | undefined)?.weight === 50);
        expect(upsert).toBeDefined();
        const point = stream.events.find((e) => e.type === 'weight' && e.point.canary?.weight === 50);
        expect(point).toMatchObject({ key: `${ns}/fare`, point: { phase: 'Progressing', stable: { version: 2, weight: 50 }, canary: { version: 3, weight: 50, step: 3 } } });
      }));
      const weights = (await getState(consoleProc!.url)).weights[`${ns}/fare`]!;
      expect(weights.map((p) => p.canary?.weight)).toEqual([20, 50]);
      // A write that changes nothing in the split adds no point.
      await writeStatus(admin, { ...fare, status: { ...fare.status, phase: 'Progressing', canary: { version: 3, weight: 50, step: 3 }, stable: { version: 2, weight: 50 }, message: 'measuring' } });
      await eventually('the message change arrives', holds(() => expect(stream.events.some((e) => e.type === 'upsert' && e.object.status?.message === 'measuring')).toBe(true)));
      expect((await getState(consoleProc!.url)).weights[`${ns}/fare`]).toHaveLength(2);
      // A deleted object leaves the state.
      await admin.delete(cairnResource('DriftMonitor'), 'fare-drift', ns);
      await eventually('the delete arrives', holds(() => expect(stream.events.some((e) => e.type === 'delete' && e.kind === 'DriftMonitor' && e.name === 'fare-drift')).toBe(true)));
      expect((await getState(consoleProc!.url)).kinds.DriftMonitor.items).toEqual([]);
    } finally {
      stream.close();
    }
  });

  it('keeps the Events about cairn.dev objects (the history status does not hold), and skips the others', async () => {
    await recordEvent(admin, { kind: 'Deployment', name: 'fare', namespace: ns }, 'Warning', 'AnalysisFailed', 'error-rate 0.031 > max 0.01', '2026-11-29T10:01:00Z');
    await recordEvent(admin, { kind: 'Deployment', name: 'fare', namespace: ns }, 'Normal', 'Promoted', 'Promoted version 3', '2026-11-29T10:02:00Z');
    await recordEvent(admin, { kind: 'Pod', name: 'fare-abc', namespace: ns, apiVersion: 'v1' }, 'Normal', 'Pulled', 'pulled', '2026-11-29T10:03:00Z');
    const events = await eventually('the console has the Deployment\'s two Events', async () => {
      const state = await getState(consoleProc!.url);
      const rows = state.events[`Deployment:${ns}/fare`] ?? [];
      if (rows.length < 2) throw new Error(`${rows.length} Event(s) so far; access ${state.eventsAccess}`);
      return state.events;
    });
    expect(events[`Deployment:${ns}/fare`]!.map((e) => `${e.type} ${e.reason}: ${e.message}`)).toEqual(['Warning AnalysisFailed: error-rate 0.031 > max 0.01', 'Normal Promoted: Promoted version 3']);
    expect(Object.keys(events).filter((k) => k.startsWith('Pod:'))).toEqual([]);
  });

  it('promotes and aborts with the annotations of cairn rollout, and refuses bad requests', async () => {
    const url = consoleProc!.url;
    const promoted = await post(url, `api/namespaces/${ns}/deployments/fare/promote`);
    expect(promoted).toEqual({ status: 200, message: 'Deployment fare: promote requested for version 3 (cairn.dev/promote)' });
    const promote = (await deployment())?.metadata?.annotations?.['cairn.dev/promote'];
    expect(Date.parse(promote ?? '')).not.toBeNaN();
    expect((await post(url, `api/namespaces/${ns}/deployments/fare/abort`)).status).toBe(200);
    expect((await deployment())?.metadata?.annotations?.['cairn.dev/abort']).toMatch(/^\d{4}-\d\d-\d\dT/);

    // Without the header a cross-site form could not send: refused, nothing written.
    const before = (await deployment())?.metadata?.resourceVersion;
    expect(await post(url, `api/namespaces/${ns}/deployments/fare/promote`, {})).toEqual({ status: 403, message: 'a console action needs the x-cairn-console: 1 header' });
    expect((await deployment())?.metadata?.resourceVersion).toBe(before);
    expect(await post(url, `api/namespaces/${ns}/deployments/nope/promote`)).toEqual({ status: 404, message: `Deployment ${ns}/nope (cairn.dev) not found` });
    expect((await post(url, `api/namespaces/${ns}/deployments/fare/restart`)).status).toBe(404);
    expect((await fetch(new URL('api/state', url), { method: 'DELETE' })).status).toBe(405);

    // No rollout in progress: promote says so (abort is still allowed, as with the CLI).
    const fare = lifecycle(ns).find((o) => o.kind === 'Deployment')!;
    const { canary: _canary, ...healthy } = fare.status!;
    await writeStatus(admin, { ...fare, status: { ...healthy, phase: 'Healthy', stable: { version: 3, weight: 100 } } });
    await eventually('the Deployment has no canary', holds(async () => expect((await deployment())?.status?.canary).toBeUndefined()));
    expect(await post(url, `api/namespaces/${ns}/deployments/fare/promote`)).toEqual({ status: 409, message: 'Deployment fare has no rollout in progress to promote (Healthy)' });

    // A request addressed to another host name (DNS rebinding) is not answered.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(new URL('api/state', url), { headers: { host: 'attacker.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('shows a kind the user may not read as forbidden, and passes on a refused promote as 403', async () => {
    // A user who may read Deployments, Experiments and Datasets in the namespace, and nothing else.
    await kubectlOk(['-n', ns, 'create', 'serviceaccount', 'viewer']);
    await kubectlOk(['-n', ns, 'create', 'role', 'viewer', '--verb=get,list,watch', '--resource=deployments.cairn.dev,experiments.cairn.dev,datasets.cairn.dev']);
    await kubectlOk(['-n', ns, 'create', 'rolebinding', 'viewer', '--role=viewer', `--serviceaccount=${ns}:viewer`]);
    const env = testenv();
    const kubeconfig = await writeServiceAccountKubeconfig({ server: env.server, caFile: env.caFile, kubeConfig: adminKubeConfig }, join(dir, 'viewer.kubeconfig'), { namespace: ns, serviceAccount: 'viewer' });
    const viewer = await startConsoleProcess(['--kubeconfig', kubeconfig, '-n', ns]);
    others.push(viewer);
    const state = await settledState(viewer.url);
    expect(state.kinds.ModelVersion).toMatchObject({ access: 'forbidden', items: [] });
    expect(state.kinds.GitSource.access).toBe('forbidden');
    expect(state.kinds.DriftMonitor.access).toBe('forbidden');
    expect(state.kinds.Deployment.access).toBe('permitted');
    expect(state.kinds.Deployment.items.map((d) => d.metadata?.name)).toEqual(['fare']);
    expect(state.eventsAccess).toBe('forbidden');
    expect(state.trialTablesAccess).toBe('forbidden');
    // It may read the Deployment but not patch it.
    const fare = lifecycle(ns).find((o) => o.kind === 'Deployment')!;
    await writeStatus(admin, fare);
    await eventually('the viewer sees the canary again', holds(async () => expect((await getState(viewer.url)).kinds.Deployment.items[0]?.status?.canary).toBeDefined()));
    const refused = await post(viewer.url, `api/namespaces/${ns}/deployments/fare/promote`);
    expect(refused.status).toBe(403);
    expect(refused.message).toMatch(/^not permitted: /);
  });

  it('--read-only has no write route', async () => {
    const readOnly = await startConsoleProcess(['--kubeconfig', testenv().kubeconfigPath, '-n', ns, '--read-only']);
    others.push(readOnly);
    expect((await getState(readOnly.url)).readOnly).toBe(true);
    expect(await post(readOnly.url, `api/namespaces/${ns}/deployments/fare/promote`)).toEqual({ status: 405, message: 'the console runs read-only: promote and abort are off' });
  });
});

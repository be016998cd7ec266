/**
 * The GitSource sync when things go wrong around it: webhooks with bad signatures, an operator killed in
 * the middle of a sync, two replicas, and the API server becoming unreachable and coming back.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitSourceStatus } from '../../../src/api/kinds/index.js';
import { cairnResource } from '../../../src/controllers/resources.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { silentLogger, startControlPlane, type ControlPlane } from '../../../src/testenv/index.js';
import { githubSignature } from '../../../src/runtime/http/signature.js';
import { HttpKubeClient } from '../../../src/runtime/kube/http-client.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { adminKubeConfig, createNamespace, deleteNamespace, eventually, kubectlOk, testenv } from '../../harness/kube.js';
import { startOperatorProcess, type OperatorProcess } from '../../harness/operator-process.js';
import { TcpProxy } from '../runtime/tcp-proxy.js';
import { kubeConfigVia } from '../runtime/support.js';
import { deploymentYaml, gitSourceYaml, installCrds, makeRepo, modelVersionYaml, startGitOperator, type TestRepo } from './support.js';

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: GitSourceStatus };

const kube = new HttpKubeClient(adminKubeConfig());
const repos: TestRepo[] = [];
const newRepo = async () => {
  const repo = await makeRepo();
  repos.push(repo);
  return repo;
};
const statusOf = async (ns: string, name: string) => (await kube.get<Obj>(cairnResource('GitSource'), name, ns))?.status;
const syncedTo = (ns: string, name: string, commit: string) =>
  eventually(`GitSource ${ns}/${name} synced to main@sha1:${commit}`, async () => {
    const status = await statusOf(ns, name);
    if (status?.revision !== `main@sha1:${commit}`) throw new Error(`GitSource ${name} at ${status?.revision ?? 'no revision'}, Ready: ${JSON.stringify(status?.conditions?.find((c) => c.type === 'Ready'))}`);
    return status;
  });
const applySource = (ns: string, name: string, spec: Record<string, unknown>) =>
  kubectlOk(['apply', '--server-side', '--field-manager=tests', '-f', '-'], { input: gitSourceYaml(name, ns, spec) });

beforeAll(installCrds);
afterAll(() => repos.forEach((r) => r.cleanup()));

describe('the Git webhook', () => {
  let ns = '';
  let op: Awaited<ReturnType<typeof startGitOperator>>;
  beforeAll(async () => {
    ns = await createNamespace('webhook');
    op = await startGitOperator({ namespaces: [ns] });
  });
  afterAll(async () => {
    await op?.stop();
    if (ns) await deleteNamespace(ns);
  });

  it('a bad signature gets 401 and no sync; a good GitHub signature or GitLab token syncs at once', async () => {
    const secret = 'webhook-secret-of-ml-config';
    await kubectlOk(['-n', ns, 'create', 'secret', 'generic', 'git-auth', `--from-literal=webhookToken=${secret}`]);
    const repo = await newRepo();
    const first = await repo.commit({ 'a.yaml': modelVersionYaml('hook-1', 1) });
    // A one-hour interval: only the webhook can make it sync again during the test.
    await applySource(ns, 'hooked', { url: repo.url, ref: { branch: 'main' }, interval: '1h', secretRef: { name: 'git-auth' } });
    await syncedTo(ns, 'hooked', first);
    const second = await repo.commit({ 'b.yaml': modelVersionYaml('hook-2', 2) });
    const url = `${op.operator.address}/hooks/git/${ns}/hooked`;
    const body = JSON.stringify({ ref: 'refs/heads/main', after: second });
    const post = (headers: Record<string, string>) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

    const reconciles = () => op.logs.filter((l) => l.name === 'hooked' && l.msg === 'Reconciled GitSource').length;
    const before = reconciles();
    expect((await post({ 'x-hub-signature-256': githubSignature('wrong-secret', body) })).status).toBe(401);
    expect((await post({ 'x-gitlab-token': 'wrong-token' })).status).toBe(401);
    expect((await post({})).status).toBe(401);
    expect((await fetch(`${op.operator.address}/hooks/git/${ns}/no-such-source`, { method: 'POST', headers: { 'x-gitlab-token': secret }, body })).status).toBe(401);
    // Give a wrongly triggered sync the time to happen, then check that none did.
    await new Promise((r) => setTimeout(r, 1500));
    expect(reconciles()).toBe(before);
    expect((await statusOf(ns, 'hooked'))?.revision).toBe(`main@sha1:${first}`);

    const accepted = await post({ 'x-hub-signature-256': githubSignature(secret, body) });
    expect(accepted.status).toBe(202);
    await syncedTo(ns, 'hooked', second);

    const third = await repo.commit({ 'c.yaml': modelVersionYaml('hook-3', 3) });
    expect((await post({ 'x-gitlab-token': secret })).status).toBe(202);
    await syncedTo(ns, 'hooked', third);
    // The secret never reaches the logs.
    expect(JSON.stringify(op.logs)).not.toContain(secret);
  });
});

function operatorProcess(ns: string, cacheDir: string): Promise<OperatorProcess> {
  return startOperatorProcess(['--namespaces', ns, '--controllers', 'gitsource', '--leader-elect', '--lease-namespace', ns, '--allow-file-urls', '--git-cache-dir', cacheDir, '--drain-timeout-s', '5', '--log-level', 'debug']);
}

describe('cairn operator processes', () => {
  let ns = '';
  const processes: OperatorProcess[] = [];
  const cacheDirs: string[] = [];
  const cacheDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-gitcache-'));
    cacheDirs.push(dir);
    return dir;
  };
  beforeAll(async () => {
    ns = await createNamespace('gitproc');
  });
  afterAll(async () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exit));
    if (ns) await deleteNamespace(ns);
    cacheDirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  });

  it('an operator killed in the middle of a sync: the next one converges', async () => {
    const repo = await newRepo();
    const files = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`models/m-${i}.yaml`, modelVersionYaml(`m-${i}`, i + 1)]));
    const commit = await repo.commit(files);
    const first = await operatorProcess(ns, cacheDir());
    processes.push(first);
    await applySource(ns, 'big', { url: repo.url, ref: { branch: 'main' }, interval: '1h' });
    const countApplied = async () => (await kube.list(cairnResource('ModelVersion'), { namespace: ns, labelSelector: 'cairn.dev/source=big' })).items.length;
    // Kill it as soon as the first objects exist, before the sync could finish.
    await eventually('the first ModelVersions of GitSource big applied', async () => ((await countApplied()) > 0 ? true : undefined), { intervalMs: 20 });
    first.child.kill('SIGKILL');
    await first.exit;
    const appliedAtKill = await countApplied();
    const second = await operatorProcess(ns, cacheDir());
    processes.push(second);
    const status = await syncedTo(ns, 'big', commit);
    expect(status.inventory?.count).toBe(300);
    expect(await countApplied()).toBe(300);
    expect(appliedAtKill).toBeLessThan(300);
    second.child.kill('SIGTERM');
    expect(await second.exit).toBe(0);
  });

  it('two replicas: only the leader syncs; killing it hands the sync to the other', async () => {
    const repo = await newRepo();
    const first = await repo.commit({ 'd.yaml': deploymentYaml('ha', 1) });
    const a = await operatorProcess(ns, cacheDir());
    const b = await operatorProcess(ns, cacheDir());
    processes.push(a, b);
    await applySource(ns, 'ha', { url: repo.url, ref: { branch: 'main' }, interval: '1s' });
    await syncedTo(ns, 'ha', first);
    const synced = (p: OperatorProcess) => p.lines.filter((l) => l.msg === 'Reconciled GitSource' && l.name === 'ha').length;
    const leader = await eventually('one of the two replicas reconciled GitSource ha', async () => (synced(a) > 0 ? a : synced(b) > 0 ? b : undefined));
    const follower = leader === a ? b : a;
    expect(synced(follower)).toBe(0);

    leader.child.kill('SIGKILL');
    await leader.exit;
    const second = await repo.commit({ 'd.yaml': deploymentYaml('ha', 4) });
    await syncedTo(ns, 'ha', second);
    // Its log line may come a moment after the status it wrote is visible.
    await eventually('the former follower reconciled GitSource ha', async () => (synced(follower) > 0 ? true : undefined));
    expect((await kube.get<Obj>(cairnResource('Deployment'), 'ha', ns))?.spec).toMatchObject({ serving: { replicas: 4 } });
  });
  it('a webhook delivered to the standby replica reaches the leader', async () => {
    // The replicas of the tests before hold the Lease: stop them (SIGTERM releases it).
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exit));
    await kubectlOk(['-n', ns, 'create', 'secret', 'generic', 'standby-hook', '--from-literal=webhookToken=standby-secret']);
    const repo = await newRepo();
    const first = await repo.commit({ 'd.yaml': deploymentYaml('standby', 1) });
    const a = await operatorProcess(ns, cacheDir());
    const b = await operatorProcess(ns, cacheDir());
    processes.push(a, b);
    await applySource(ns, 'standby', { url: repo.url, ref: { branch: 'main' }, interval: '1h', secretRef: { name: 'standby-hook' } });
    await syncedTo(ns, 'standby', first);
    const reconciled = (p: OperatorProcess) => p.lines.some((l) => l.msg === 'Reconciled GitSource' && l.name === 'standby');
    const leader = await eventually('one of the two replicas reconciled GitSource standby', async () => (reconciled(a) ? a : reconciled(b) ? b : undefined));
    const standby = leader === a ? b : a;
    const second = await repo.commit({ 'd.yaml': deploymentYaml('standby', 2) });
    const body = JSON.stringify({ after: second });
    const answer = await fetch(`${standby.address}/hooks/git/${ns}/standby`, { method: 'POST', headers: { 'x-hub-signature-256': githubSignature('standby-secret', body) }, body });
    expect(answer.status).toBe(202);
    // The one-hour interval cannot explain this sync: the standby recorded the request for the leader.
    await syncedTo(ns, 'standby', second);
    expect(reconciled(standby)).toBe(false);
  });
});


describe('the API server unreachable, then back', () => {
  let ns = '';
  let proxy: TcpProxy;
  let op: Awaited<ReturnType<typeof startGitOperator>> | undefined;
  beforeAll(async () => {
    ns = await createNamespace('gitnet');
    proxy = await TcpProxy.forServer(testenv().server).start();
  });
  afterAll(async () => {
    await op?.stop();
    await proxy?.close();
    if (ns) await deleteNamespace(ns);
  });

  it('informers recover: a hand edit made after the outage is still reverted, a new commit still applied', async () => {
    op = await startGitOperator({ namespaces: [ns], kubeConfig: kubeConfigVia(proxy.url) });
    const repo = await newRepo();
    const first = await repo.commit({ 'd.yaml': deploymentYaml('net', 2) });
    await applySource(ns, 'net', { url: repo.url, ref: { branch: 'main' }, interval: '1s' });
    await syncedTo(ns, 'net', first);

    proxy.partition();
    await new Promise((r) => setTimeout(r, 3000));
    proxy.heal();

    await kubectlOk(['-n', ns, 'patch', 'deployments.cairn.dev', 'net', '--type=merge', '-p', '{"spec":{"serving":{"replicas":7}}}']);
    await eventually('hand edit of Deployment net reverted to Git (2 replicas)', async () => ((await kube.get<Obj>(cairnResource('Deployment'), 'net', ns))?.spec as { serving?: { replicas?: number } })?.serving?.replicas === 2 || undefined);
    const second = await repo.commit({ 'd.yaml': deploymentYaml('net', 3) });
    await syncedTo(ns, 'net', second);
  });
});

describe('kube-apiserver restarted', () => {
  let plane: ControlPlane | undefined;
  let op: Awaited<ReturnType<typeof startGitOperator>> | undefined;
  afterAll(async () => {
    await op?.stop();
    await plane?.stop();
  });

  it('informers recover after a real restart: a hand edit is reverted and a new commit applied', async () => {
    // A control plane of its own: restarting the shared one would disturb the tests running beside this one.
    plane = await startControlPlane({ binDir: testenv().binDir, logger: silentLogger, kwokNodes: 1 });
    const own = new HttpKubeClient(plane.kubeConfig());
    for (const file of readdirSync(join(testenv().root, 'crds'))) {
      await own.apply(builtin.customResourceDefinition, parse(readFileSync(join(testenv().root, 'crds', file), 'utf8')) as KubeObject, { fieldManager: 'tests', force: true });
    }
    await eventually('GitSources listable on the new control plane (CRDs served)', async () => ((await own.list(cairnResource('GitSource'), { namespace: 'default' })) ? true : undefined));
    op = await startGitOperator({ namespaces: ['default'], kubeConfig: plane.kubeConfig() });
    const repo = await newRepo();
    const first = await repo.commit({ 'd.yaml': deploymentYaml('restart', 2) });
    const source = { apiVersion: 'cairn.dev/v1alpha1', kind: 'GitSource', metadata: { name: 'restart', namespace: 'default' }, spec: { url: repo.url, ref: { branch: 'main' }, interval: '1s' } };
    await own.apply(cairnResource('GitSource'), source as KubeObject, { fieldManager: 'tests' });
    const revisionIs = (commit: string) =>
      eventually(`GitSource restart synced to main@sha1:${commit}`, async () => ((await own.get<Obj>(cairnResource('GitSource'), 'restart', 'default'))?.status?.revision === `main@sha1:${commit}` ? true : undefined));
    await revisionIs(first);

    await plane.restartApiServer();

    await own.patch(cairnResource('Deployment'), 'restart', 'default', { spec: { serving: { replicas: 7 } } }, { type: 'merge', fieldManager: 'hand-edit' });
    await eventually('hand edit of Deployment restart reverted to Git (2 replicas) after the API server restart', async () => ((await own.get<Obj>(cairnResource('Deployment'), 'restart', 'default'))?.spec as { serving?: { replicas?: number } })?.serving?.replicas === 2 || undefined);
    const second = await repo.commit({ 'd.yaml': deploymentYaml('restart', 3) });
    await revisionIs(second);
  });
});

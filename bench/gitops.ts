/**
 * `npm run bench:gitops`: the GitOps sync against a real local control plane, every figure beside a baseline
 * measured in the same run and its goal:
 *   1. commit-to-applied latency through the webhook (p50/p99 over 20 commits), beside polling at a 5 s
 *      interval. "Applied" is the moment the changed object reaches a watch of the bench (not a poll), and each
 *      commit is pushed once the previous sync is complete (its status written), as commits come in practice;
 *   2. sync of 1,000 objects: objects/s and the operator's peak RSS, beside `kubectl apply --server-side` of
 *      the same files and the operator's RSS at start;
 *   3. API writes by the operator during 60 s of idle syncing (counted by the API server's own metrics),
 *      beside the writes of every client of the API server in the same 60 s.
 * Goals: webhook p50 <= 150 ms, >= 150 objects/s, peak RSS <= 150 MiB, 0 idle writes. The operator runs the
 * GitSource controller alone unless `--controllers` says otherwise (see below).
 */
import '../src/testenv/node-compat.js';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { cairnResource } from '../src/controllers/resources.js';
import { installCrds, pollUntil, startOperatorInPlane } from '../src/demo/cluster.js';
import { githubSignature } from '../src/runtime/http/signature.js';
import { HttpKubeClient } from '../src/runtime/kube/http-client.js';
import type { KubeObject } from '../src/runtime/kube/object.js';
import { builtin, type ResourceType } from '../src/runtime/kube/resource.js';
import { ensureBinaries, startControlPlane, type ControlPlane } from '../src/testenv/index.js';
import { ensureCompiledCairn } from '../src/dev/compiled.js';
import { heapMiB, scrape } from './operator-metrics.js';
import { cpuSeconds, memory } from './process.js';

const run = promisify(execFile);
// --node-options: V8 flags for the operator process (NODE_OPTIONS), to compare heap settings.
// --controllers: the operator's controllers. The GitSource alone by default: with every controller on, the
// ModelVersion controller starts an inspect Job for each of the 1,000 synced ModelVersions (Jobs, Pods that no node
// runs here, status writes, Events), which is that controller's work and not the sync's (`--controllers all` shows it).
const { values: args } = parseArgs({ options: { 'node-options': { type: 'string', default: '' }, controllers: { type: 'string', default: 'gitsource' } } });
const root = fileURLToPath(new URL('..', import.meta.url));
const keepAlive = setInterval(() => undefined, 60_000);
const log = (line: string) => process.stdout.write(line + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 300_000, everyMs = 10): Promise<T> {
  return pollUntil(what, check, { timeoutMs, everyMs });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * When each value of a field of one object was first seen, through a watch: the bench learns of a change when
 * the API server sends it, not at its next poll. The watch is reopened if it ends.
 */
function watchField(kube: HttpKubeClient, res: ResourceType, namespace: string, name: string, field: (o: KubeObject & Record<string, unknown>) => unknown) {
  const seen = new Map<unknown, number>();
  const waiters = new Map<unknown, (at: number) => void>();
  let handle: { stop(): void } | undefined;
  let stopped = false;
  const open = async (): Promise<void> => {
    handle = await kube.watch(res, { namespace, fieldSelector: `metadata.name=${name}` }, (type, object) => {
      if (type !== 'ADDED' && type !== 'MODIFIED') return;
      const value = field(object);
      if (seen.has(value)) return;
      const at = performance.now();
      seen.set(value, at);
      waiters.get(value)?.(at);
    }, () => {
      if (!stopped) setTimeout(() => void open(), 100);
    });
  };
  return {
    open,
    /** Resolves with the performance.now() at which `value` was first seen. */
    seenAt: (value: unknown, timeoutMs = 60_000) =>
      new Promise<number>((resolve, reject) => {
        const at = seen.get(value);
        if (at !== undefined) return resolve(at);
        const timer = setTimeout(() => reject(new Error(`Timed out waiting for ${name} to show ${String(value)}`)), timeoutMs);
        waiters.set(value, (t) => {
          clearTimeout(timer);
          waiters.delete(value);
          resolve(t);
        });
      }),
    stop: () => {
      stopped = true;
      handle?.stop();
    },
  };
}

async function makeRepo(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-git-'));
  const git = async (...args: string[]) => (await run('git', args, { cwd: dir })).stdout.trim();
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.email', 'bench@cairn.dev');
  await git('config', 'user.name', 'bench');
  await git('config', 'commit.gpgsign', 'false');
  const commit = async (changes: Record<string, string>) => {
    for (const [path, text] of Object.entries(changes)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    await git('add', '-A');
    await git('commit', '-q', '-m', 'bench');
    return git('rev-parse', 'HEAD');
  };
  const first = await commit(files);
  return { dir, url: `file://${dir}`, first, commit, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const deployment = (name: string, replicas: number) =>
  `apiVersion: cairn.dev/v1alpha1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  model: eta\n  version: {policy: latestReady}\n  serving: {replicas: ${replicas}}\n`;
const modelVersion = (i: number) =>
  `apiVersion: cairn.dev/v1alpha1\nkind: ModelVersion\nmetadata:\n  name: m-${i}\nspec:\n  model: eta\n  version: ${i + 1}\n  artifact: {uri: "s3://bucket/eta/${i}/model.onnx", sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae}\n`;

/** Mutating requests by `verb group/resource[/subresource]`, from kube-apiserver's apiserver_request_total. */
async function apiWrites(plane: ControlPlane): Promise<Map<string, number>> {
  const { stdout: text } = await run(join(plane.binDir, 'kubectl'), ['--kubeconfig', plane.kubeconfigPath, 'get', '--raw', '/metrics'], { maxBuffer: 256 * 1024 * 1024 });
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(line)?.[1] ?? '';
    if (!['APPLY', 'PATCH', 'POST', 'PUT', 'DELETE'].includes(label('verb'))) continue;
    const key = `${label('verb')} ${label('group') || 'core'}/${label('resource')}${label('subresource') ? `/${label('subresource')}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/** The writes that are the operator's own business: cairn.dev objects and Events. */
const operatorWrites = (writes: Map<string, number>) => new Map([...writes].filter(([key]) => /^\S+ (cairn\.dev\/|(core|events\.k8s\.io)\/events\b)/.test(key)));
const total = (writes: Map<string, number>) => [...writes.values()].reduce((a, b) => a + b, 0);

function diff(after: Map<string, number>, before: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, n] of after) if (n - (before.get(key) ?? 0) > 0) out.set(key, n - (before.get(key) ?? 0));
  return out;
}

async function main(): Promise<void> {
  log('Cairn GitOps benchmark (a real control plane on loopback; every figure measured in this run)\n');
  // The operator runs as the container image runs it: compiled JavaScript, no TypeScript compiler in the process.
  const build = await ensureCompiledCairn({ root, say: log });
  if (build.typeErrors !== undefined) throw new Error(`npm run build reported type errors:\n${build.typeErrors}`);
  const binDir = await ensureBinaries({ root, logger: { info: (m) => log(`  ${m}`), warn: (m) => log(`  warning: ${m}`), error: (m) => log(`  error: ${m}`) } });
  const plane = await startControlPlane({ binDir, logger: { info: () => undefined, warn: () => undefined, error: (m) => log(`  error: ${m}`) }, kwokNodes: 1 });
  const repos: { remove(): void }[] = [];
  try {
    const kube = new HttpKubeClient(plane.kubeConfig());
    await installCrds(kube, join(root, 'crds'), 'bench', { timeoutMs: 60_000 });
    const ns = 'bench';
    for (const name of [ns, 'bench-kubectl']) await kube.apply(builtin.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: 'bench' });
    await kube.apply(builtin.secret, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hook', namespace: ns }, stringData: { webhookToken: 'bench' } } as KubeObject, { fieldManager: 'bench' });

    const { process: operator, address } = await startOperatorInPlane(plane, root, {
      namespace: ns,
      podName: 'bench',
      extraArgs: ['--log-level', 'info', ...(args.controllers === 'all' ? [] : ['--controllers', args.controllers])],
      env: { CAIRN_FROM_DIST: '1', ...(args['node-options'] ? { NODE_OPTIONS: args['node-options'] } : {}) },
      poll: { timeoutMs: 60_000 },
    });
    const idleMemory = memory(operator.pid);
    /** RSS beside the V8 heap (used / reserved), so heap growth and garbage can be told from the rest. */
    const memoryLine = async () => {
      const heap = heapMiB(await scrape(address));
      const m = memory(operator.pid);
      return `RSS ${m.rssMiB.toFixed(0)} MiB (peak ${m.peakMiB.toFixed(0)}), V8 heap ${heap.usedMiB.toFixed(0)} MiB used of ${heap.totalMiB.toFixed(0)} MiB`;
    };
    log(`   operator at start: ${await memoryLine()}`);

    const applySource = (name: string, spec: Record<string, unknown>) =>
      kube.apply(cairnResource('GitSource'), { apiVersion: 'cairn.dev/v1alpha1', kind: 'GitSource', metadata: { name, namespace: ns }, spec } as KubeObject, { fieldManager: 'bench' });
    const revisionOf = async (name: string) => (await kube.get<KubeObject & { status?: { revision?: string; inventory?: { count: number } } }>(cairnResource('GitSource'), name, ns))?.status;
    const replicasOf = async (name: string) => (await kube.get<KubeObject & { spec?: { serving?: { replicas?: number } } }>(cairnResource('Deployment'), name, ns))?.spec?.serving?.replicas;

    // 1. Webhook latency, and polling as the baseline.
    log('1. Commit to applied');
    const hooked = await makeRepo({ 'd.yaml': deployment('hooked', 1) });
    repos.push(hooked);
    await applySource('hooked', { url: hooked.url, ref: { branch: 'main' }, interval: '1h', secretRef: { name: 'hook' } });
    await until('first sync', async () => ((await revisionOf('hooked'))?.revision === `main@sha1:${hooked.first}` ? true : undefined));
    const replicas = watchField(kube, cairnResource('Deployment'), ns, 'hooked', (o) => (o as { spec?: { serving?: { replicas?: number } } }).spec?.serving?.replicas);
    await replicas.open();
    const webhook: number[] = [];
    for (let i = 2; i <= 21; i++) {
      const sha = await hooked.commit({ 'd.yaml': deployment('hooked', i) });
      const body = JSON.stringify({ ref: 'refs/heads/main', after: sha });
      const t0 = performance.now();
      const res = await fetch(`${address}/hooks/git/${ns}/hooked`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': githubSignature('bench', body) }, body });
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
      const applied = await replicas.seenAt(i);
      webhook.push(applied - t0);
      // The sync is complete once its status is written: the next commit comes after that, as commits do.
      await until('status of the commit', async () => ((await revisionOf('hooked'))?.revision === `main@sha1:${sha}` ? true : undefined));
    }
    replicas.stop();
    const pollIntervalS = 5;
    const polled = await makeRepo({ 'd.yaml': deployment('polled', 1) });
    repos.push(polled);
    await applySource('polled', { url: polled.url, ref: { branch: 'main' }, interval: `${pollIntervalS}s` });
    await until('first sync', async () => ((await revisionOf('polled'))?.revision === `main@sha1:${polled.first}` ? true : undefined));
    const polling: number[] = [];
    for (let i = 2; i <= 6; i++) {
      await sleep(Math.random() * pollIntervalS * 1000); // commit at a random point of the interval, as people do
      await polled.commit({ 'd.yaml': deployment('polled', i) });
      const t0 = performance.now();
      await until('polled change', async () => ((await replicasOf('polled')) === i ? true : undefined), 60_000, 20);
      polling.push(performance.now() - t0);
    }
    const p50 = percentile(webhook, 50);
    const p99 = percentile(webhook, 99);
    const pollMean = polling.reduce((a, b) => a + b, 0) / polling.length;
    log(`   webhook: p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms over ${webhook.length} commits`);
    log(`   polling (interval ${pollIntervalS}s, baseline): mean ${pollMean.toFixed(0)} ms over ${polling.length} commits; webhook p50 is ${(pollMean / p50).toFixed(1)}x faster`);
    await applySource('polled', { url: polled.url, ref: { branch: 'main' }, interval: '1h' });

    // 2. 1,000 objects.
    log('2. Sync of 1,000 objects');
    const objects = 1000;
    const files: Record<string, string> = {};
    for (let f = 0; f < 20; f++) files[`models/batch-${f}.yaml`] = Array.from({ length: objects / 20 }, (_, j) => modelVersion(f * (objects / 20) + j)).join('---\n');
    const big = await makeRepo(files);
    repos.push(big);
    const before = memory(operator.pid);
    const busy = { operator: operator.pid, 'kube-apiserver': plane.components.get('kube-apiserver')!.pid, etcd: plane.components.get('etcd')!.pid };
    const cpu0 = Object.fromEntries(Object.entries(busy).map(([name, pid]) => [name, cpuSeconds(pid)]));
    const t0 = performance.now();
    await applySource('big', { url: big.url, ref: { branch: 'main' }, interval: '1h' });
    await until('1000 objects', async () => ((await revisionOf('big'))?.inventory?.count === objects ? true : undefined), 600_000, 100);
    const syncS = (performance.now() - t0) / 1000;
    const cpu = Object.entries(busy).map(([name, pid]) => `${name} ${(cpuSeconds(pid) - cpu0[name]!).toFixed(1)} s`).join(', ');
    const after = memory(operator.pid);
    const k0 = performance.now();
    await run(join(binDir, 'kubectl'), ['--kubeconfig', plane.kubeconfigPath, 'apply', '--server-side', '--field-manager=bench-kubectl', '-n', 'bench-kubectl', '-R', '-f', join(big.dir, 'models')], { maxBuffer: 64 * 1024 * 1024 });
    const kubectlS = (performance.now() - k0) / 1000;
    const rate = objects / syncS;
    log(`   cairn: ${objects} objects in ${syncS.toFixed(1)} s = ${rate.toFixed(0)} objects/s (fetch, parse, validate, apply, status)`);
    log(`   kubectl apply --server-side (baseline, same objects): ${kubectlS.toFixed(1)} s = ${(objects / kubectlS).toFixed(0)} objects/s; cairn/kubectl = ${(rate / (objects / kubectlS)).toFixed(2)}`);
    log(`   operator RSS: ${idleMemory.rssMiB.toFixed(0)} MiB at start, ${before.rssMiB.toFixed(0)} MiB before, peak ${after.peakMiB.toFixed(0)} MiB`);
    log(`   operator after the sync: ${await memoryLine()}`);
    log(`   CPU used during the sync (${syncS.toFixed(1)} s on ${availableParallelism()} cores): ${cpu}`);

    // 3. Idle: every source resyncs every 5 s and finds nothing to change.
    log('3. Idle writes (60 s, three sources resyncing every 5 s, 1,002 objects in sync)');
    for (const [name, repo] of [['hooked', hooked], ['polled', polled], ['big', big]] as const) {
      await applySource(name, { url: repo.url, ref: { branch: 'main' }, interval: '5s', ...(name === 'hooked' ? { secretRef: { name: 'hook' } } : {}) });
    }
    // Let the earlier phases settle: status writes, and Event count updates, which the recorder flushes at most
    // every 30 s. What is written after that comes from idle syncing alone.
    await sleep(35_000);
    const reconcilesOf = async () => {
      const text = await (await fetch(`${address}/metrics`)).text();
      return [...text.matchAll(/^cairn_reconcile_total\{controller="gitsource",result="[a-z]+"\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    };
    const w0 = await apiWrites(plane);
    const r0 = await reconcilesOf();
    await sleep(60_000);
    const allDiff = diff(await apiWrites(plane), w0);
    const idleDiff = operatorWrites(allDiff);
    const idleWrites = total(idleDiff);
    const allWrites = total(allDiff);
    const idleReconciles = (await reconcilesOf()) - r0;
    log(`   ${idleWrites} API writes during ${idleReconciles} reconciles (cairn.dev objects and Events, from apiserver_request_total)${idleWrites ? `: ${[...idleDiff].map(([k, n]) => `${n} ${k}`).join(', ')}` : ''}`);
    log(`   all clients of the API server (baseline: leases, node status, ...): ${allWrites} writes in the same 60 s`);
    log(`   operator at the end of the idle phase: ${await memoryLine()}`);
    const idleEnd = memory(operator.pid);
    const peakMiB = idleEnd.peakMiB; // VmHWM: the high-water mark over the whole run

    const kubectlRate = objects / kubectlS;
    const row = (what: string, figure: string, baseline: string, goal: string, ok?: boolean) =>
      log(`  ${what.padEnd(34)}${figure.padEnd(12)}${baseline.padEnd(42)}${goal.padEnd(14)}${ok === undefined ? '' : ok ? 'ok' : 'MISSED'}`);
    log('');
    row('Summary', 'figure', 'baseline (measured in this run)', 'goal');
    row('webhook commit-to-applied p50', `${p50.toFixed(0)} ms`, `polling every ${pollIntervalS} s: mean ${pollMean.toFixed(0)} ms`, '<= 150 ms', p50 <= 150);
    row('webhook commit-to-applied p99', `${p99.toFixed(0)} ms`, '', '');
    row('sync of 1,000 objects', `${rate.toFixed(0)} obj/s`, `kubectl apply --server-side: ${kubectlRate.toFixed(0)} obj/s`, '>= 150 obj/s', rate >= 150);
    row('operator peak RSS (whole run)', `${peakMiB.toFixed(0)} MiB`, `operator at start: ${idleMemory.rssMiB.toFixed(0)} MiB`, '<= 150 MiB', peakMiB <= 150);
    row('API writes during 60 s idle', String(idleWrites), `all clients: ${allWrites} writes`, '0', idleWrites === 0);
    log(`  (RSS: ${idleMemory.rssMiB.toFixed(0)} MiB at start, peak ${after.peakMiB.toFixed(0)} MiB after the 1,000-object sync, ${idleEnd.rssMiB.toFixed(0)} MiB at the end of the idle phase)`);
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(
      join(root, 'bench', 'results', 'gitops.json'),
      JSON.stringify({ webhookMs: webhook, pollingMs: polling, p50, p99, pollIntervalS, objects, syncS, kubectlS, rate, memory: { idle: idleMemory, before, after, idleEnd }, idleWrites, idleWritesByKind: Object.fromEntries(idleDiff), allIdleWrites: allWrites, idleReconciles }, null, 2),
    );
  } finally {
    await plane.stop();
    repos.forEach((r) => r.remove());
    clearInterval(keepAlive);
  }
}

main().catch((error) => {
  process.stderr.write(`bench:gitops failed: ${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
});

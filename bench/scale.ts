/**
 * `npm run bench:scale`: the operator at 10,000 cairn.dev objects in 100 namespaces, beside the same figures at
 * 1,000 (10 namespaces) measured in the same run, each size on a fresh real control plane with the operator compiled
 * (dist/) in a child process, every controller on, all namespaces watched. The objects (bench/scale-objects.ts)
 * settle with one status write each and no pod. Per size:
 *   1. create: parallel server-side applies (the API server on 2 cores is the bottleneck; reported on its own);
 *   2. settle: until every object shows a Ready condition for its generation: reconciles/s, the operator's CPU per
 *      object, its peak RSS (VmHWM), and the event-to-reconcile-start latency of the burst;
 *   3. steady: `--idle-s` with nothing changing (waiting objects are looked at again every 15 to 30 s): settled RSS
 *      (VmRSS), reconciles/s, CPU;
 *   4. touch: annotation patches of `--touch` Deployments and Experiments, paced, spread over the namespaces: the
 *      event-to-reconcile-start latency p50/p99 from cairn_reconcile_start_latency_seconds (the operator's own clock,
 *      from the watch event that queued a key to its reconcile's start).
 * Goals (issue 15, point 7): RSS <= 300 MiB at 10,000; p99 <= 100 ms; cost per object at 10,000 no higher than at
 * 1,000 (read here as: within 1.25x, for RSS growth and CPU per object).
 */
import '../src/testenv/node-compat.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cairnResource } from '../src/controllers/resources.js';
import { installCrds, pollUntil, startOperatorInPlane } from '../src/demo/cluster.js';
import { HttpKubeClient } from '../src/runtime/kube/http-client.js';
import { builtin } from '../src/runtime/kube/resource.js';
import { ensureBinaries, startControlPlane } from '../src/testenv/index.js';
import { ensureCompiledCairn } from '../src/dev/compiled.js';
import { heapMiB, histogramBetween, scrape, total } from './operator-metrics.js';
import { cpuSeconds, memory } from './process.js';
import { SCALE_KINDS, scaleObjects, type ScaleObject } from './scale-objects.js';
import { watchSettled } from './settled.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const log = (line: string) => process.stdout.write(line + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const START_LATENCY = 'cairn_reconcile_start_latency_seconds';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000' },
    rounds: { type: 'string', default: '1' },
    'idle-s': { type: 'string', default: '60' },
    touch: { type: 'string', default: '200' },
    'touch-per-s': { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '32' },
    'node-options': { type: 'string', default: '' },
  },
});
const positive = (name: keyof typeof args) => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`bench:scale: --${name} must be a positive integer, got "${String(args[name])}"`);
  return n;
};

interface Figures {
  objects: number;
  namespaces: number;
  createS: number;
  settleS: number;
  startMiB: number;
  /** The V8 heap used with no objects yet. */
  startHeapMiB: number;
  peakMiB: number;
  settledMiB: number;
  /** The V8 heap at the end of the steady phase: used / reserved. */
  heap: { usedMiB: number; totalMiB: number };
  settleReconcilesPerS: number;
  settleCpuS: number;
  apiserverCpuS: number;
  etcdCpuS: number;
  steadyReconcilesPerS: number;
  steadyCpuS: number;
  burst: { p50?: number; p99?: number; count: number };
  touch: { p50?: number; p99?: number; count: number };
  statusWrites: number;
  load: string;
}

/** Server-side applies `objects` with `concurrency` requests in flight. */
async function createAll(kube: HttpKubeClient, objects: readonly ScaleObject[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < objects.length) {
      const { kind, object } = objects[next++]!;
      await kube.apply(cairnResource(kind), object, { fieldManager: 'bench' });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function measure(total_: number, binDir: string): Promise<Figures> {
  const { namespaces, objects } = scaleObjects(total_);
  log(`\n${total_.toLocaleString('en')} objects in ${namespaces.length} namespaces (load ${load()})`);
  const plane = await startControlPlane({ binDir, logger: { info: () => undefined, warn: () => undefined, error: (m) => log(`  error: ${m}`) }, kwokNodes: 1 });
  try {
    const kube = new HttpKubeClient(plane.kubeConfig());
    await installCrds(kube, join(root, 'crds'), 'bench', { timeoutMs: 60_000 });
    await Promise.all(namespaces.map((name) => kube.apply(builtin.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, { fieldManager: 'bench' })));
    const { process: operator, address } = await startOperatorInPlane(plane, root, {
      podName: 'bench-scale',
      // As in production: file:// artifacts are refused (the Datasets and ModelVersions stall on them).
      extraArgs: ['--allow-file-urls=false', '--log-level', 'info'],
      env: { CAIRN_FROM_DIST: '1', ...(args['node-options'] ? { NODE_OPTIONS: args['node-options'] } : {}) },
      poll: { timeoutMs: 120_000 },
    });
    await pollUntil('the operator to be ready', async () => ((await fetch(`${address}/readyz`)).ok ? true : undefined), { timeoutMs: 120_000 });
    const busy = { operator: operator.pid, apiserver: plane.components.get('kube-apiserver')!.pid, etcd: plane.components.get('etcd')!.pid };
    const cpu = () => ({ operator: cpuSeconds(busy.operator), apiserver: cpuSeconds(busy.apiserver), etcd: cpuSeconds(busy.etcd) });
    const startMiB = memory(operator.pid).rssMiB;
    const startHeapMiB = heapMiB(await scrape(address)).usedMiB;
    const settled = await watchSettled(kube, SCALE_KINDS.map(cairnResource));

    // 1 and 2: create, settle.
    const m0 = await scrape(address);
    const cpu0 = cpu();
    const t0 = performance.now();
    await createAll(kube, objects, positive('concurrency'));
    const createS = (performance.now() - t0) / 1000;
    log(`  created in ${createS.toFixed(1)} s (${(total_ / createS).toFixed(0)} objects/s, ${positive('concurrency')} applies in flight); ${settled.count()} settled so far`);
    await settled.reached(total_, 1_800_000);
    const settleS = (performance.now() - t0) / 1000;
    const m1 = await scrape(address);
    const cpu1 = cpu();
    const settlePeakMiB = memory(operator.pid).peakMiB;
    const reconciles = (m: typeof m0) => total(m, 'cairn_reconcile_total');
    const burst = histogramBetween(m0, m1, START_LATENCY);
    log(`  settled as: ${[...settled.states()].sort().map(([state, count]) => `${count} ${state}`).join(', ')}`);
    log(`  settled in ${settleS.toFixed(1)} s: ${(reconciles(m1) - reconciles(m0)).toFixed(0)} reconciles, operator CPU ${(cpu1.operator - cpu0.operator).toFixed(1)} s, peak RSS ${settlePeakMiB.toFixed(0)} MiB`);

    // 3: steady.
    const idleS = positive('idle-s');
    await sleep(idleS * 1000);
    const m2 = await scrape(address);
    const cpu2 = cpu();
    const settledMiB = memory(operator.pid).rssMiB;
    const heap = heapMiB(m2);
    log(`  steady ${idleS} s: ${((reconciles(m2) - reconciles(m1)) / idleS).toFixed(0)} reconciles/s, operator CPU ${(cpu2.operator - cpu1.operator).toFixed(1)} s, RSS ${settledMiB.toFixed(0)} MiB (V8 heap ${heap.usedMiB.toFixed(0)} MiB used of ${heap.totalMiB.toFixed(0)})`);

    // 4: touch.
    const candidates = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'Experiment');
    const touchCount = Math.min(positive('touch'), candidates.length);
    const stride = candidates.length / touchCount;
    const sample = Array.from({ length: touchCount }, (_, i) => candidates[Math.floor(i * stride)]!);
    const gapMs = 1000 / positive('touch-per-s');
    const counted = (m: typeof m0) => histogramBetween(m2, m, START_LATENCY).count;
    for (const [i, { kind, object }] of sample.entries()) {
      const due = performance.now() + gapMs;
      await kube.patch(cairnResource(kind), object.metadata!.name!, object.metadata!.namespace, { metadata: { annotations: { 'bench.cairn.dev/touch': String(i) } } }, { type: 'merge' });
      await sleep(Math.max(0, due - performance.now()));
    }
    const m3 = await pollUntil('the reconciles of the touched objects', async () => {
      const m = await scrape(address);
      return counted(m) >= touchCount ? m : undefined;
    }, { timeoutMs: 120_000, everyMs: 500 });
    const touch = histogramBetween(m2, m3, START_LATENCY);
    const peakMiB = memory(operator.pid).peakMiB; // the high-water mark of the whole run
    settled.stop();
    const ms = (s: number | undefined) => (s === undefined ? undefined : s * 1000);
    return {
      objects: total_,
      namespaces: namespaces.length,
      createS,
      settleS,
      startMiB,
      startHeapMiB,
      peakMiB,
      settledMiB,
      heap,
      settleReconcilesPerS: (reconciles(m1) - reconciles(m0)) / settleS,
      settleCpuS: cpu1.operator - cpu0.operator,
      apiserverCpuS: cpu1.apiserver - cpu0.apiserver,
      etcdCpuS: cpu1.etcd - cpu0.etcd,
      steadyReconcilesPerS: (reconciles(m2) - reconciles(m1)) / idleS,
      steadyCpuS: cpu2.operator - cpu1.operator,
      burst: { p50: ms(burst.quantile(0.5)), p99: ms(burst.quantile(0.99)), count: burst.count },
      touch: { p50: ms(touch.quantile(0.5)), p99: ms(touch.quantile(0.99)), count: touch.count },
      statusWrites: total(m3, 'cairn_status_writes_total'),
      load: load(),
    };
  } finally {
    await plane.stop();
  }
}

function summary(large: Figures, small: Figures): void {
  const n = large.objects;
  const b = small.objects;
  const perObject = (f: Figures) => ({
    rssKiB: ((f.settledMiB - f.startMiB) * 1024) / f.objects,
    heapKiB: ((f.heap.usedMiB - f.startHeapMiB) * 1024) / f.objects,
    cpuMs: (f.settleCpuS * 1000) / f.objects,
    steadyCpuMs: (f.steadyCpuS * 1000) / f.objects,
  });
  const [pl, ps] = [perObject(large), perObject(small)];
  const ratio = (a: number, c: number) => (c > 0 ? a / c : Number.NaN);
  const fmt = (v: number | undefined, unit: string, digits = 0) => (v === undefined ? 'n/a' : `${v.toFixed(digits)} ${unit}`);
  // The histogram's last finite bound: a quantile there lies beyond it.
  const fmtLatency = (v: number | undefined) => (v !== undefined && v >= 120_000 ? '> 120 s' : fmt(v, 'ms'));
  const row = (what: string, figure: string, baseline: string, goal: string, ok?: boolean) =>
    log(`  ${what.padEnd(42)}${figure.padEnd(16)}${baseline.padEnd(16)}${goal.padEnd(26)}${ok === undefined ? '' : ok ? 'ok' : 'MISSED'}`);
  const grows = ratio(pl.rssKiB, ps.rssKiB);
  const cpuGrows = ratio(pl.cpuMs, ps.cpuMs);
  log('');
  row('Summary', `at ${n.toLocaleString('en')}`, `at ${b.toLocaleString('en')}`, 'goal');
  row('operator RSS, settled (VmRSS)', fmt(large.settledMiB, 'MiB'), fmt(small.settledMiB, 'MiB'), '<= 300 MiB at 10,000', large.settledMiB <= 300);
  row('operator RSS, peak of the run (VmHWM)', fmt(large.peakMiB, 'MiB'), fmt(small.peakMiB, 'MiB'), '<= 300 MiB at 10,000', large.peakMiB <= 300);
  row('  V8 heap used / reserved, steady', `${large.heap.usedMiB.toFixed(0)} / ${large.heap.totalMiB.toFixed(0)} MiB`, `${small.heap.usedMiB.toFixed(0)} / ${small.heap.totalMiB.toFixed(0)} MiB`, '');
  row('operator RSS at start (no objects)', fmt(large.startMiB, 'MiB'), fmt(small.startMiB, 'MiB'), '');
  row('RSS growth per object', fmt(pl.rssKiB, 'KiB', 1), fmt(ps.rssKiB, 'KiB', 1), `ratio ${grows.toFixed(2)} <= 1.25`, grows <= 1.25);
  row('  V8 heap used per object (steady - start)', fmt(pl.heapKiB, 'KiB', 1), fmt(ps.heapKiB, 'KiB', 1), `ratio ${ratio(pl.heapKiB, ps.heapKiB).toFixed(2)}`);
  row('operator CPU per object, settling', fmt(pl.cpuMs, 'ms', 2), fmt(ps.cpuMs, 'ms', 2), `ratio ${cpuGrows.toFixed(2)} <= 1.25`, cpuGrows <= 1.25);
  row('operator CPU per object per minute, steady', fmt((pl.steadyCpuMs * 60) / positive('idle-s'), 'ms', 3), fmt((ps.steadyCpuMs * 60) / positive('idle-s'), 'ms', 3), '');
  row('reconciles/s while settling', fmt(large.settleReconcilesPerS, '/s'), fmt(small.settleReconcilesPerS, '/s'), '');
  row('reconciles/s, steady', fmt(large.steadyReconcilesPerS, '/s'), fmt(small.steadyReconcilesPerS, '/s'), '');
  row(`event-to-reconcile-start p50 (touch)`, fmt(large.touch.p50, 'ms', 1), fmt(small.touch.p50, 'ms', 1), '');
  row(`event-to-reconcile-start p99 (touch)`, fmt(large.touch.p99, 'ms', 1), fmt(small.touch.p99, 'ms', 1), '<= 100 ms', (large.touch.p99 ?? Infinity) <= 100);
  row('  the same during the create burst, p50', fmtLatency(large.burst.p50), fmtLatency(small.burst.p50), '');
  row('  the same during the create burst, p99', fmtLatency(large.burst.p99), fmtLatency(small.burst.p99), '');
  row('create (server-side apply, bench)', fmt(large.objects / large.createS, 'obj/s'), fmt(small.objects / small.createS, 'obj/s'), '');
  row('create to all settled', fmt(large.settleS, 's', 1), fmt(small.settleS, 's', 1), '');
  row('API server / etcd CPU while settling', `${large.apiserverCpuS.toFixed(0)} / ${large.etcdCpuS.toFixed(0)} s`, `${small.apiserverCpuS.toFixed(0)} / ${small.etcdCpuS.toFixed(0)} s`, '');
  log(`  (touch: ${large.touch.count} and ${small.touch.count} reconciles; load average at the end of each size: ${large.load} and ${small.load}; ${availableParallelism()} cores)`);
}

async function main(): Promise<void> {
  const sizes = String(args.sizes).split(',').map(Number);
  if (sizes.length !== 2 || sizes.some((s) => !Number.isInteger(s) || s <= 0)) throw new Error(`bench:scale: --sizes takes two sizes, baseline first (e.g. 1000,10000), got "${String(args.sizes)}"`);
  log('Cairn scale benchmark (a real control plane on loopback per size; every figure measured in this run)');
  log(`load average at start: ${load()}`);
  const build = await ensureCompiledCairn({ root, say: log });
  if (build.typeErrors !== undefined) throw new Error(`npm run build reported type errors:\n${build.typeErrors}`);
  const binDir = await ensureBinaries({ root, logger: { info: (m) => log(`  ${m}`), warn: (m) => log(`  warning: ${m}`), error: (m) => log(`  error: ${m}`) } });
  const results: Figures[][] = [];
  for (let round = 0; round < positive('rounds'); round++) {
    const small = await measure(sizes[0]!, binDir);
    const large = await measure(sizes[1]!, binDir);
    results.push([small, large]);
    summary(large, small);
  }
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', 'scale.json'), JSON.stringify({ args, results }, null, 2));
}

const keepAlive = setInterval(() => undefined, 60_000);
main()
  .catch((error) => {
    process.stderr.write(`bench:scale failed: ${(error as Error).stack ?? error}\n`);
    process.exitCode = 1;
  })
  .finally(() => clearInterval(keepAlive));

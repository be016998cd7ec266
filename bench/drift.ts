/**
 * `npm run bench:drift` (issue 14): the drift statistics of src/drift alone, each figure beside a baseline from the
 * same run and its goal.
 *
 * 1. Scoring 100 features x 1,000,000 samples: counting each feature's samples into its 10 profile bins (the
 *    serving runtime's rule) and scoring the bins with the DriftMonitor's default check (psi), the counting split
 *    across one worker thread per core, beside the same in this thread and one plain pass over the same samples
 *    (their sum). Goal: <= 1 s.
 * 2. False alarms over 1,000 windows without drift at sizes 100, 1,000 and 10,000: baseline and windows are
 *    independent draws of one normal distribution, the baseline's 10 quantile bins as a profile has them; each
 *    numeric method at the monitor's thresholds, beside a bare `PSI >= 0.1` on the same windows. Goal: <= 1%.
 * 3. Windows to detect a 0.25-sigma mean shift at window 1,000: successive windows of N(0.25, 1) against the
 *    N(0, 1) baseline until one is called drifted, repeated 200 times; beside the bare `PSI >= 0.1`. Goal: within 2.
 * 4. Serving throughput with feature histograms, the prediction store and sampled prediction logs on, beside the
 *    same server with them off (bench/drift-serving.ts). Goal: >= 0.9x.
 *
 * Seeded: the same figures of 2 and 3 on every run; the times of 1 are this machine's.
 * `npm run bench:drift -- --figures 1,4` runs only those figures.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { servingThroughput } from './drift-serving.js';
import { countIntoBins, criteriaOf, DEFAULT_NUMERIC_CHECK, psiStatistic, scoreNumeric, type CheckSpec } from '../src/drift/index.js';
import { mulberry32 } from '../src/drift/simulated-null.js';
import { countInThisThread, startBinCountThreads, type BinCounter } from '../src/drift/bin-count-threads.js';

const BASELINE_SIZE = 50_000;
const BINS = 10;


/** n draws of N(mean, 1) (Box-Muller), into `out` when given. */
function normals(random: () => number, n: number, mean = 0, out: Float64Array<ArrayBufferLike> = new Float64Array(n)): Float64Array<ArrayBufferLike> {
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const theta = 2 * Math.PI * random();
    out[i] = mean + r * Math.cos(theta);
    if (i + 1 < n) out[i + 1] = mean + r * Math.sin(theta);
  }
  return out;
}

/** A profile's bins of a sample: quantile edges (numpy's linear method), counts on them. */
function profileBins(sample: Float64Array): { edges: number[]; counts: number[] } {
  const sorted = Float64Array.from(sample).sort();
  const edges = Array.from({ length: BINS + 1 }, (_, k) => {
    const h = (k / BINS) * (sorted.length - 1);
    const lo = Math.floor(h);
    return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]!) - sorted[lo]!);
  });
  return { edges, counts: countIntoBins(edges, sample) };
}

const ms = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
/** CPU time of this process since `start` (ms): on a shared machine, wall time also counts the waits for a core. */
const cpuMs = (start: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};
const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
const verdict = (ok: boolean) => (ok ? 'meets the goal' : 'MISSES the goal');

/** The time and CPU of one step, summed over the measured batches. */
class Meter {
  wallMs = 0;
  cpuMs = 0;
  async time<T>(step: () => T | Promise<T>, counted: boolean): Promise<T> {
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage(); // the whole process: the counting threads' CPU too
    const result = await step();
    if (counted) {
      this.wallMs += ms(start);
      this.cpuMs += cpuMs(cpu);
    }
    return result;
  }
}

/**
 * Figure 1, in batches of features whose samples sit in SharedArrayBuffers; per batch, in alternating order: one
 * plain pass (the baseline), the scoring in this thread (the previous way), and the scoring with the counting in
 * worker threads (bin-count-threads.ts). Both scorings must give the same counts.
 */
async function scoring(): Promise<void> {
  const FEATURES = 100;
  const SAMPLES = 1_000_000;
  const BATCH = 10;
  const random = mulberry32(1);
  const bins = profileBins(normals(random, BASELINE_SIZE));
  const criteria = criteriaOf({ name: 'x', ...DEFAULT_NUMERIC_CHECK });
  const threads = availableParallelism();
  const threaded = await startBinCountThreads(threads);
  const plain = new Meter();
  const single = new Meter();
  const parallel = new Meter();
  let sink = 0;
  const score = async (counter: BinCounter, batch: Float64Array[]) => {
    const counts = await counter.countAll(batch.map((values) => ({ edges: bins.edges, values })));
    return counts.map((live) => scoreNumeric('psi', bins, live, criteria).statistic);
  };
  try {
    // batch -1 warms the JIT and the threads up
    for (let b = -1; b < FEATURES / BATCH; b++) {
      const batch = Array.from({ length: BATCH }, (_, i) => normals(random, SAMPLES, (b * BATCH + i) % 3 === 0 ? 0.1 : 0, new Float64Array(new SharedArrayBuffer(SAMPLES * 8))));
      const steps = {
        plain: () =>
          plain.time(() => {
            for (const values of batch) {
              let sum = 0;
              for (let i = 0; i < values.length; i++) sum += values[i]!;
              sink += sum;
            }
          }, b >= 0),
        single: () => single.time(() => score(countInThisThread, batch), b >= 0),
        parallel: () => parallel.time(() => score(threaded, batch), b >= 0),
      };
      const order = b % 2 === 0 ? (['plain', 'single', 'parallel'] as const) : (['parallel', 'single', 'plain'] as const);
      const scores: Partial<Record<'single' | 'parallel', number[]>> = {};
      for (const step of order) {
        const result = await steps[step]();
        if (step !== 'plain') scores[step] = result as number[];
      }
      if (JSON.stringify(scores.single) !== JSON.stringify(scores.parallel)) throw new Error(`batch ${b}: the threads scored ${String(scores.parallel)}, this thread ${String(scores.single)}`);
      sink += scores.single![0]!;
    }
  } finally {
    await threaded.close();
  }
  const values = FEATURES * SAMPLES;
  const row = (name: string, m: Meter, note = '') => `   ${name.padEnd(30)}${m.wallMs.toFixed(0).padStart(8)}  ${m.cpuMs.toFixed(0).padStart(7)}  ${((m.cpuMs * 1e6) / values).toFixed(2).padStart(8)}${note}`;
  console.log(`\n1. Scoring ${FEATURES} features x ${SAMPLES.toLocaleString('en')} samples (count into bins + psi), ${FEATURES / BATCH} batches of ${BATCH} features in alternating order`);
  console.log(`   ${''.padEnd(30)} wall ms   CPU ms  CPU ns/value`);
  console.log(row(`scoring, counted in ${threads} threads`, parallel, `   (${(parallel.wallMs / plain.wallMs).toFixed(1)}x wall, ${(parallel.cpuMs / plain.cpuMs).toFixed(1)}x CPU; this thread's wall / the threads' wall: ${(single.wallMs / parallel.wallMs).toFixed(2)})`));
  console.log(row('scoring in this thread', single, `   (${(single.wallMs / plain.wallMs).toFixed(1)}x wall, ${(single.cpuMs / plain.cpuMs).toFixed(1)}x CPU)`));
  console.log(row('one plain pass (baseline)', plain, '   (the sum of the same samples)'));
  console.log(`   equal scores from both ways on all ${FEATURES} features${sink === 42 ? '' : ''}`);
  console.log(`   goal <= 1000 ms (wall, ${threads} threads): ${verdict(parallel.wallMs <= 1000)}; in this thread: ${verdict(single.wallMs <= 1000)}`);
  console.log(`   load: ${execFileSync('uptime').toString().trim()}`);
}

const methods: CheckSpec[] = [
  { name: `psi (default: ${DEFAULT_NUMERIC_CHECK.threshold})`, ...DEFAULT_NUMERIC_CHECK },
  { name: 'psi 0.1', method: 'psi', threshold: 0.1 },
  { name: 'ks (p < 0.01)', method: 'ks', threshold: 0.01 },
  { name: 'jensenShannon 0', method: 'jensenShannon', threshold: 0 },
  { name: 'wasserstein 0', method: 'wasserstein', threshold: 0 },
];

function falseAlarms(): void {
  const WINDOWS = 1000;
  console.log(`\n2. False alarms over ${WINDOWS.toLocaleString('en')} windows without drift (baseline ${BASELINE_SIZE.toLocaleString('en')} draws of N(0,1), ${BINS} quantile bins; alpha 1%)`);
  console.log(`   ${'window'.padEnd(8)}${methods.map((m) => m.name.padStart(22)).join('')}${'bare PSI >= 0.1'.padStart(20)}`);
  let worst = 0;
  for (const size of [100, 1_000, 10_000]) {
    const random = mulberry32(size);
    const bins = profileBins(normals(random, BASELINE_SIZE));
    const alarms = methods.map(() => 0);
    let bare = 0;
    for (let w = 0; w < WINDOWS; w++) {
      const live = countIntoBins(bins.edges, normals(random, size));
      methods.forEach((m, i) => {
        if (scoreNumeric(m.method, bins, live, criteriaOf(m)).drifted) alarms[i]!++;
      });
      if (psiStatistic(bins.counts, live).psi >= 0.1) bare++;
    }
    worst = Math.max(worst, ...alarms.map((a) => a / WINDOWS));
    console.log(`   ${size.toLocaleString('en').padEnd(8)}${alarms.map((a) => percent(a / WINDOWS).padStart(22)).join('')}${percent(bare / WINDOWS).padStart(20)}`);
  }
  console.log(`   goal <= 1% at every size: ${verdict(worst <= 0.01)} (worst ${percent(worst)}; the baseline is the bare constant threshold)`);
}

function detection(): void {
  const REPEATS = 200;
  const WINDOW = 1_000;
  const CAP = 50;
  const random = mulberry32(7);
  const bins = profileBins(normals(random, BASELINE_SIZE));
  const rules = [...methods.map((m) => ({ name: m.name, drifted: (live: number[]) => scoreNumeric(m.method, bins, live, criteriaOf(m)).drifted })), { name: 'bare PSI >= 0.1', drifted: (live: number[]) => psiStatistic(bins.counts, live).psi >= 0.1 }];
  const needed = rules.map(() => [] as number[]);
  for (let r = 0; r < REPEATS; r++) {
    const windows: number[][] = [];
    rules.forEach((rule, i) => {
      let n = 1;
      for (; n <= CAP; n++) {
        windows[n - 1] ??= countIntoBins(bins.edges, normals(random, WINDOW, 0.25));
        if (rule.drifted(windows[n - 1]!)) break;
      }
      needed[i]!.push(n);
    });
  }
  const at = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]!;
  const shown = (n: number) => (n > CAP ? `never (> ${CAP})` : String(n));
  console.log(`\n3. Windows of ${WINDOW.toLocaleString('en')} to detect a 0.25-sigma mean shift (${REPEATS} repetitions; median / p99 / max)`);
  rules.forEach((rule, i) => console.log(`   ${rule.name.padEnd(22)} ${shown(at(needed[i]!, 0.5))} / ${shown(at(needed[i]!, 0.99))} / ${shown(Math.max(...needed[i]!))}`));
  const p99 = at(needed[0]!, 0.99);
  console.log(`   goal within 2 windows (the default check, p99): ${verdict(p99 <= 2)}`);
}

const { values: args } = parseArgs({ options: { figures: { type: 'string', default: '1,2,3,4' } } });
const figures = new Set(args.figures.split(',').map((f) => f.trim()));
const unknown = [...figures].filter((f) => !['1', '2', '3', '4'].includes(f));
if (unknown.length > 0) throw new Error(`--figures ${args.figures}: no figure ${unknown.join(', ')} (the figures are 1, 2, 3 and 4)`);
console.log(`bench:drift on ${process.version}, ${new Date().toISOString()}, ${availableParallelism()} cores; load: ${execFileSync('uptime').toString().trim()}`);
if (figures.has('1')) await scoring();
if (figures.has('2')) falseAlarms();
if (figures.has('3')) detection();
if (figures.has('4')) await servingThroughput();

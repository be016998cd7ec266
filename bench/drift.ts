/**
 * `npm run bench:drift` (issue 14): the drift statistics of src/drift alone, each figure beside a baseline from the
 * same run and its goal.
 *
 * 1. Scoring 100 features x 1,000,000 samples: counting each feature's samples into its 10 profile bins (the
 *    serving runtime's rule) and scoring the bins with the DriftMonitor's default check (psi), beside one plain
 *    pass over the same samples (their sum). Goal: <= 1 s.
 * 2. False alarms over 1,000 windows without drift at sizes 100, 1,000 and 10,000: baseline and windows are
 *    independent draws of one normal distribution, the baseline's 10 quantile bins as a profile has them; each
 *    numeric method at the monitor's thresholds, beside a bare `PSI >= 0.1` on the same windows. Goal: <= 1%.
 * 3. Windows to detect a 0.25-sigma mean shift at window 1,000: successive windows of N(0.25, 1) against the
 *    N(0, 1) baseline until one is called drifted, repeated 200 times; beside the bare `PSI >= 0.1`. Goal: within 2.
 * 4. Serving throughput with feature histograms, the prediction store and sampled prediction logs on, beside the
 *    same server with them off (bench/drift-serving.ts). Goal: >= 0.9x.
 *
 * Seeded: the same figures of 2 and 3 on every run; the times of 1 are this machine's.
 */
import { execFileSync } from 'node:child_process';
import { servingThroughput } from './drift-serving.js';
import { countIntoBins, criteriaOf, DEFAULT_NUMERIC_CHECK, psiStatistic, scoreNumeric, type CheckSpec } from '../src/drift/index.js';
import { mulberry32 } from '../src/drift/simulated-null.js';

const BASELINE_SIZE = 50_000;
const BINS = 10;


/** n draws of N(mean, 1) (Box-Muller). */
function normals(random: () => number, n: number, mean = 0): Float64Array {
  const out = new Float64Array(n);
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

function scoring(): void {
  const FEATURES = 100;
  const SAMPLES = 1_000_000;
  const random = mulberry32(1);
  const bins = profileBins(normals(random, BASELINE_SIZE));
  const criteria = criteriaOf({ name: 'x', ...DEFAULT_NUMERIC_CHECK });
  let scoringMs = 0;
  let plainMs = 0;
  let scoringCpu = 0;
  let plainCpu = 0;
  let sink = 0;
  for (let f = -1; f < FEATURES; f++) {
    const values = normals(random, SAMPLES, f % 3 === 0 ? 0.1 : 0);
    let start = process.hrtime.bigint();
    let cpu = process.cpuUsage();
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i]!;
    const plain = [ms(start), cpuMs(cpu)];
    start = process.hrtime.bigint();
    cpu = process.cpuUsage();
    const test = scoreNumeric('psi', bins, countIntoBins(bins.edges, values), criteria);
    const scored = [ms(start), cpuMs(cpu)];
    sink += sum + test.statistic;
    if (f >= 0) {
      // f = -1 warms the JIT up
      plainMs += plain[0]!;
      plainCpu += plain[1]!;
      scoringMs += scored[0]!;
      scoringCpu += scored[1]!;
    }
  }
  console.log(`\n1. Scoring ${FEATURES} features x ${SAMPLES.toLocaleString('en')} samples (count into bins + psi)`);
  console.log(`                    wall ms   CPU ms`);
  console.log(`   scoring          ${scoringMs.toFixed(0).padStart(7)}  ${scoringCpu.toFixed(0).padStart(7)}`);
  console.log(`   one plain pass   ${plainMs.toFixed(0).padStart(7)}  ${plainCpu.toFixed(0).padStart(7)}   (baseline: the sum of the same samples; ratio ${(scoringMs / plainMs).toFixed(1)}x wall, ${(scoringCpu / plainCpu).toFixed(1)}x CPU)`);
  console.log(`   goal <= 1000 ms (wall): ${verdict(scoringMs <= 1000)}${sink === 42 ? '' : ''}`);
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

console.log(`bench:drift on ${process.version}, ${new Date().toISOString()}; load: ${execFileSync('uptime').toString().trim()}`);
scoring();
falseAlarms();
detection();
await servingThroughput();

/**
 * `npm run bench:training`: `cairn profile` on 1,000,000 rows x 10 features (+ the target), csv and parquet, beside
 * pandas on the same files in the same run (issue 11). Each tool runs as a child process; its peak RSS is the VmHWM
 * of /proc/<pid>/status, read until it exits. pandas does read_csv / read_parquet, np.quantile of every numeric
 * column and value_counts of every categorical one (no validation, no right-closed counts: less work than cairn).
 *
 * cairn runs as the profile Job runs it: compiled (dist/, CAIRN_FROM_DIST=1, no compiler in the process) with its
 * V8 heap capped as in a 256 MiB container (NODE_OPTIONS=--max-old-space-size=128; Node sizes the heap from the
 * cgroup's limit the same way). Without the cap V8 lets garbage accumulate far past what is live, which the bench
 * also prints (one run).
 *
 * Goals: cairn at least as fast as pandas on csv (rows/s), and a peak RSS <= 256 MiB at any size. Each figure is the
 * median of RUNS runs, tools interleaved so both see the same moments of a shared machine.
 *
 * The second part (bench/training-overhead.ts) measures the Experiment controller's overhead per trial on a local
 * cluster: 100 trials of a trainer that exits at once, parallelism 10, beside the Job controller's own latency.
 *
 *   npm run bench:training [-- --rows N --runs K --formats csv,parquet] [--part profile|overhead] [--trials N] [--pods-from-source] [--operator-in-process] [--skip-build]
 *   [--operator-cpu-prof DIR] (a V8 CPU profile of the operator process, written into DIR when it stops)
 *   (--skip-build: dist/ is already built; the overhead part otherwise builds it for the pods' cairn)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensurePythonEnv } from '../src/testenv/python-env.js';

const HEAP_CAP = '--max-old-space-size=128';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    part: { type: 'string' },
    trials: { type: 'string', default: '100' },
    'pods-from-source': { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    'operator-in-process': { type: 'boolean', default: false },
    'operator-cpu-prof': { type: 'string' },
    formats: { type: 'string', default: 'csv,parquet' },
  },
});
const ROWS = Number(args.rows);
const RUNS = Number(args.runs);
const RSS_GOAL_MIB = 256;

const PANDAS = `
import sys, time
import numpy as np, pandas as pd
path, fmt, numeric, categorical = sys.argv[1], sys.argv[2], sys.argv[3].split(','), sys.argv[4].split(',')
df = pd.read_csv(path) if fmt == 'csv' else pd.read_parquet(path)
for c in numeric:
    np.quantile(df[c].dropna().to_numpy(dtype=np.float64), np.linspace(0, 1, 11))
    df[c].mean(); df[c].std(ddof=0); df[c].isna().sum()
for c in categorical:
    df[c].value_counts().head(100)
print(len(df))
`;

interface Measure {
  seconds: number;
  rssMiB: number;
  /** CPU seconds (user + system, all threads), as last read from /proc/<pid>/stat before the exit (20 ms apart). */
  cpuSeconds: number;
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** Runs a command to completion; its wall time and the last VmHWM seen in /proc while it lived. */
function measure(command: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    let hwmKiB = 0;
    let ticks = 0;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => {
      readFile(`/proc/${child.pid}/status`, 'utf8')
        .then((status) => {
          const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
          if (match) hwmKiB = Math.max(hwmKiB, Number(match[1]));
        })
        .catch(() => undefined); // it exited between two polls
      readFile(`/proc/${child.pid}/stat`, 'utf8')
        .then((stat) => {
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on
          ticks = Math.max(ticks, Number(fields[11]) + Number(fields[12])); // utime, stime
        })
        .catch(() => undefined);
    }, 20);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`${command} ${argv.join(' ')} exited ${code}: ${stderr}`));
      else resolve({ seconds: (performance.now() - started) / 1000, rssMiB: hwmKiB / 1024, cpuSeconds: ticks / CLOCK_TICKS });
    });
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const env = await ensurePythonEnv({ requirements: ['tests/reference/requirements.txt'], root });
  process.stderr.write('Compiling src/ to dist/ (npm run build)...\n');
  // other work in progress may not type-check: tsc still emits, and the profile command must be there
  await measure(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')]).catch(() => undefined);
  await readFile(join(root, 'dist/cli/profile.js'));
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-training-'));
  try {
    process.stderr.write(`Generating ${ROWS} rows x 10 features + target (csv, parquet)...\n`);
    await measure(env.python, [join(root, 'tests/reference/profile.py'), dir, '--rows', String(ROWS), '--extra', '5', '--formats', 'csv,parquet', '--no-reference']);
    const schema = JSON.parse(await readFile(join(dir, 'schema.json'), 'utf8')) as { features: { name: string; type: string }[]; target: { name: string; type: string } };
    const columns = [...schema.features, schema.target];
    const numeric = columns.filter((c) => c.type === 'number' || c.type === 'integer').map((c) => c.name);
    const categorical = columns.filter((c) => c.type === 'categorical' || c.type === 'boolean').map((c) => c.name);
    // As the profile Job passes it (src/render/profile-job.ts): a Dataset the API server validated, as an argument.
    const datasetJson = JSON.stringify({
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'Dataset',
      metadata: { name: 'bench' },
      spec: { source: { uri: 'file:///bench', format: 'csv', sha256: '0'.repeat(64) }, schema, validation: { maxNullFraction: 0 }, profile: { bins: 10 } },
    });
    const script = join(dir, 'pandas_profile.py');
    await writeFile(script, PANDAS);
    const rows: string[] = [];
    const formats = (args.formats ?? 'csv,parquet').split(',') as Array<'csv' | 'parquet'>;
    for (const format of formats) {
      const data = join(dir, `data.${format}`);
      const cairn: Measure[] = [];
      const pandas: Measure[] = [];
      const profileArgs = [join(root, 'bin/cairn.js'), 'profile', '--data', data, '--format', format, '--dataset-json', datasetJson, '--version', `sha256:${'0'.repeat(64)}`, '--out', join(dir, `profile-${format}.json`)];
      const job = { ...process.env, CAIRN_FROM_DIST: '1', NODE_OPTIONS: HEAP_CAP };
      for (let run = 0; run < RUNS; run++) {
        cairn.push(await measure(process.execPath, profileArgs, job));
        pandas.push(await measure(env.python, [script, data, format, numeric.join(','), categorical.join(',')]));
      }
      const uncapped = await measure(process.execPath, profileArgs, { ...process.env, CAIRN_FROM_DIST: '1' });
      const c = { seconds: median(cairn.map((m) => m.seconds)), rssMiB: Math.max(...cairn.map((m) => m.rssMiB)), cpuSeconds: median(cairn.map((m) => m.cpuSeconds)) };
      const p = { seconds: median(pandas.map((m) => m.seconds)), rssMiB: Math.max(...pandas.map((m) => m.rssMiB)), cpuSeconds: median(pandas.map((m) => m.cpuSeconds)) };
      const spread = (ms: Measure[]): string => ms.map((m) => m.seconds.toFixed(2)).join(', ');
      const rate = (m: Measure): string => `${Math.round(ROWS / m.seconds).toLocaleString('en-US')} rows/s (${m.seconds.toFixed(2)} s)`;
      const speedGoal = format === 'csv' ? (c.seconds <= p.seconds ? 'met' : 'missed') : 'no goal';
      rows.push(`${format.padEnd(8)} cairn profile ${rate(c).padEnd(30)} pandas ${rate(p).padEnd(30)} goal >= pandas: ${speedGoal}`);
      rows.push(`${''.padEnd(8)} peak RSS      ${`${c.rssMiB.toFixed(0)} MiB`.padEnd(30)} pandas ${`${p.rssMiB.toFixed(0)} MiB`.padEnd(30)} goal <= ${RSS_GOAL_MIB} MiB: ${c.rssMiB <= RSS_GOAL_MIB ? 'met' : 'missed'}`);
      rows.push(`${''.padEnd(8)} CPU          ${`${c.cpuSeconds.toFixed(2)} s`.padEnd(30)} pandas ${`${p.cpuSeconds.toFixed(2)} s`.padEnd(30)} (user + system, all threads; runs: cairn ${spread(cairn)} s, pandas ${spread(pandas)} s)`);
      rows.push(`${''.padEnd(8)} (without the heap cap: ${uncapped.rssMiB.toFixed(0)} MiB peak RSS, ${uncapped.seconds.toFixed(2)} s)`);
    }
    const profile = JSON.parse(await readFile(join(dir, `profile-${formats[0]}.json`), 'utf8')) as { rows: number };
    process.stdout.write(
      [`cairn profile vs pandas: ${ROWS.toLocaleString('en-US')} rows x ${columns.length - 1} features + target (${numeric.length} numeric, ${categorical.length} categorical), median of ${RUNS} runs, wall time incl. process start; cairn compiled, ${HEAP_CAP}`, ...rows, `(profile rows: ${profile.rows})`].join('\n') + '\n',
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (args.part === undefined || args.part === 'profile') await main();
if (args.part === undefined || args.part === 'overhead') {
  const { overheadBench } = await import('./training-overhead.js');
  process.stdout.write((await overheadBench({ root, trials: Number(args.trials), parallelism: 10, podsFromSource: args['pods-from-source'], skipBuild: args['skip-build'], operatorInProcess: args['operator-in-process'], ...(args['operator-cpu-prof'] ? { operatorCpuProf: args['operator-cpu-prof'] } : {}) })) + '\n');
}

/**
 * bench:drift part 4: what drift and concept-drift observability costs a serving pod. Two real `cairn serve`
 * processes of the example model, one with everything off (no profile, so no feature histograms; no prediction
 * store; no prediction log) and one with it on (--profile: every feature counted into its profile histogram;
 * the prediction store keeping each answer for feedback; --prediction-log-sample 0.05 at the default rate limit,
 * to a file), loaded by autocannon in alternating rounds (off-on, then on-off) so both see the same moments of a
 * shared machine. The ratio is the median of the rounds' on/off ratios; beside it each server's CPU time per
 * request (from /proc), which a loaded machine disturbs less than a rate. Goal: on >= 0.9x off.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, spawnServe } from './process.js';

interface AutocannonResult {
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const root = fileURLToPath(new URL('..', import.meta.url));
const MODEL = 'driver_elasticnet';
const CONNECTIONS = 16;
const ROUND_S = 3;
const ROUNDS = 12;
const LOG_SAMPLE = 0.05;

interface Serving {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startServing(extra: string[]): Promise<Serving> {
  const { port, child, exited } = await spawnServe({ model: MODEL, name: 'driver', args: extra });
  return {
    port,
    child,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One request of 4 rows drawn across the profile's range (every feature lands in a bin). */
const BODY = JSON.stringify({
  inputs: [{ name: 'input', shape: [4, 3], datatype: 'FP32', data: [[0.1, 0.9, 40], [0.5, 0.5, 300], [0.8, 0.2, 800], [0.3, 0.7, 1200]] }],
});

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Round {
  rate: number;
  /** CPU ms of the server per request. */
  cpuMsPerRequest: number;
}

export async function measured(server: Serving, seconds: number): Promise<Round> {
  const cpu = cpuSeconds(server.child.pid!);
  const rate = await round(server.port, seconds);
  return { rate, cpuMsPerRequest: ((cpuSeconds(server.child.pid!) - cpu) * 1000) / (rate * seconds) };
}

async function round(port: number, seconds: number): Promise<number> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/v2/models/driver/infer`,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`port ${port}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.total / seconds;
}

export async function servingThroughput(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-drift-'));
  const logFile = join(dir, 'predictions.jsonl');
  const off = await startServing(['--feedback-max-rows', '0']);
  const on = await startServing(['--profile', `${root}tests/models/driver_profile.json`, '--prediction-log-sample', String(LOG_SAMPLE), '--prediction-log', logFile]);
  try {
    await round(off.port, 1);
    await round(on.port, 1);
    const rounds = { off: [] as Round[], on: [] as Round[] };
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
      for (const which of order) rounds[which].push(await measured(which === 'off' ? off : on, ROUND_S));
    }
    const ratios = rounds.on.map((o, i) => o.rate / rounds.off[i]!.rate);
    const ratio = median(ratios);
    const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean).length;
    const show = (rs: Round[]) => `${rs.map((x) => x.rate.toFixed(0)).join(' / ')} req/s; median ${median(rs.map((x) => x.rate)).toFixed(0)}, CPU ${median(rs.map((x) => x.cpuMsPerRequest)).toFixed(3)} ms/request`;
    console.log(`\n4. Serving throughput, V2 infer of 4 rows, c=${CONNECTIONS}, ${ROUNDS} alternating rounds of ${ROUND_S} s each`);
    console.log(`   off (no profile, no prediction store, no log): ${show(rounds.off)}`);
    console.log(`   on (feature histograms, store, log ${LOG_SAMPLE * 100}% <= 100/s): ${show(rounds.on)}`);
    console.log(`   prediction log: ${lines.toLocaleString('en')} lines, ${(statSync(logFile).size / 1024).toFixed(0)} KiB`);
    const cpuRatio = median(rounds.off.map((x) => x.cpuMsPerRequest)) / median(rounds.on.map((x) => x.cpuMsPerRequest));
    console.log(`   on / off = ${ratio.toFixed(2)}x (median of the rounds' ratios ${ratios.map((x) => x.toFixed(2)).join(' ')}); by CPU per request ${cpuRatio.toFixed(2)}x`);
    console.log(`   goal >= 0.9x: ${ratio >= 0.9 ? 'meets the goal' : 'MISSES the goal'}`);
    console.log(`   load: ${execFileSync('uptime').toString().trim()}`);
  } finally {
    await Promise.all([off.stop(), on.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

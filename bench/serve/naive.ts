/** bench:serve: `cairn serve` beside a naive server (issue 12, point 9). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { cpuSeconds, pinCpus } from '../process.js';
import { alternatingBlocks, alternatingRounds, firstMessage, forkTsx, goal, httpRequest, interleaved, line, load, percentile, probe, root, rps, sorted, startServer, stopChild } from './harness.js';

/** bench/naive/server.ts in a child process, serving `modelPath`. */
export async function startNaive(modelPath: string): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const child = forkTsx(`${root}bench/naive/server.ts`, [modelPath]);
  const { port } = await firstMessage<{ port: number }>(child, 'the naive server');
  return { port, pid: child.pid!, stop: () => stopChild(child) };
}

/** The 64 -> 256 -> 256 -> 1 MLP of the comparison, made by bench/naive/mlp.py (cached in .cache/). */
export async function mlpModel(): Promise<string> {
  const dir = `${root}.cache/bench-models`;
  const file = `${dir}/mlp_64_256_256_1.onnx`;
  try {
    readFileSync(file);
    return file;
  } catch {
    const { ensurePythonEnv } = await import('../../src/testenv/python-env.js');
    const { python } = await ensurePythonEnv({ root, requirements: ['scripts/models/requirements.txt'] });
    execFileSync(python, [`${root}bench/naive/mlp.py`, dir], { stdio: 'inherit' });
    return file;
  }
}

export interface Cell {
  model: string;
  rows: number;
  connections: number;
  /** Where the c=1 client and server ran (C1_PLACEMENTS); undefined for the autocannon cells (unpinned). */
  placement?: string;
  cairn: number;
  naive: number;
  cairnP50: number;
  naiveP50: number;
  /** Server CPU µs per answered request (user + system, all threads): what a loaded machine does not distort. */
  cairnCpuUs: number;
  naiveCpuUs: number;
}

/**
 * Round trips of each server before the c=1 cells are measured. V8 keeps optimizing a server's per-request
 * functions for the first few thousand requests at c=1 (the c=16 warm-up exercises merged batches, not requests run
 * alone), and the compiler's threads count in the process's CPU: with 1,000, `cairn serve`'s first 1,500 measured
 * requests cost 1.6-2.2x its later ones (~36 functions optimized, some 50-70 ms of compile each, a one-time ~0.3 s of
 * CPU) and the naive server's 1.25-1.6x, so the cell measured mostly the JIT. 5,000 leaves both servers in the
 * steady state a serving pod is in after its first seconds (docs/benchmarks.md, Serving).
 */
export const C1_WARMUP = 5000;
/**
 * Measured round trips of each server at c=1, in alternating blocks (alternatingBlocks). With 4,000, two runs of the
 * same code a few minutes apart put one cell's ratio 4% apart (the CPU figure counts 10 ms clock ticks).
 */
export const C1_COUNT = 20_000;
export const C1_BLOCK = 250;

/**
 * Where the c=1 cells run: this process (the client) and both servers pinned (pinCpus), once on one CPU and once
 * on two. Left to the scheduler, one server of a run would share the client's CPU and the other not, and that
 * alone doubled a server's CPU per request (a naive server 70 µs, cairn serve 135 µs in one run; pinned alike, 56-60
 * and 58-64 µs): the cell measured the placement. One CPU: each request is the server's work alone. Two CPUs: each
 * request wakes the server's idle CPU, as a request from the network does. Both are judged.
 */
export const C1_PLACEMENTS = [
  { name: 'one CPU', client: '0', server: '0' },
  { name: 'two CPUs', client: '0', server: '1' },
].filter((p) => os.availableParallelism() > Number(p.server));

/** How many times cheaper than the naive server `cairn serve` was in a cell: by req/s, and by server CPU per request. */
export const byRate = (c: Cell) => c.cairn / c.naive;
export const byCpu = (c: Cell) => c.naiveCpuUs / c.cairnCpuUs;

/**
 * `cairn serve` (default options: batching on, auto execution) beside the naive server, on a small model and
 * the 64-256-256-1 MLP, 1-row and 32-row V2 requests, c = 1, 16, 64: both servers run at once and are loaded
 * in alternating rounds, so that both see the same moments of a shared machine. Goal: >= 1.0x in every cell, judged
 * on the server CPU per request (the firmer figure: on a loaded 2-vCPU machine the req/s of two servers measured a
 * second apart swing with what the scheduler gave each, their CPU per request much less), with the req/s ratio beside it.
 */
export async function naiveComparison(results: Record<string, unknown>): Promise<void> {
  console.log('\nBeside a naive server (bench/naive/server.ts: node:http, JSON.parse, session.run, JSON.stringify), both running at once');
  const models = [
    { name: 'driver_elasticnet', path: `${root}tests/models/driver_elasticnet.onnx`, input: 'input', width: 3 },
    { name: 'mlp_64_256_256_1', path: await mlpModel(), input: 'x', width: 64 },
  ];
  const cells: Cell[] = [];
  for (const m of models) {
    const cairn = await startServer({ model: m.name, modelPath: m.path, http: 'node', execution: 'auto', maxBatchSize: 64 });
    const naive = await startNaive(m.path);
    console.log(`  ${m.name}: cairn serve runs it ${cairn.execution}`);
    const show = (cell: Cell, how: string) =>
      line(
        `${m.name}, ${cell.rows} row${cell.rows > 1 ? 's' : ''}, c=${cell.connections}${cell.placement ? ` on ${cell.placement}` : ''}: cairn / naive`,
        `${rps(cell.cairn)} / ${rps(cell.naive)}`,
        `${byRate(cell).toFixed(2)}x; p50 ${cell.cairnP50.toFixed(2)} / ${cell.naiveP50.toFixed(2)} ms; server CPU per request ${cell.cairnCpuUs.toFixed(0)} / ${cell.naiveCpuUs.toFixed(0)} µs: ${byCpu(cell).toFixed(2)}x (${how})`,
      );
    const path = `/v2/models/${m.name}/infer`;
    for (const rows of [1, 32]) {
      const data = Array.from({ length: rows * m.width }, (_, i) => ((i * 7919) % 1000) / 1000);
      const body = JSON.stringify({ inputs: [{ name: m.input, shape: [rows, m.width], datatype: 'FP32', data }] });
      const request = httpRequest(path, body);
      // c=1: raw-socket round trips (µs resolution), measured in alternating blocks (alternatingBlocks).
      // Warm-up: a second of load on each (both JITs optimize their hot paths), then interleaved round trips.
      await load(cairn.port, path, 16, body, undefined, 1, 0);
      await load(naive.port, path, 16, body, undefined, 1, 0);
      for (const placement of C1_PLACEMENTS) {
        pinCpus(process.pid, placement.client);
        for (const server of [cairn, naive]) pinCpus(server.pid, placement.server);
        const probes = { cairn: await probe(cairn.port, request, true), naive: await probe(naive.port, request, true) };
        await interleaved(probes, 0, C1_WARMUP);
        const c1Cpu = { cairn: cpuSeconds(cairn.pid), naive: cpuSeconds(naive.pid) };
        const c1 = await alternatingBlocks(probes, C1_COUNT, C1_BLOCK);
        const c1CpuUs = (name: 'cairn' | 'naive', server: { pid: number }) => ((cpuSeconds(server.pid) - c1Cpu[name]) * 1e6) / C1_COUNT;
        for (const p of Object.values(probes)) p.close();
        const meanUs = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
        const cell: Cell = {
          model: m.name,
          rows,
          connections: 1,
          placement: placement.name,
          cairn: 1e6 / meanUs(c1.cairn!),
          naive: 1e6 / meanUs(c1.naive!),
          cairnP50: percentile(sorted(c1.cairn!), 50) / 1000,
          naiveP50: percentile(sorted(c1.naive!), 50) / 1000,
          cairnCpuUs: c1CpuUs('cairn', cairn),
          naiveCpuUs: c1CpuUs('naive', naive),
        };
        cells.push(cell);
        show(cell, `µs round trips, blocks of ${C1_BLOCK}`);
      }
      const everyCpu = `0-${os.availableParallelism() - 1}`;
      for (const pid of [process.pid, cairn.pid, naive.pid]) pinCpus(pid, everyCpu);
      // c=16 and 64: autocannon, 3 alternating rounds after a warm-up of each.
      for (const connections of [16, 64]) {
        await load(cairn.port, path, connections, body, undefined, 1, 0);
        await load(naive.port, path, connections, body, undefined, 1, 0);
        const rounds = await alternatingRounds({ cairn: { port: cairn.port, pid: cairn.pid, path, body }, naive: { port: naive.port, pid: naive.pid, path, body } }, connections, 1.5);
        const cell: Cell = {
          model: m.name,
          rows,
          connections,
          cairn: rounds.cairn.rps,
          naive: rounds.naive.rps,
          cairnP50: rounds.cairn.p50,
          naiveP50: rounds.naive.p50,
          cairnCpuUs: rounds.cairn.cpuUs,
          naiveCpuUs: rounds.naive.cpuUs,
        };
        cells.push(cell);
        show(cell, 'autocannon');
      }
    }
    await Promise.all([cairn.stop(), naive.stop()]);
  }
  const worstOf = (ratio: (c: Cell) => number) => cells.reduce((a, c) => (ratio(c) < ratio(a) ? c : a));
  const where = (c: Cell) => `${c.model}, ${c.rows} rows, c=${c.connections}${c.placement ? ` on ${c.placement}` : ''}`;
  const worstCpu = worstOf(byCpu);
  const worstRate = worstOf(byRate);
  goal(`vs the naive server, CPU per request, worst of ${cells.length}`, `${byCpu(worstCpu).toFixed(2)}x`, `>= 1.0x (${where(worstCpu)})`, byCpu(worstCpu) >= 1);
  line(`vs the naive server, req/s, worst of ${cells.length} cells`, `${byRate(worstRate).toFixed(2)}x`, `${where(worstRate)}; ${cells.filter((c) => byRate(c) >= 1).length} of ${cells.length} cells >= 1.0x`);
  results.naive = cells;
}

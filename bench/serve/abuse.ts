/** bench:serve: figures under abuse (issue 12): goodput under overload, liveness while the worst bodies arrive, held uploads. */
import http from 'node:http';
import net from 'node:net';
import { cpuSeconds, memory } from '../process.js';
import { DURATION_S, ENTRY, forkTsx, type Server, autocannon, goal, httpRequest, line, percentile, probe, rps, sorted, startServer } from './harness.js';

export interface Goodput {
  /** Answered 2xx/s. */
  goodput: number;
  /** 503s/s. */
  shed: number;
  /** Server CPU seconds per second of the run (1 = one core busy). */
  cpu: number;
  /** Connections the client lost (a shed connection closed while the client still wrote). */
  errors: number;
}

/** Closed-loop clients that retry a 503 at once (autocannon sends the next request, on a new connection when the server closed it). */
export async function goodput(server: Server, path: string, connections: number, body: string, seconds: number): Promise<Goodput> {
  const opts = { url: `http://127.0.0.1:${server.port}${path}`, connections, pipelining: 1, method: 'POST', headers: { 'content-type': 'application/json' }, body };
  const cpu0 = cpuSeconds(server.pid);
  const result = await autocannon({ ...opts, duration: seconds });
  const cpu = (cpuSeconds(server.pid) - cpu0) / seconds;
  return { goodput: result['2xx'] / seconds, shed: result.non2xx / seconds, cpu, errors: result.errors };
}

/**
 * Capacity (as many clients as --max-queue admits) and 2x overload (twice as many, retrying 503s), measured in
 * alternating rounds so that both see the same moments of a shared machine; the sums of the rounds.
 */
export async function goodputRounds(server: Server, path: string, admitted: number, body: string, rounds: number): Promise<{ capacity: Goodput; overload: Goodput }> {
  const sum = (list: Goodput[]): Goodput => ({
    goodput: list.reduce((a, g) => a + g.goodput, 0) / list.length,
    shed: list.reduce((a, g) => a + g.shed, 0) / list.length,
    cpu: list.reduce((a, g) => a + g.cpu, 0) / list.length,
    errors: list.reduce((a, g) => a + g.errors, 0),
  });
  const capacity: Goodput[] = [];
  const overload: Goodput[] = [];
  await goodput(server, path, admitted * 2, body, 1); // warm-up
  for (let i = 0; i < rounds; i++) {
    capacity.push(await goodput(server, path, admitted, body, DURATION_S / 2));
    overload.push(await goodput(server, path, admitted * 2, body, DURATION_S / 2));
  }
  return { capacity: sum(capacity), overload: sum(overload) };
}

/** The worst bodies the default limits (4 MiB, 1,048,576 elements, nesting 32) let a client send. */
export function worstBodies(): Record<string, Buffer> {
  const fill = (prefix: string, unit: string, suffix: string) => {
    const count = Math.floor((4 * 1024 * 1024 - prefix.length - suffix.length - 1024) / unit.length);
    return Buffer.from(prefix + unit.repeat(count).slice(0, -1) + suffix);
  };
  const rows = 333_333; // 999,999 elements of "0.5,": just under both the element and the byte limit
  const input = (data: string, shape: string) => `{"inputs":[{"name":"input","shape":${shape},"datatype":"FP32","data":${data}}]}`;
  return {
    'valid, 999,999 elements (4 MB)': Buffer.from(input(`[${'0.5,'.repeat(rows * 3).slice(0, -1)}]`, `[${rows},3]`)),
    'nested brackets (4 MB)': Buffer.from('['.repeat(4 * 1024 * 1024 - 16)),
    'a million empty arrays (4 MB)': fill('{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[', '[],', ']}]}'),
    'arrays nested 31 deep, repeated (4 MB)': fill('{"inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[', `${'['.repeat(28)}${']'.repeat(28)},`, ']}]}'),
    'escaped string (4 MB)': fill('{"id":"', '\\u0041', `","inputs":[{"name":"input","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]}`),
  };
}

/**
 * POSTs a body and resolves the answer's status (0 when none came). A server may answer and close before the
 * whole body was sent (413, a nesting refusal): the answer counts, the client's write error does not.
 */
export function postBody(port: number, path: string, body: Buffer, agent?: http.Agent): Promise<number> {
  return new Promise((resolve) => {
    let status = 0;
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', ...(agent ? { agent } : {}), headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      status = res.statusCode ?? 0;
      res.resume();
      res.on('end', () => resolve(status));
      res.on('error', () => resolve(status));
    });
    req.on('error', () => resolve(status));
    req.end(body);
  });
}

/**
 * `--abuse PORT PATH`: bench/serve.ts in a child process, sending the worst bodies in turn on keep-alive
 * connections (`ABUSERS` of them) until told to stop; it answers 'stats' with the answers counted by status.
 */
export function runAbuser(port: number, path: string, connections: number): void {
  const bodies = Object.values(worstBodies());
  const statuses: Record<string, number> = {};
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let stopped = false;
  const loop = async (offset: number) => {
    for (let i = offset; !stopped; i++) {
      const body = bodies[i % bodies.length]!;
      const status = await postBody(port, path, body, agent);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  for (let c = 0; c < connections; c++) void loop(c);
  process.on('message', (message: string) => {
    if (message === 'stats') process.send!(statuses);
    if (message === 'stop') {
      stopped = true;
      process.exit(0);
    }
  });
  process.send!({ port: 0 });
}

export async function startAbuser(port: number, path: string, connections: number): Promise<{ stats(): Promise<Record<string, number>>; stop(): void }> {
  const child = forkTsx(ENTRY, ['--abuse', String(port), path, String(connections)]);
  await new Promise((resolve) => child.once('message', resolve));
  return {
    stats: () => new Promise((resolve) => {
      child.once('message', (m: Record<string, number>) => resolve(m));
      child.send('stats');
    }),
    stop: () => child.send('stop'),
  };
}

/** Liveness round trips (keep-alive GET /v2/health/live), one after another for `ms`, p50 / p99 / max in ms. */
export async function liveness(port: number, ms: number): Promise<{ p50: number; p99: number; max: number; count: number }> {
  const roundTrip = await probe(port, httpRequest('/v2/health/live'), true);
  const times: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    times.push((await roundTrip()) / 1000);
    await new Promise((r) => setTimeout(r, 2)); // a probe every few ms, not a flood
  }
  roundTrip.close();
  const s = sorted(times);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1]!, count: s.length };
}

/**
 * `holders` connections each declaring a 4 MiB body and sending all of it but the last 64 KiB, then holding:
 * resolves once every one was answered (shed) or had its bytes taken by the server.
 */
export async function holdUploads(port: number, holders: number): Promise<{ sockets: net.Socket[]; shed: number; closed: number }> {
  const declared = 4 * 1024 * 1024;
  const partial = Buffer.alloc(declared - 64 * 1024, 0x20);
  const head = Buffer.from(`POST /v2/models/driver_elasticnet/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`);
  const sockets: net.Socket[] = [];
  let shed = 0;
  let closed = 0;
  await Promise.all(
    Array.from({ length: holders }, async () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      sockets.push(socket);
      await new Promise((r) => socket.once('connect', r));
      await new Promise<void>((resolve) => {
        let answered = false;
        socket.once('data', (chunk: Buffer) => {
          answered = true;
          if (chunk.toString('latin1').startsWith('HTTP/1.1 503')) shed++;
          resolve();
        });
        // A shed upload's connection is closed after its 503; the client may see the close (a reset of its
        // write) before it reads the answer.
        socket.once('close', () => {
          if (!answered) closed++;
          resolve();
        });
        socket.write(head);
        if (socket.write(partial)) resolve();
        else socket.once('drain', () => resolve());
      });
    }),
  );
  return { sockets, shed, closed };
}

export async function underAbuse(results: Record<string, unknown>): Promise<void> {
  const v2Path = '/v2/models/driver_elasticnet/infer';
  console.log('\nUnder abuse (issue 12): cairn serve with its default limits unless said');

  // Goodput: 5,000-row requests; capacity with as many clients as --max-queue admits, then 2x that many that retry 503s.
  const rowsBody = JSON.stringify({ inputs: [{ name: 'input', shape: [5000, 3], datatype: 'FP32', data: Array.from({ length: 15_000 }, (_, i) => (i % 3 === 2 ? 200 + (i % 97) : (i % 10) / 10)) }] });
  const admitted = 32;
  let server = await startServer({ model: 'driver_elasticnet', http: 'node', execution: 'inline', maxBatchSize: 64, maxQueue: admitted });
  const { capacity, overload } = await goodputRounds(server, v2Path, admitted, rowsBody, 3);
  const ratio = overload.goodput / capacity.goodput;
  const cpuNote = (g: Goodput) => `server CPU ${g.cpu.toFixed(2)} cores, ${((g.cpu * 1000) / Math.max(g.goodput, 1e-9)).toFixed(1)} ms per answer`;
  line(`5,000-row requests, --max-queue ${admitted}: ${admitted} clients (capacity)`, rps(capacity.goodput), `${rps(capacity.shed)} shed; ${cpuNote(capacity)}`);
  line(`the same with ${admitted * 2} clients retrying 503s (2x overload)`, rps(overload.goodput), `${rps(overload.shed)} shed with 503 + Retry-After (${overload.errors} connections lost); ${cpuNote(overload)}`);
  line('goodput under 2x overload / capacity', `${ratio.toFixed(2)}x`, 'before issue 12: 53 vs ~200 req/s (64 clients, default queue)');
  goal('goodput under 2x overload / at capacity', `${ratio.toFixed(2)}x`, '>= 0.8x', ratio >= 0.8);
  await server.stop();

  // Liveness while two clients send the worst bodies the limits allow, beside the same server idle.
  server = await startServer({ model: 'driver_elasticnet', http: 'node', execution: 'inline', maxBatchSize: 64 });
  const idle = await liveness(server.port, 2000);
  const abuser = await startAbuser(server.port, v2Path, 2);
  server.reset();
  const abused = await liveness(server.port, DURATION_S * 1000);
  const lag = await server.stats();
  const statuses = await abuser.stats();
  abuser.stop();
  line('liveness p50 / p99 / max, idle', `${idle.p50.toFixed(2)} / ${idle.p99.toFixed(2)} / ${idle.max.toFixed(1)} ms`, `${idle.count} probes`);
  line('liveness p50 / p99 / max, 2 clients of worst bodies', `${abused.p50.toFixed(2)} / ${abused.p99.toFixed(2)} / ${abused.max.toFixed(1)} ms`, `${abused.count} probes; answers ${JSON.stringify(statuses)}`);
  line('event-loop lag p99 / max meanwhile', `${lag.lagP99Ms.toFixed(1)} / ${lag.lagMaxMs.toFixed(1)} ms`, 'before issue 12: liveness p99 2 s');
  goal('liveness p99 while the worst bodies arrive', `${abused.p99.toFixed(1)} ms`, '<= 100 ms', abused.p99 <= 100);
  for (const [name, body] of Object.entries(worstBodies())) {
    const started = performance.now();
    const status = await postBody(server.port, v2Path, body);
    line(`  one ${name}`, `${status} in ${(performance.now() - started).toFixed(0)} ms`);
  }
  await server.stop();

  // Memory: 500 connections holding 4 MiB uploads, against the same server at rest.
  server = await startServer({ model: 'driver_elasticnet', http: 'node', execution: 'inline', maxBatchSize: 64 });
  const rest = memory(server.pid);
  const held = await holdUploads(server.port, 500);
  const holding = memory(server.pid);
  for (const socket of held.sockets) socket.destroy();
  await server.stop();
  line('RSS at rest / with 500 held 4 MiB uploads / peak', `${rest.rssMiB.toFixed(0)} / ${holding.rssMiB.toFixed(0)} / ${holding.peakMiB.toFixed(0)} MiB`, `${held.shed} of 500 shed (503) by --max-buffered-bytes 64 MiB${held.closed ? `, ${held.closed} closed before the client read one` : ''}; before issue 12: 2 GB`);
  goal('RSS with 500 held uploads (peak)', `${holding.peakMiB.toFixed(0)} MiB`, '<= 512 MiB', holding.peakMiB <= 512);
  results.abuse = { capacity, overload, ratio, idle, abused, lag, statuses, rest, holding, shed: held.shed, closed: held.closed };
}

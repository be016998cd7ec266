/**
 * Real `cairn serve` processes for the Prometheus provider tests, started on free loopback ports in a test
 * environment run (so the watchdog ends them if the runner dies), and the traffic the tests send them:
 * answered requests, and 503s from a canary whose body budget is held by one slow client.
 */
import { connect, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../../../src/testenv/index.js';
import { allocatePorts } from '../../../src/testenv/ports.js';
import { Run } from '../../../src/testenv/run.js';
import { http200, waitFor } from '../../../src/testenv/wait.js';
import { modelPath, sha256Of } from '../../unit/serving/models.js';

const bin = fileURLToPath(new URL('../../../bin/cairn.js', import.meta.url));

export const MODEL = 'driver';
const ROW = { name: 'input', shape: [1, 3], datatype: 'FP32', data: [0.5, 0.9, 280] };
/** An inference request of exactly `bytes` bytes (the id pads it). */
export function inferBody(bytes = 0): string {
  const bare = JSON.stringify({ inputs: [ROW], id: '' });
  return JSON.stringify({ inputs: [ROW], id: 'x'.repeat(Math.max(bytes - bare.length, 0)) });
}

/** The budget of body bytes the canary holds at once: one request of this size fills it. */
export const CANARY_BODY_BUDGET = 600;

export interface Servers {
  /** host:port of each version ("1", "2"). */
  address: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts one `cairn serve` of the driver model per version, waits until each is ready. `budgeted` versions get
 * a body budget of {@link CANARY_BODY_BUDGET} bytes, so a held request makes them answer 503 (overload).
 */
export async function startServers(versions: string[], budgeted: string[]): Promise<Servers> {
  const run = await Run.create({ logger: silentLogger });
  const address: Record<string, string> = {};
  try {
    const ports = await allocatePorts(versions.length);
    await Promise.all(
      versions.map(async (version, i) => {
        const port = ports[i]!;
        const limits = budgeted.includes(version) ? ['--max-body-bytes', String(CANARY_BODY_BUDGET), '--max-buffered-bytes', String(CANARY_BODY_BUDGET)] : [];
        const proc = run.spawn({
          name: `cairn serve v${version}`,
          command: process.execPath,
          args: [bin, 'serve', '--model-uri', modelPath('driver_elasticnet'), '--sha256', sha256Of('driver_elasticnet'), '--name', MODEL, '--version', version,
            '--host', '127.0.0.1', '--port', String(port), '--shutdown-delay-s', '0', ...limits],
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? homedir() },
          logFile: run.path(`serve-v${version}.log`),
        });
        await waitFor(http200(`http://127.0.0.1:${port}/v2/health/ready`), { what: `cairn serve v${version} ready`, timeoutMs: 60_000, watch: [proc] });
        address[version] = `127.0.0.1:${port}`;
      }),
    );
  } catch (error) {
    await run.close();
    throw error;
  }
  return { address, close: () => run.close() };
}

/** POSTs one V2 inference request and returns its status. */
export async function infer(address: string, body = inferBody()): Promise<number> {
  const response = await fetch(`http://${address}/v2/models/${MODEL}/infer`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  await response.arrayBuffer();
  return response.status;
}

/**
 * A request whose body (declared {@link CANARY_BODY_BUDGET} bytes) is sent only in part, holding the
 * canary's whole body budget until finish() sends the rest; finish() resolves with the status it got.
 */
export function holdBudget(address: string): { finish(): Promise<number> } {
  const [host, port] = address.split(':') as [string, string];
  const body = inferBody(CANARY_BODY_BUDGET);
  const socket: Socket = connect({ host, port: Number(port) });
  let reply = '';
  const answered = new Promise<number>((resolve, reject) => {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      reply += chunk;
      const status = /^HTTP\/1\.1 (\d{3})/.exec(reply)?.[1];
      if (status && reply.includes('\r\n\r\n')) resolve(Number(status));
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`the held request's connection closed with no answer: ${JSON.stringify(reply)}`)));
  });
  answered.catch(() => undefined); // observed by finish()
  socket.write(`POST /v2/models/${MODEL}/infer HTTP/1.1\r\nhost: ${address}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 11)}`);
  return {
    async finish() {
      socket.write(body.slice(11));
      const status = await answered;
      socket.destroy();
      return status;
    },
  };
}

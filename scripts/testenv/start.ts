/**
 * Starts the integration test environment (control plane + local node agent) and keeps it up until SIGINT or
 * SIGTERM: `npx tsx scripts/testenv/start.ts`. Prints one JSON line on stdout once ready (kubeconfig path,
 * server, run dir, ports, pids), so scripts can use it: `export KUBECONFIG=$(... | jq -r .kubeconfigPath)`.
 */
import '../../src/testenv/node-compat.js';
import { consoleLogger } from '../../src/testenv/index.js';
import { startTestEnvironment } from '../../tests/harness/environment.js';

const logger = consoleLogger('testenv');
const env = await startTestEnvironment({ logger });
const { plane } = env;
process.stdout.write(
  JSON.stringify({
    kubeconfigPath: plane.kubeconfigPath,
    server: plane.server,
    dir: plane.dir,
    ports: plane.ports,
    pid: process.pid,
    pids: Object.fromEntries([...plane.components].map(([name, proc]) => [name, proc.pid])),
    startMs: env.startMs,
  }) + '\n',
);
logger.info({ kubeconfig: plane.kubeconfigPath }, 'Test environment is up; Ctrl-C stops it');
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void env.stop().then(() => process.exit(0));
  });
}
setInterval(() => undefined, 1 << 30);

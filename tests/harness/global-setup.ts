/**
 * vitest globalSetup of the integration project: builds the control-plane binaries and Prometheus when missing
 * (progress on stderr; a cold build compiles Kubernetes), starts the control plane and the local node agent, hands their
 * coordinates to the tests, and on teardown stops everything and fails if a port is still open.
 */
import '../../src/testenv/node-compat.js';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { consoleLogger, ensurePrometheus, isPortClosed, s3ServerInfo, startS3Server } from '../../src/testenv/index.js';
import './context.js';
import { ROOT, startTestEnvironment } from './environment.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const logger = consoleLogger('testenv');
  // Prometheus is built here, before any test runs, when it is not cached (a cold build takes about 17 min on
  // two cores): built inside a test file it would compete with the other files' pods for the CPU.
  await ensurePrometheus({ logger });
  const env = await startTestEnvironment({ logger });
  const { plane, agent } = env;
  logger.info({ startMs: env.startMs, server: plane.server, dir: plane.dir }, 'Integration environment is up');
  project.provide('testenv', {
    root: ROOT,
    binDir: plane.binDir,
    dir: plane.dir,
    kubeconfigPath: plane.kubeconfigPath,
    server: plane.server,
    caFile: plane.caFile,
    ports: plane.ports,
    kwokNodes: plane.kwokNodes,
    localNode: agent.nodeName,
    podsDir: join(plane.dir, 'pods'),
  });
  const s3 = await startS3Server({ binDir: plane.binDir, dir: join(plane.dir, 's3'), logger, spawn: (o) => plane.spawn(o), buckets: ['cairn-test'] }).catch(async (error: unknown) => {
    await env.stop();
    throw error;
  });
  project.provide('s3', s3ServerInfo(s3));
  return async () => {
    await s3.stop();
    await env.stop();
    const open: number[] = [];
    for (const port of [...Object.values(plane.ports), s3.port]) if (!(await isPortClosed(port))) open.push(port);
    if (open.length > 0) throw new Error(`test environment teardown left ports open: ${open.join(', ')}`);
  };
}

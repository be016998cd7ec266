import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalCluster } from '../../src/dev/cluster.js';
import type { ImageCommand } from '../../src/localnode/index.js';
import type { ControlPlane, Logger } from '../../src/testenv/index.js';
import type { NodeAgent } from '../../src/localnode/index.js';

/** The checkout root (tests/harness/ -> ../..). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Images only the tests use: the fixture trainer, to prove the table is easy to extend. */
export function fixtureImages(root: string): [string, ImageCommand][] {
  return [['cairn-fixture-trainer', { entrypoint: ['python3', join(root, 'tests', 'fixtures', 'node-agent', 'trainer.py')], executables: { python3: ['python3'] } }]];
}

export interface TestEnvironment {
  plane: ControlPlane;
  agent: NodeAgent;
  /** Wall time of ensureBinaries + control plane + node agent start. */
  startMs: number;
  stop(): Promise<void>;
}

/**
 * The whole integration environment: binaries (built when missing, with progress on stderr), the control plane
 * and the local node agent, started as `cairn dev` starts them (src/dev/cluster.ts). Shared by the vitest
 * globalSetup and scripts/testenv/start.ts.
 */
export async function startTestEnvironment(options: { logger: Logger; root?: string; stateRoot?: string }): Promise<TestEnvironment> {
  const root = options.root ?? ROOT;
  const cluster = await startLocalCluster({ root, logger: options.logger, stateRoot: options.stateRoot, images: fixtureImages(root) });
  return { plane: cluster.plane, agent: cluster.agent, startMs: cluster.startMs, stop: () => cluster.stop() };
}

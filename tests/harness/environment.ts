import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBinaries, startControlPlane, type ControlPlane, type Logger } from '../../src/testenv/index.js';
import { defaultImages, NodeAgent, type ImageCommand } from '../../src/localnode/index.js';

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
 * and the local node agent. Shared by the vitest globalSetup and scripts/testenv/start.ts.
 */
export async function startTestEnvironment(options: { logger: Logger; root?: string; stateRoot?: string }): Promise<TestEnvironment> {
  const root = options.root ?? ROOT;
  const started = Date.now();
  const binDir = await ensureBinaries({ root, logger: options.logger });
  const plane = await startControlPlane({ binDir, logger: options.logger, stateRoot: options.stateRoot });
  const agent = new NodeAgent({
    kubeConfig: plane.kubeConfig(),
    server: plane.server,
    caFile: plane.caFile,
    spawn: (spawnOptions) => plane.spawn(spawnOptions),
    images: new Map([...defaultImages(root), ...fixtureImages(root)]),
    stateDir: join(plane.dir, 'pods'),
    logger: options.logger,
    kubeletTls: { certFile: plane.pki.nodeServingCert, keyFile: plane.pki.nodeServingKey, clientCaFile: plane.pki.caCert },
  });
  try {
    await agent.start();
  } catch (error) {
    await plane.stop();
    throw error;
  }
  return {
    plane,
    agent,
    startMs: Date.now() - started,
    stop: async () => {
      await agent.stop();
      await plane.stop();
    },
  };
}

/**
 * Helpers for integration tests: the environment handed over by the globalSetup, API clients, kubectl,
 * namespaces, and waiting on the cluster (`eventually`: a deadline bounds each wait, never an assertion on time).
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { TestenvInfo } from './context.js';
import './context.js';
import { eventually } from './eventually.js';

export { eventually, GiveUp } from './eventually.js';

export function testenv(): TestenvInfo {
  return inject('testenv');
}

/** KubeConfig of the admin user (system:masters). */
export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(testenv().kubeconfigPath);
  return kc;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the kubectl built with the control plane (same version) against the test environment. kubectl is used
 * where the behaviour under test is kubectl's own (explain, categories, apply of YAML files, auth whoami).
 */
export function kubectl(args: string[], options: { kubeconfig?: string; input?: string } = {}): Promise<KubectlResult> {
  const env = testenv();
  return new Promise((resolve) => {
    const child = execFile(
      join(env.binDir, 'kubectl'),
      args,
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', KUBECONFIG: options.kubeconfig ?? env.kubeconfigPath }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** kubectl that must succeed: returns stdout, throws with stderr otherwise. */
export async function kubectlOk(args: string[], options: { kubeconfig?: string; input?: string } = {}): Promise<string> {
  const result = await kubectl(args, options);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/**
 * Creates a namespace with a generated name and waits for its `default` ServiceAccount (the ServiceAccount
 * admission plugin rejects Pods until the controller has created it).
 */
export async function createNamespace(prefix: string): Promise<string> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const ns = await core.createNamespace({ body: { metadata: { generateName: `${prefix}-` } } });
  const name = ns.metadata?.name ?? '';
  await eventually(`ServiceAccount default in new namespace ${name}`, () => core.readNamespacedServiceAccount({ name: 'default', namespace: name }));
  return name;
}

/** Deletes a namespace without waiting (the namespace controller and the node agent finish it). */
export async function deleteNamespace(name: string): Promise<void> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  await core.deleteNamespace({ name }).catch(() => undefined);
}

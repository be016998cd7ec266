/** What the demo and the GitOps benchmark both do on a fresh control plane: install the CRDs, run the operator. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { kinds } from '../api/kinds/index.js';
import type { KubeClient } from '../runtime/kube/client.js';
import type { KubeObject } from '../runtime/kube/object.js';
import { builtin } from '../runtime/kube/resource.js';
import type { ControlPlane, ManagedProcess } from '../testenv/index.js';

export interface PollOptions {
  timeoutMs?: number;
  everyMs?: number;
  /** Checked before every attempt: true ends the wait with an "Interrupted" error (Ctrl-C). */
  stopped?: () => boolean;
}

/** Polls `check` until it returns something other than undefined. */
export async function pollUntil<T>(what: string, check: () => Promise<T | undefined>, options: PollOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (options.stopped?.()) throw new Error('Interrupted');
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, options.everyMs ?? 100));
  }
}

/** Server-side applies every CRD of `crdsDir` and waits until each cairn.dev kind is Established. */
export async function installCrds(kube: KubeClient, crdsDir: string, fieldManager: string, poll: PollOptions = {}): Promise<void> {
  for (const file of readdirSync(crdsDir).filter((f) => f.endsWith('.yaml')).sort()) {
    await kube.apply(builtin.customResourceDefinition, parse(readFileSync(join(crdsDir, file), 'utf8')) as KubeObject, { fieldManager, force: true });
  }
  for (const def of kinds) {
    await pollUntil(
      `CRD ${def.plural}`,
      async () => {
        const crd = await kube.get<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>(builtin.customResourceDefinition, `${def.plural}.cairn.dev`);
        return crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
      },
      poll,
    );
  }
}

export interface OperatorInPlane {
  process: ManagedProcess;
  /** `http://host:port` of its metrics, probes and webhook receiver. */
  address: string;
  logFile: string;
}

/**
 * Starts `cairn operator` (for one namespace, or all) as a process of the control plane's run (stopped with it, and by its
 * watchdog if this process dies), with file:// Git URLs allowed, and waits for its "Started operator" line.
 */
export async function startOperatorInPlane(
  plane: ControlPlane,
  root: string,
  /** `namespace`: the one namespace it watches (default: all). */
  options: { namespace?: string; podName: string; extraArgs?: string[]; env?: Record<string, string>; poll?: PollOptions },
): Promise<OperatorInPlane> {
  const logFile = join(plane.dir, 'logs', 'cairn-operator.log');
  const proc = plane.spawn({
    name: 'cairn-operator',
    command: process.execPath,
    args: [join(root, 'bin', 'cairn.js'), 'operator', '--kubeconfig', plane.kubeconfigPath, ...(options.namespace ? ['--namespaces', options.namespace] : []), '--metrics-addr', '127.0.0.1:0',
      '--allow-file-urls', '--git-cache-dir', join(plane.dir, 'git-cache'), ...(options.extraArgs ?? [])],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', POD_NAME: options.podName, ...(options.env ?? {}) },
    logFile,
  });
  const address = await pollUntil(
    'the operator to start',
    async () => {
      if (proc.exitInfo()) throw new Error(`cairn operator exited: ${await proc.tail()}`);
      const line = readFileSync(logFile, 'utf8').split('\n').find((l) => l.includes('"Started operator"'));
      return line ? String((JSON.parse(line) as { address: string }).address) : undefined;
    },
    { everyMs: 50, ...options.poll },
  );
  return { process: proc, address, logFile };
}

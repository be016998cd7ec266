/** helm against the test environment: the chart in charts/cairn, installed, templated and linted with the pinned helm. */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { testenv } from '../../harness/kube.js';

export const chartDir = (): string => join(testenv().root, 'charts', 'cairn');

/**
 * helm's own folders (no repository config, no cache shared with a developer's helm), in the test environment's
 * run directory, which goes with it.
 */
let home: string | undefined;
const helmHome = (): string => (home ??= mkdtempSync(join(testenv().dir, 'helm-')));

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the helm built with the control plane against the test environment's API server. */
export function helm(args: string[]): Promise<HelmResult> {
  const env = testenv();
  return new Promise((resolve) => {
    execFile(
      join(env.binDir, 'helm'),
      args,
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: helmHome(),
          KUBECONFIG: env.kubeconfigPath,
          HELM_CACHE_HOME: join(helmHome(), 'cache'),
          HELM_CONFIG_HOME: join(helmHome(), 'config'),
          HELM_DATA_HOME: join(helmHome(), 'data'),
        },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** helm that must succeed: returns stdout, throws with stderr otherwise. */
export async function helmOk(args: string[]): Promise<string> {
  const result = await helm(args);
  if (result.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** `--set` flags from a flat map (lists as {a,b}). */
export function setFlags(values: Record<string, string | number | boolean | string[]>): string[] {
  return Object.entries(values).flatMap(([key, value]) => ['--set', `${key}=${Array.isArray(value) ? `{${value.join(',')}}` : String(value)}`]);
}

/**
 * The operator's ServiceAccount `cairn-operator` and the chart's cluster-wide RBAC for it in `namespace`, rendered from
 * the chart with `values` (cluster-scoped names carry the namespace, so tests in parallel do not share them). Returns the names
 * of the cluster-scoped objects, to delete after the test.
 */
export async function renderOperatorRbac(namespace: string, values: Record<string, string | number | boolean> = {}): Promise<{ yaml: string; clusterName: string }> {
  const fullname = `cairn-${namespace}`;
  const yaml = await helmOk([
    'template', 'cairn', chartDir(), '--namespace', namespace,
    ...setFlags({ fullnameOverride: fullname, 'serviceAccount.name': 'cairn-operator', ...values }),
    '--show-only', 'templates/serviceaccount.yaml', '--show-only', 'templates/rbac.yaml', '--show-only', 'templates/leader-election-rbac.yaml',
  ]);
  return { yaml, clusterName: `${fullname}-operator` };
}

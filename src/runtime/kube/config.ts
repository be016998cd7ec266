import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { inClusterConfig, isInCluster } from './in-cluster.js';
import { mergeKubeconfigs, parseKubeconfig, restConfigFromKubeconfig, type Kubeconfig, type ReadFile } from './kubeconfig.js';
import type { RestConfig } from './rest-config.js';

export interface KubeConfigSource {
  /** A kubeconfig file; when absent, in-cluster config (service account) is used if present, else the default. */
  kubeconfig?: string;
  /** A context of that file other than its current one. */
  context?: string;
}

/**
 * Loads the API server connection, in client-go's order: an explicit kubeconfig file; else the pod's service
 * account (KUBERNETES_SERVICE_HOST), unless a context was asked for; else the files of KUBECONFIG (merged, missing
 * ones skipped) or ~/.kube/config. Throws a message saying what was tried when there is nothing to load.
 */
export function loadRestConfig(source: KubeConfigSource = {}, env: NodeJS.ProcessEnv = process.env, readFile: ReadFile = readFileSync): RestConfig {
  const fromFiles = (files: string[]) => restConfigFromKubeconfig(readKubeconfigs(files, readFile), { context: source.context, readFile });
  if (source.kubeconfig) return fromFiles([source.kubeconfig]);
  if (!source.context && isInCluster(env)) return inClusterConfig(env, readFile);
  const files = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (!files.length) files.push(join(env.HOME || homedir(), '.kube', 'config'));
  const existing = files.filter((f) => exists(f, readFile));
  if (existing.length) return fromFiles(existing);
  throw new Error(
    `No Kubernetes configuration: not in a cluster and no kubeconfig at ${files.join(delimiter)} (pass --kubeconfig, set KUBECONFIG, or run in a pod)`,
  );
}

/** Reads and merges kubeconfig files (the first to define a name wins); a file that cannot be read throws. */
function readKubeconfigs(files: string[], readFile: ReadFile = readFileSync): Kubeconfig {
  return mergeKubeconfigs(
    files.map((file) => {
      let text: string;
      try {
        text = readFile(file).toString('utf8');
      } catch (err) {
        throw new Error(`Cannot read the kubeconfig ${file}: ${(err as Error).message}`, { cause: err });
      }
      return parseKubeconfig(text, dirname(file), `The kubeconfig ${file}`);
    }),
  );
}

function exists(file: string, readFile: ReadFile): boolean {
  try {
    readFile(file);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ENOENT'; // unreadable for another reason: say so when read
  }
}

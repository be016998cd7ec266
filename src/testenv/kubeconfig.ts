import { readFile, writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export type Credentials = { clientCertFile: string; clientKeyFile: string } | { token: string };

export interface KubeconfigSpec {
  /** Cluster, user and context name. */
  name: string;
  server: string;
  caFile: string;
  credentials: Credentials;
  namespace?: string;
}

/** Renders a self-contained kubeconfig (certificates embedded) as YAML. */
async function renderKubeconfig(spec: KubeconfigSpec): Promise<string> {
  const b64 = async (path: string): Promise<string> => (await readFile(path)).toString('base64');
  const user =
    'token' in spec.credentials
      ? { token: spec.credentials.token }
      : { 'client-certificate-data': await b64(spec.credentials.clientCertFile), 'client-key-data': await b64(spec.credentials.clientKeyFile) };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: spec.name, cluster: { server: spec.server, 'certificate-authority-data': await b64(spec.caFile) } }],
    users: [{ name: spec.name, user }],
    contexts: [{ name: spec.name, context: { cluster: spec.name, user: spec.name, ...(spec.namespace ? { namespace: spec.namespace } : {}) } }],
    'current-context': spec.name,
    preferences: {},
  });
}

/** Writes the kubeconfig to `path` (mode 0600: it holds credentials) and returns the path. */
export async function writeKubeconfig(path: string, spec: KubeconfigSpec): Promise<string> {
  await writeFile(path, await renderKubeconfig(spec), { mode: 0o600 });
  return path;
}

import { kubectl } from './kube.js';

/** What the API server says about a manifest: accepted, or rejected with its message. */
export interface ServerVerdict {
  accepted: boolean;
  /** kubectl's stderr on rejection (the API server's validation/CEL messages), '' when accepted. */
  message: string;
}

/**
 * The seam for the parity tests of `cairn validate` against the API server (issue 3): server-side dry-run
 * apply of a YAML file (or text) into `namespace`, so the CRD's OpenAPI schema and CEL rules judge it without
 * persisting anything. Objects without a namespace get `namespace`; objects with one must match it.
 */
export async function serverVerdict(manifest: { file: string } | { yaml: string }, namespace: string): Promise<ServerVerdict> {
  const args = ['apply', '--server-side', '--dry-run=server', '--field-manager=cairn-parity', '-n', namespace, '-f', 'file' in manifest ? manifest.file : '-'];
  const result = await kubectl(args, 'yaml' in manifest ? { input: manifest.yaml } : {});
  return result.code === 0 ? { accepted: true, message: '' } : { accepted: false, message: result.stderr.trim() };
}

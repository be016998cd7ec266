/**
 * The upstream Gateway API CRDs (standard channel, v1.6.1) in the test control plane, so HTTPRoutes meet the
 * real schema and CEL rules.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { eventually, testenv } from '../../harness/kube.js';
import { kube } from '../dataset/support.js';

const execFileAsync = promisify(execFile);

const GATEWAY_API_VERSION = '1.6.1';
const CRD_KINDS = ['gatewayclasses', 'gateways', 'httproutes', 'referencegrants'];

/**
 * The files of the upstream Gateway API CRDs (standard channel, v1.6.1): $CAIRN_GATEWAY_API_CRDS, else
 * ../shared/fixtures/gateway-api-v1.6.1 beside the checkout, else the same files from the published Go module
 * sigs.k8s.io/gateway-api at that version (config/crd/standard), through the Go module proxy like the control
 * plane's sources. None found: the test fails and says where it looked.
 */
export async function gatewayApiCrdFiles(): Promise<string[]> {
  const fixtures = process.env.CAIRN_GATEWAY_API_CRDS ?? join(testenv().root, '..', 'shared', 'fixtures', `gateway-api-v${GATEWAY_API_VERSION}`);
  if (existsSync(join(fixtures, 'httproutes.yaml'))) return CRD_KINDS.map((k) => join(fixtures, `${k}.yaml`));
  const scratch = await mkdtemp(join(tmpdir(), 'gateway-api-'));
  try {
    await writeFile(join(scratch, 'go.mod'), 'module local/gatewayapi\n\ngo 1.25.0\n');
    const { stdout } = await execFileAsync('go', ['mod', 'download', '-json', `sigs.k8s.io/gateway-api@v${GATEWAY_API_VERSION}`], { cwd: scratch, env: { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' } });
    const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
    const files = CRD_KINDS.map((k) => join(dir ?? '', 'config', 'crd', 'standard', `gateway.networking.k8s.io_${k}.yaml`));
    if (dir && files.every((f) => existsSync(f))) return files;
  } catch (error) {
    throw new Error(`the Gateway API CRDs are not at ${fixtures}, and go mod download sigs.k8s.io/gateway-api@v${GATEWAY_API_VERSION} failed: ${(error as Error).message}`, { cause: error });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  throw new Error(`the Gateway API CRDs are neither at ${fixtures} nor in sigs.k8s.io/gateway-api@v${GATEWAY_API_VERSION}/config/crd/standard; set CAIRN_GATEWAY_API_CRDS`);
}

/** Applies the Gateway API CRDs and waits until HTTPRoutes are served. */
export async function installGatewayApiCrds(): Promise<void> {
  for (const file of await gatewayApiCrdFiles()) {
    await kube.apply(builtin.customResourceDefinition, parse(readFileSync(file, 'utf8')) as KubeObject, { fieldManager: 'cairn-test', force: true });
  }
  await eventually('CRD httproutes.gateway.networking.k8s.io Established', async () => {
    const crd = await kube.get<KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>(builtin.customResourceDefinition, 'httproutes.gateway.networking.k8s.io');
    return crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
  });
}

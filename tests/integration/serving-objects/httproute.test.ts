/**
 * The gatewayAPI router's HTTPRoutes against the real Gateway API schema and CEL rules: the upstream CRDs
 * (standard channel, v1.6.1, from ../shared/fixtures/ or their Go module) are installed into the control plane,
 * and every route the renderer gives for a rollout (stable only, weighted canary, shadow mirror) is accepted as
 * rendered and reads back with its weights.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { cairnResource } from '../../../src/controllers/resources.js';
import { httpRouteWeight, renderHttpRoute } from '../../../src/render/traffic.js';
import type { KubeObject } from '../../../src/runtime/kube/object.js';
import { builtin } from '../../../src/runtime/kube/resource.js';
import { createNamespace, deleteNamespace, eventually, testenv } from '../../harness/kube.js';
import { kube } from '../dataset/support.js';
import { installCrds } from '../gitsource/support.js';

const fieldManager = 'cairn-test';
const execFileAsync = promisify(execFile);

const GATEWAY_API_VERSION = '1.6.1';
const CRD_KINDS = ['gatewayclasses', 'gateways', 'httproutes', 'referencegrants'];

/**
 * The files of the upstream Gateway API CRDs (standard channel, v1.6.1): $CAIRN_GATEWAY_API_CRDS, else
 * ../shared/fixtures/gateway-api-v1.6.1 beside the checkout, else the same files from the published Go module
 * sigs.k8s.io/gateway-api at that version (config/crd/standard), through the Go module proxy like the control
 * plane's sources. None found: the test fails and says where it looked.
 */
async function gatewayApiCrdFiles(): Promise<string[]> {
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

describe('HTTPRoutes of the gatewayAPI router on the real Gateway API CRDs', () => {
  let namespace = '';
  beforeAll(async () => {
    const files = await gatewayApiCrdFiles();
    await installCrds();
    for (const file of files) {
      await kube.apply(builtin.customResourceDefinition, parse(readFileSync(file, 'utf8')) as KubeObject, { fieldManager, force: true });
    }
    await eventually('CRD httproutes.gateway.networking.k8s.io Established', async () => {
      const crd = await kube.get<KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } }>(builtin.customResourceDefinition, 'httproutes.gateway.networking.k8s.io');
      return crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
    namespace = await createNamespace('httproute');
  });
  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  test('stable only, a weighted canary and a shadow mirror are accepted as rendered and read back', async () => {
    const owner = await kube.create<KubeObject>(cairnResource('Deployment'), {
      apiVersion: 'cairn.dev/v1alpha1',
      kind: 'Deployment',
      metadata: { name: 'eta', namespace },
      spec: { model: 'eta', version: { pinned: 2 }, traffic: { router: 'gatewayAPI', gatewayAPI: { parentRefs: [{ name: 'public' }] } } },
    } as KubeObject);
    const gateway = { parentRefs: [{ name: 'public', sectionName: 'http' }], hostnames: ['eta.example.com'] };
    const splits = [
      { stable: 1, weight: 0, mirror: 0 },
      { stable: 1, canary: 2, weight: 10, mirror: 0 },
      { stable: 1, canary: 2, weight: 50, mirror: 0 },
      { stable: 1, canary: 2, weight: 0, mirror: 25 },
      { stable: 2, weight: 0, mirror: 0 },
    ];
    for (const split of splits) {
      const route = renderHttpRoute(owner, gateway, split);
      await kube.apply(builtin.httpRoute, route as KubeObject, { fieldManager, force: true });
      const stored = await kube.get<KubeObject & { spec: { rules: Array<{ filters?: Array<{ type: string; requestMirror?: { percent?: number } }> }> } }>(builtin.httpRoute, 'eta', namespace);
      if (split.canary !== undefined) expect(httpRouteWeight(stored, owner, split.canary)).toBe(split.weight);
      const mirror = stored!.spec.rules[0]!.filters?.find((f) => f.type === 'RequestMirror');
      expect(mirror?.requestMirror?.percent).toBe(split.mirror > 0 ? split.mirror : undefined);
      expect(stored!.metadata?.ownerReferences?.[0]?.uid).toBe(owner.metadata?.uid);
    }
  });

  test('the real schema refuses what the renderer must never give (a mirror percent over 100)', async () => {
    const owner = (await kube.get<KubeObject>(cairnResource('Deployment'), 'eta', namespace))!;
    const route = renderHttpRoute(owner, { parentRefs: [{ name: 'public' }] }, { stable: 1, canary: 2, weight: 0, mirror: 101 });
    await expect(kube.apply(builtin.httpRoute, route as KubeObject, { fieldManager, force: true })).rejects.toThrow(/percent/);
  });
});

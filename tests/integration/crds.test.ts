/**
 * crds/ installs on a real API server, kubectl explain shows the schema's field descriptions for every kind,
 * and `kubectl get cairn` lists objects of all six kinds through the `cairn` category.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createNamespace, deleteNamespace, eventually, kubectl, kubectlOk, testenv } from '../harness/kube.js';

interface Crd {
  file: string;
  name: string;
  kind: string;
  plural: string;
  version: string;
  categories: string[];
  spec: { description?: string; properties?: Record<string, { description?: string }> };
}

function loadCrds(root: string): Crd[] {
  const dir = join(root, 'crds');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => {
      const doc = parseAllDocuments(readFileSync(join(dir, file), 'utf8'))[0]?.toJS() as {
        metadata: { name: string };
        spec: { names: { kind: string; plural: string; categories?: string[] }; versions: { name: string; schema: { openAPIV3Schema: { properties: { spec: Crd['spec'] } } } }[] };
      };
      return {
        file,
        name: doc.metadata.name,
        kind: doc.spec.names.kind,
        plural: doc.spec.names.plural,
        version: doc.spec.versions[0]?.name ?? '',
        categories: doc.spec.names.categories ?? [],
        spec: doc.spec.versions[0]?.schema.openAPIV3Schema.properties.spec ?? {},
      };
    });
}

const squash = (text: string): string => text.replace(/\s+/g, ' ').trim();

describe('the CRDs of crds/', () => {
  const env = testenv();
  const crds = loadCrds(env.root);
  let namespace = '';

  beforeAll(async () => {
    await kubectlOk(['apply', '--server-side', '--field-manager=cairn-tests', '-f', join(env.root, 'crds')]);
    for (const crd of crds) await kubectlOk(['wait', '--for=condition=Established', '--timeout=120s', `crd/${crd.name}`]);
    namespace = await createNamespace('crds');
  });
  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  test('crds/ holds the six kinds and each is established and served', async () => {
    expect(crds.map((c) => c.kind).sort()).toEqual(['Dataset', 'Deployment', 'DriftMonitor', 'Experiment', 'GitSource', 'ModelVersion']);
    const served = await kubectlOk(['api-resources', '--api-group=cairn.dev', '-o', 'name']);
    expect(served.split('\n').filter(Boolean).sort()).toEqual(crds.map((c) => `${c.plural}.cairn.dev`).sort());
  });

  test('kubectl explain <kind>.spec shows the field descriptions of every kind', async () => {
    for (const crd of crds) {
      const fields = Object.entries(crd.spec.properties ?? {}).filter(([, schema]) => schema.description);
      expect(fields.length, `${crd.file}: spec has no described fields`).toBeGreaterThan(0);
      // The OpenAPI v3 document of a new CRD is published shortly after it is established.
      const output = await eventually(`kubectl explain ${crd.plural}.spec (cairn.dev/${crd.version}) answers from the published OpenAPI`, async () => {
        // --api-version: `deployments` alone would be apps/v1's.
        const result = await kubectl(['explain', `${crd.plural}.spec`, `--api-version=cairn.dev/${crd.version}`]);
        return result.code === 0 ? squash(result.stdout) : undefined;
      });
      expect(output).toContain(`GROUP: cairn.dev KIND: ${crd.kind}`);
      if (crd.spec.description) expect(output).toContain(squash(crd.spec.description));
      for (const [field, schema] of fields) {
        expect(output, `${crd.kind}.spec.${field}`).toContain(squash(schema.description ?? ''));
      }
    }
  });

  test('kubectl get cairn lists the objects of all six kinds', async () => {
    expect(crds.every((c) => c.categories.includes('cairn'))).toBe(true);
    const dir = join(env.root, 'examples', 'kinds');
    const manifests = readdirSync(dir)
      .filter((file) => file.endsWith('.yaml'))
      .flatMap((file) => parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((doc) => doc.toJS() as { kind: string; metadata: { name: string; namespace?: string } }))
      .filter((doc) => doc !== null);
    for (const manifest of manifests) manifest.metadata.namespace = namespace;
    await kubectlOk(['apply', '--server-side', '--field-manager=cairn-tests', '-f', '-'], { input: manifests.map((m) => JSON.stringify(m)).join('\n---\n') });
    const listed = await kubectlOk(['get', 'cairn', '-n', namespace, '-o', 'name']);
    const expected = manifests.map((m) => `${m.kind.toLowerCase()}.cairn.dev/${m.metadata.name}`);
    expect(listed.split('\n').filter(Boolean).sort()).toEqual(expected.sort());
    expect(new Set(manifests.map((m) => m.kind)).size).toBe(6);
    // The table view uses the CRDs' printer columns.
    const table = await kubectlOk(['get', 'datasets', '-n', namespace]);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+FORMAT\s+ROWS\s+VERSION\s+READY\s+AGE/);
  });
});

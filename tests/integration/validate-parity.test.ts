/**
 * Parity of `cairn validate` with the API server: for every fixture, the CRD schema and CEL rules on a
 * real kube-apiserver (server-side dry-run apply) and the ajv + CEL validator of `cairn validate` give
 * the same verdict. A rule added to one side only fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeValidators } from '../../src/api/validate.js';
import { checkTree } from '../../src/manifests/check.js';
import { createNamespace, deleteNamespace, kubectlOk, testenv } from '../harness/kube.js';
import { serverVerdict } from '../harness/verdict.js';

const root = testenv().root;
const validators = makeValidators();

function fixtures(dir: string): string[] {
  return readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
}

const cases = [...fixtures('tests/fixtures/api/valid'), ...fixtures('tests/fixtures/api/invalid'), ...fixtures('examples/kinds'), ...fixtures('examples/driver-stats')];

describe('cairn validate and the API server agree', () => {
  let namespace = '';

  beforeAll(async () => {
    await kubectlOk(['apply', '--server-side', '--field-manager=cairn-tests', '-f', join(root, 'crds')]);
    await kubectlOk(['wait', '--for=condition=Established', '--timeout=120s', '-f', join(root, 'crds')]);
    namespace = await createNamespace('parity');
  });
  afterAll(async () => {
    if (namespace) await deleteNamespace(namespace);
  });

  it.each(cases)('%s', async (file) => {
    const local = await checkTree(join(root, file), { validators });
    const localAccepts = local.problems.filter((p) => p.severity === 'error').length === 0;
    // The examples name their own namespace; judge them in the test namespace.
    const yaml = readFileSync(join(root, file), 'utf8').replace(/^ {2}namespace: .*$/m, '');
    const server = await serverVerdict({ yaml }, namespace);
    expect({ file, accepted: server.accepted, message: server.message }).toEqual({ file, accepted: localAccepts, message: server.message });
    if (!localAccepts) expect(server.message).not.toBe('');
  });

  it('covers valid and invalid fixtures of every kind', () => {
    expect(cases.filter((c) => c.includes('/invalid/')).length).toBeGreaterThanOrEqual(20);
    expect(cases.filter((c) => c.includes('/valid/')).length).toBeGreaterThanOrEqual(6);
  });

  it('the API server enforces what cairn validate cannot see: a ModelVersion spec is immutable', async () => {
    const yaml = readFileSync(join(root, 'tests/fixtures/api/valid/modelversion-minimal.yaml'), 'utf8');
    await kubectlOk(['apply', '--server-side', '--field-manager=cairn-parity', '-n', namespace, '-f', '-'], { input: yaml });
    const changed = await serverVerdict({ yaml: yaml.replace('version: 1', 'version: 2') }, namespace);
    expect(changed.accepted).toBe(false);
    expect(changed.message).toContain('spec is immutable; create a new ModelVersion instead');
  });
});

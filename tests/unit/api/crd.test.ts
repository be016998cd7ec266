import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { crdFor } from '../../../src/api/crd.js';
import { kinds } from '../../../src/api/kinds/index.js';

type Json = Record<string, unknown>;
const root = join(import.meta.dirname, '../../..');

function schemaOf(crd: Json): Json {
  const versions = (crd.spec as Json).versions as Json[];
  return ((versions[0] as Json).schema as Json).openAPIV3Schema as Json;
}

/** Visits every schema node with its path. */
function walk(node: Json, path: string, visit: (node: Json, path: string) => void): void {
  visit(node, path);
  for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, Json>)) walk(child, `${path}.${key}`, visit);
  if (node.items) walk(node.items as Json, `${path}[]`, visit);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') walk(node.additionalProperties as Json, `${path}{}`, visit);
}

// Built-in short names (kubectl api-resources) and those of widely installed CRDs (Flux, Argo, KServe,
// Knative, Istio, cert-manager, Prometheus Operator, Kubeflow, Seldon, KEDA).
const takenShortNames = new Set([
  'cm', 'cs', 'csr', 'crd', 'crds', 'ds', 'deploy', 'ep', 'eps', 'ev', 'hpa', 'ing', 'limits', 'netpol', 'no', 'ns', 'pc', 'pdb', 'po', 'psp', 'pv', 'pvc', 'quota', 'rc', 'rs', 'sa', 'sc', 'svc', 'sts', 'ips',
  'gitrepo', 'helmrepo', 'hr', 'ks', 'kustomization', 'ocirepo', 'app', 'apps', 'appproj', 'appset', 'ro', 'rollout', 'ar', 'at', 'exp', 'isvc', 'inferenceservice', 'tm', 'sr', 'ksvc', 'kservice', 'rt', 'cfg',
  'gw', 'vs', 'dr', 'se', 'cert', 'certs', 'cr', 'issuer', 'smon', 'pmon', 'prom', 'am', 'sdep', 'so', 'sj', 'ta', 'pj', 'tfjob', 'pytorchjob', 'mv', 'model', 'ds-cairn', 'dataset', 'experiment',
]);

describe('generated CRDs', () => {
  it.each(kinds.map((def) => [def.kind, def] as const))('%s: every field has a description, so kubectl explain documents it', (_kind, def) => {
    const missing: string[] = [];
    walk(schemaOf(crdFor(def)), def.kind, (node, path) => {
      if (path.endsWith('.metadata')) return; // the API server documents metadata itself
      if (typeof node.description !== 'string' || node.description.length < 5) missing.push(path);
    });
    expect(missing).toEqual([]);
  });

  it.each(kinds.map((def) => [def.kind, def] as const))('%s: the schema is structural', (_kind, def) => {
    const violations: string[] = [];
    walk(schemaOf(crdFor(def)), def.kind, (node, path) => {
      const typed = typeof node.type === 'string' || node['x-kubernetes-int-or-string'] === true || node['x-kubernetes-preserve-unknown-fields'] === true;
      if (!typed) violations.push(`${path}: no type`);
      if (node.properties && node.additionalProperties !== undefined) violations.push(`${path}: properties and additionalProperties`);
      if (node.$ref !== undefined) violations.push(`${path}: $ref`);
      if (node.anyOf && node['x-kubernetes-int-or-string'] !== true) violations.push(`${path}: anyOf outside int-or-string`);
    });
    expect(violations).toEqual([]);
  });

  it.each(kinds.map((def) => [def.kind, def] as const))('%s: status subresource, category cairn, Ready and Age columns, conditions keyed by type', (_kind, def) => {
    const crd = crdFor(def);
    const spec = crd.spec as Json;
    const version = (spec.versions as Json[])[0] as Json;
    expect(version.subresources).toEqual({ status: {} });
    expect((spec.names as Json).categories).toEqual(['cairn']);
    const columns = (version.additionalPrinterColumns as Json[]).map((c) => c.name);
    expect(columns).toContain('Ready');
    expect(columns.at(-1)).toBe('Age');
    const status = (schemaOf(crd).properties as Record<string, Json>).status as Json;
    const conditions = (status.properties as Record<string, Json>).conditions as Json;
    expect(conditions['x-kubernetes-list-type']).toBe('map');
    expect(conditions['x-kubernetes-list-map-keys']).toEqual(['type']);
  });

  it('short names collide with no built-in or common CRD short name, nor with each other', () => {
    const all = kinds.flatMap((def) => def.shortNames);
    expect(new Set(all).size).toBe(all.length);
    for (const name of all) expect(takenShortNames.has(name), name).toBe(false);
  });

  it('crds/ holds exactly what the generator writes (run `npm run generate`)', () => {
    for (const def of kinds) {
      const file = join(root, 'crds', `cairn.dev_${def.plural}.yaml`);
      expect(parse(readFileSync(file, 'utf8'))).toEqual(crdFor(def));
    }
  });

  it('cross-field rules live in the schema as CEL', () => {
    const rules = (def: string) => JSON.stringify(crdFor(kinds.find((k) => k.kind === def)!));
    expect(rules('GitSource')).toContain('[has(self.branch), has(self.tag), has(self.commit)].filter(x, x).size() == 1');
    expect(rules('Deployment')).toContain('isSorted()');
    expect(rules('ModelVersion')).toContain('self == oldSelf');
    expect(rules('Experiment')).toContain('self.min < self.max');
  });
});

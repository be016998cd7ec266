/**
 * Pure generation of the CustomResourceDefinitions from the kind definitions. The result is a
 * structural schema (https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema):
 * every node typed, no `additionalProperties` beside `properties`, no `$ref`.
 */
import { API_VERSION, CATEGORY, GROUP, VERSION, type KindDefinition } from './kind.js';

type Json = Record<string, unknown>;

/** Plain JSON of a TypeBox schema (its symbol keys dropped), with the ajv-only keywords removed. */
function toStructural(schema: unknown): Json {
  const plain = JSON.parse(JSON.stringify(schema)) as Json;
  return strip(plain);
}

function strip(node: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'additionalProperties' && typeof value === 'boolean') continue; // closedness is for cairn validate only
    if (key === '$id' || key === '$schema') continue;
    // No server-side defaulting: a defaulted field would meet CEL rules that `cairn validate` evaluates
    // without it (replicas defaulted next to autoscaling, say). Controllers apply the documented defaults.
    if (key === 'default') continue;
    out[key] = value;
  }
  // JSON Schema draft 7 (ajv) has a numeric exclusiveMinimum; OpenAPI v3.0 (the CRD) a boolean beside minimum.
  for (const [exclusive, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[exclusive] === 'number') {
      out[bound] = out[exclusive];
      out[exclusive] = true;
    }
  }
  if (out.properties && typeof out.properties === 'object') {
    out.properties = Object.fromEntries(Object.entries(out.properties as Record<string, Json>).map(([k, v]) => [k, strip(v)]));
  }
  if (out.items && typeof out.items === 'object') out.items = strip(out.items as Json);
  if (out.additionalProperties && typeof out.additionalProperties === 'object') out.additionalProperties = strip(out.additionalProperties as Json);
  if (Array.isArray(out.anyOf)) out.anyOf = (out.anyOf as Json[]).map(strip);
  return out;
}

/** The top-level schema of a custom resource of this kind, as the CRD carries it. */
export function resourceSchema(def: KindDefinition): Json {
  const schema: Json = {
    type: 'object',
    description: def.description,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string', description: `APIVersion of the object: ${API_VERSION}.` },
      kind: { type: 'string', description: `Kind of the object: ${def.kind}.` },
      metadata: { type: 'object' },
      spec: toStructural(def.spec),
      status: toStructural(def.status),
    },
  };
  if (def.rules?.length) schema['x-kubernetes-validations'] = def.rules;
  return schema;
}

export function crdFor(def: KindDefinition): Json {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${def.plural}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': 'cairn', 'app.kubernetes.io/part-of': 'cairn' },
    },
    spec: {
      group: GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
        categories: [CATEGORY],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.printerColumns,
          schema: { openAPIV3Schema: resourceSchema(def) },
        },
      ],
    },
  };
}

/** The ResourceType of each cairn.dev kind, derived from the API definitions. */
import { GROUP, VERSION, type KindDefinition } from '../api/kind.js';
import { kinds } from '../api/kinds/index.js';
import { ResourceRegistry, builtin, type ResourceType } from '../runtime/kube/resource.js';

export function resourceOf(def: KindDefinition): ResourceType {
  return { group: GROUP, version: VERSION, kind: def.kind, plural: def.plural, namespaced: true };
}

export const cairnResources: readonly ResourceType[] = kinds.map(resourceOf);

export function cairnResource(kind: string): ResourceType {
  const res = cairnResources.find((r) => r.kind === kind);
  if (!res) throw new Error(`unknown cairn.dev kind ${kind}`);
  return res;
}

/** Built-ins plus the cairn.dev kinds. */
export function resourceRegistry(): ResourceRegistry {
  return new ResourceRegistry([...Object.values(builtin), ...cairnResources]);
}

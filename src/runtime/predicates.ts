import { isDeepStrictEqual } from 'node:util';
import type { InformerEvent } from './informer.js';
import { keyOf } from './keys.js';
import type { Frozen, KubeObject } from './kube/object.js';
import type { ResourceType } from './kube/resource.js';

type Predicate = (event: InformerEvent<KubeObject>) => boolean;

/**
 * Passes adds and deletes, and updates that changed metadata.generation (a spec change) or started a deletion.
 * Drops the update events of the controller's own status writes, which would otherwise reconcile again for
 * nothing (Flux's GenerationChangedPredicate).
 */
export const generationChanged: Predicate = (event) => {
  if (event.type !== 'update') return true;
  const { old, object } = event;
  return old.metadata?.generation !== object.metadata?.generation || (!old.metadata?.deletionTimestamp && !!object.metadata?.deletionTimestamp);
};

/** Passes updates that changed labels or annotations (e.g. a `cairn.dev/requestedAt` sync request). */
export const metadataChanged: Predicate = (event) => {
  if (event.type !== 'update') return true;
  const a = event.old.metadata;
  const b = event.object.metadata;
  return !isDeepStrictEqual(a?.annotations ?? {}, b?.annotations ?? {}) || !isDeepStrictEqual(a?.labels ?? {}, b?.labels ?? {});
};

export function anyOf(...predicates: Predicate[]): Predicate {
  return (event) => predicates.some((p) => p(event));
}

/**
 * Maps a child to the key of its controlling owner of kind `owner` (same namespace), for `watches` entries
 * that need it explicitly; `owns` does this already.
 */
export function controllerOwnerKeys(owner: ResourceType): (obj: Frozen<KubeObject>) => string[] {
  const apiGroup = owner.group;
  return (obj) =>
    (obj.metadata?.ownerReferences ?? [])
      .filter((ref) => ref.controller === true && ref.kind === owner.kind && ref.apiVersion.split('/').length === (apiGroup ? 2 : 1) && (apiGroup ? ref.apiVersion.startsWith(`${apiGroup}/`) : true))
      .map((ref) => keyOf(owner.namespaced ? obj.metadata?.namespace : undefined, ref.name));
}

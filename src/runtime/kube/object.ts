/**
 * The plain-JSON shape of a Kubernetes object as the runtime sees it: what the API server sends, with
 * timestamps as RFC 3339 strings (the runtime never uses @kubernetes/client-node's model classes, whose
 * Date fields differ between list and watch results).
 */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** Objects held by informer caches are deeply frozen: a reconciler that tries to mutate one fails loudly. */
export type Frozen<T> = T extends (infer U)[]
  ? ReadonlyArray<Frozen<U>>
  : T extends object
    ? { readonly [K in keyof T]: Frozen<T[K]> }
    : T;

export function deepFreeze<T>(value: T): Frozen<T> {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value as Frozen<T>;
}

/** A mutable deep copy of a (possibly frozen) cached object, to build a status or a patch from. */
export function mutableCopy<T>(value: Frozen<T> | T): T {
  return structuredClone(value) as T;
}

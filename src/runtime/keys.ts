/** Anything with a name and maybe a namespace (objects, frozen or not, and references). */
export interface Named {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
}

/**
 * The work-queue key of an object: `namespace/name`, or `name` for cluster-scoped objects
 * (the convention of client-go's MetaNamespaceKeyFunc).
 */
export function objectKey(obj: Named): string {
  const name = obj.metadata?.name ?? '';
  const namespace = obj.metadata?.namespace;
  return namespace ? `${namespace}/${name}` : name;
}

export function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** A parsed key; `namespace` is undefined for cluster-scoped objects. */
export interface ObjectRef {
  namespace: string | undefined;
  name: string;
}

export function parseKey(key: string): ObjectRef {
  const slash = key.indexOf('/');
  if (slash < 0) return { namespace: undefined, name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * The owner of rendered children and the controller ownerReference that ties each child to it, so the garbage
 * collector deletes the children with their owner and the owner's controller is woken by their changes.
 */
import type { OwnerReference } from '../runtime/kube/object.js';
import { RenderError } from './errors.js';

/**
 * What a builder reads of the owning custom resource. A KubeObject, a Resource<Spec, Status> or a frozen
 * object from an informer cache all fit.
 */
export interface OwnerObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly uid?: string };
}

/** An owner with every field a builder needs. */
export interface KnownOwner {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  namespace: string | undefined;
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** The owner's kind and name; throws a RenderError (`InvalidOwner`) when either is missing. */
export function ownerKindAndName(owner: OwnerObject): { kind: string; name: string } {
  const kind = owner.kind;
  const name = owner.metadata?.name;
  if (!nonEmpty(kind)) throw new RenderError('InvalidOwner', 'owner.kind', 'the owner has no kind');
  if (!nonEmpty(name)) throw new RenderError('InvalidOwner', 'owner.metadata.name', `the ${kind} has no name`);
  return { kind, name };
}

/**
 * The owner's identity; throws a RenderError: `OwnerNotCreated` when it has no uid, `InvalidOwner` when its
 * kind, name or apiVersion is missing, or when `namespaced` and it has no namespace.
 */
export function knownOwner(owner: OwnerObject, options: { namespaced?: boolean } = {}): KnownOwner {
  const { kind, name } = ownerKindAndName(owner);
  const apiVersion = owner.apiVersion;
  const uid = owner.metadata?.uid;
  const namespace = owner.metadata?.namespace;
  if (!nonEmpty(apiVersion)) throw new RenderError('InvalidOwner', 'owner.apiVersion', `${kind}/${name} has no apiVersion`);
  if (!nonEmpty(uid)) {
    throw new RenderError('OwnerNotCreated', 'owner.metadata.uid', `${kind}/${name} has no uid: an object not yet created cannot own children`);
  }
  if (options.namespaced && !nonEmpty(namespace)) {
    throw new RenderError('InvalidOwner', 'owner.metadata.namespace', `${kind}/${name} has no namespace: its children would have none`);
  }
  return { apiVersion, kind, name, uid, namespace: nonEmpty(namespace) ? namespace : undefined };
}

/**
 * The controller ownerReference to `owner`: `controller: true` (at most one controller per object; the child
 * belongs to this owner's reconciler) and `blockOwnerDeletion: true` (a foreground deletion of the owner waits
 * for the child). Throws a RenderError (`OwnerNotCreated`) when the owner has no uid.
 */
export function ownerReference(owner: OwnerObject): OwnerReference {
  const { apiVersion, kind, name, uid } = knownOwner(owner);
  return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/**
 * Pure: what a Git document becomes when Cairn applies it. The object gets the GitSource's namespace,
 * the labels and annotations that say where it came from, and a digest of itself so an unchanged object
 * is never written again (a reconcile with nothing to change makes no write).
 */
import { createHash } from 'node:crypto';
import type { LoadedObject } from '../manifests/check.js';

export const labels = {
  source: 'cairn.dev/source',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

export const annotations = {
  path: 'cairn.dev/path',
  revision: 'cairn.dev/revision',
  digest: 'cairn.dev/applied-digest',
} as const;

export interface SourceRef {
  name: string;
  namespace: string;
}

export interface DesiredObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: unknown;
  [key: string]: unknown;
}

/** Server-populated metadata that must not be sent with an apply. */
const serverFields = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink', 'ownerReferences', 'finalizers'];

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function digestOf(object: unknown): string {
  return createHash('sha256').update(stableJson(object)).digest('hex').slice(0, 32);
}

/** The object to server-side apply for one valid Git document. */
export function desiredObject(loaded: LoadedObject, source: SourceRef, revision: string): DesiredObject {
  const { status: _status, metadata, ...rest } = structuredClone(loaded.object) as Record<string, unknown> & { metadata: Record<string, unknown> };
  const meta: Record<string, unknown> = { ...metadata };
  for (const field of serverFields) delete meta[field];
  const object = {
    ...rest,
    metadata: {
      ...meta,
      name: loaded.name,
      namespace: source.namespace,
      labels: { ...((meta.labels as Record<string, string> | undefined) ?? {}), [labels.source]: source.name, [labels.managedBy]: 'cairn' },
      annotations: { ...((meta.annotations as Record<string, string> | undefined) ?? {}), [annotations.path]: loaded.file, [annotations.revision]: revision },
    },
  } as unknown as DesiredObject;
  object.metadata.annotations[annotations.digest] = digestOf(object);
  return object;
}

/** True when `part` is contained in `whole`: every field of part has the same value in whole. */
export function isSubset(part: unknown, whole: unknown): boolean {
  if (part === whole) return true;
  if (Array.isArray(part)) {
    return Array.isArray(whole) && part.length === whole.length && part.every((item, i) => isSubset(item, whole[i]));
  }
  if (part !== null && typeof part === 'object') {
    if (whole === null || typeof whole !== 'object' || Array.isArray(whole)) return false;
    return Object.entries(part as Record<string, unknown>).every(([k, v]) => isSubset(v, (whole as Record<string, unknown>)[k]));
  }
  return false;
}

/**
 * Whether `live` already holds every desired value but the revision it was applied at (and the digest, which
 * covers the revision): a new commit that did not touch this object. Such an object is still applied (its
 * revision annotation moves on), after the objects the commit did change. A field removed from Git is not
 * seen here (the live object still holds it): that object only waits its turn with the others.
 */
export function differsOnlyInRevision(desired: DesiredObject, live: unknown): boolean {
  if (live === undefined || live === null) return false;
  const { [annotations.revision]: _revision, [annotations.digest]: _digest, ...rest } = desired.metadata.annotations;
  return isSubset({ ...desired, metadata: { ...desired.metadata, annotations: rest } }, live);
}

/**
 * Whether applying `desired` would change nothing: the live object carries the digest of the same
 * desired object (so no field was dropped from Git) and still holds every desired value (so nobody
 * edited a Git-managed field by hand).
 */
export function isUpToDate(desired: DesiredObject, live: unknown): boolean {
  if (live === undefined || live === null) return false;
  const liveDigest = (live as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations?.[annotations.digest];
  return liveDigest === desired.metadata.annotations[annotations.digest] && isSubset(desired, live);
}
